"""Pregnancy history (.2.7, LOINC 10162-6): current status .3.45 (82810-3)
with the estimated delivery date .3.24, outcomes .3.46 and .3.47.

Read with the shared observation reader
(:func:`ncpeh.documents.sections.results.observation_entries`): each statement
becomes an entry headed by its code, with its value as the result.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import Entry
from ncpeh.documents.sections._common import Context
from ncpeh.documents.sections.results import observation_entries

__all__ = ["extract_pregnancy"]


def extract_pregnancy(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return observation_entries(ctx, section, "pregnancy")
