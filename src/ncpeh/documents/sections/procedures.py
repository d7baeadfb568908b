"""History of procedures (.2.11, LOINC 47519-4): ``procedure`` .3.26.

The procedure ``code`` (SNOMED CT) is the headline; the date, body site (with
its laterality qualifier) and status code follow.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import CodedValue, Entry, EntryField
from ncpeh.documents.sections._common import (
    N_,
    Context,
    absent_entry,
    child,
    children,
    coded,
    descend_all,
    field_if,
    headed_entry,
    time_value,
    usable,
)

__all__ = ["extract_procedures", "procedure_entry"]


def procedure_entry(ctx: Context, proc: etree._Element) -> Entry:
    """One procedure: what was done, when and where."""
    code = coded(ctx, child(proc, "code"))
    absent = absent_entry("procedure", code)
    if absent is not None:
        return absent
    headline: CodedValue | str | None = code if usable(code) else None
    if headline is None:
        headline = ctx.referenced_text(child(proc, "text"))
    fields: list[EntryField] = []
    when = time_value(ctx, child(proc, "effectiveTime"))
    if when is not None and (when.value or when.low or when.high):
        fields.append(EntryField(N_("Date"), when))
    for site in children(proc, "targetSiteCode"):
        fields += field_if(N_("Body site"), coded(ctx, site))
        for qualifier in children(site, "qualifier"):
            fields += field_if(N_("Laterality"), coded(ctx, child(qualifier, "value")))
    return headed_entry("procedure", headline, code, fields)


def extract_procedures(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return tuple(procedure_entry(ctx, proc) for proc in descend_all(section, "entry/procedure"))
