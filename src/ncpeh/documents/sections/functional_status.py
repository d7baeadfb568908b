"""Functional status (.2.14, LOINC 47420-5): ``organizer`` .3.39 of
assessment observations .3.40.

Read with the shared observation reader
(:func:`ncpeh.documents.sections.results.observation_entries`): each statement
becomes an entry headed by its code, with its value as the result.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import Entry
from ncpeh.documents.sections._common import Context
from ncpeh.documents.sections.results import observation_entries

__all__ = ["extract_functional_status"]


def extract_functional_status(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return observation_entries(ctx, section, "functional-status")
