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
    absence_of,
    child,
    children,
    coded,
    field_if,
    time_value,
    usable,
)

__all__ = ["extract_procedures", "procedure_entry"]


def procedure_entry(ctx: Context, proc: etree._Element) -> Entry:
    """One procedure: what was done, when and where."""
    code = coded(ctx, child(proc, "code"))
    absence = absence_of(code)
    if absence is not None:
        return Entry(kind="procedure", headline=code, absence=absence)
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
    if headline is None and not fields:
        return Entry(kind="procedure", headline=code, absence="no-information")
    return Entry(
        kind="procedure", headline=headline if headline is not None else code, fields=tuple(fields)
    )


def extract_procedures(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for entry in children(section, "entry"):
        for proc in children(entry, "procedure"):
            out.append(procedure_entry(ctx, proc))
    return tuple(out)
