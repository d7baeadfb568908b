"""Social history (.2.13, LOINC 29762-2): ``observation`` .3.23 (tobacco,
alcohol...).

Read with the shared observation reader
(:func:`ncpeh.documents.sections.results.observation_entries`): each statement
becomes an entry headed by its code, with its value as the result.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import Entry
from ncpeh.documents.sections._common import Context
from ncpeh.documents.sections.results import observation_entries

__all__ = ["extract_social_history"]


def extract_social_history(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return observation_entries(ctx, section, "social-history")
