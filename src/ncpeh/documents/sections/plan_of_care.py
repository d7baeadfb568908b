"""Plan of care (LOINC 18776-5): planned acts, observations, procedures and
medications (moodCode INT, RQO...); often narrative only.

Read with the shared observation reader
(:func:`ncpeh.documents.sections.results.observation_entries`): each statement
becomes an entry headed by its code, with its value as the result.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import Entry
from ncpeh.documents.sections._common import Context
from ncpeh.documents.sections.results import observation_entries

__all__ = ["extract_plan_of_care"]


def extract_plan_of_care(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return observation_entries(ctx, section, "plan-of-care")
