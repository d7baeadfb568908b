"""Vital signs (.2.6, LOINC 8716-3): ``organizer`` .3.21 of ``observation``
.3.22 (systolic 8480-6, diastolic 8462-4).

Read with the shared observation reader
(:func:`ncpeh.documents.sections.results.observation_entries`): each statement
becomes an entry headed by its code, with its value as the result.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import Entry
from ncpeh.documents.sections._common import Context
from ncpeh.documents.sections.results import observation_entries

__all__ = ["extract_vital_signs"]


def extract_vital_signs(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return observation_entries(ctx, section, "vital-sign")
