"""Active problems (.2.9, 11450-4) and history of past illness (.2.10, 11348-0).

Shape (documents.md §1.2): a concern ``act`` .3.15 holding a problem
``observation`` .3.7 whose ``value`` is the diagnosis (ICD-10, Orphanet or SNOMED
CT); status .3.9 and resolution outcome .3.10 are ``REFR`` observations (older
documents use the IHE/CCD status templates, recognised by their LOINC codes
33999-4 and 11323-3); severity is a ``SUBJ`` observation coded ``SEV``.
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
    end_of,
    field_if,
    has_template,
    start_of,
    usable,
)

__all__ = ["extract_problems", "problem_entry"]

_STATUS_LOINC = "33999-4"
_HEALTH_STATUS_LOINC = "11323-3"


def _observations(entry_el: etree._Element) -> list[etree._Element]:
    found: list[etree._Element] = []
    for act in children(entry_el, "act"):
        for rel in children(act, "entryRelationship"):
            obs = child(rel, "observation")
            if obs is not None:
                found.append(obs)
    if not found:
        found = children(entry_el, "observation")
    return found


def problem_entry(ctx: Context, obs: etree._Element) -> Entry:
    """One problem: the diagnosis, then onset, resolution, status, outcome, severity."""
    value = coded(ctx, child(obs, "value"))
    kind_code = coded(ctx, child(obs, "code"))
    absent = absent_entry("problem", value, kind_code)
    if absent is not None:
        return absent
    headline: CodedValue | str | None = value if usable(value) else None
    fields: list[EntryField] = []
    if headline is None:
        text = ctx.referenced_text(child(obs, "text"))
        if text:
            headline = text
        elif value is not None and value.null_flavor is not None and not usable(kind_code):
            return Entry(kind="problem", headline=value, absence="no-information")
    fields += field_if(N_("Problem type"), kind_code if usable(kind_code) else None)
    fields += field_if(N_("Onset"), start_of(ctx, obs))
    fields += field_if(N_("Resolution"), end_of(ctx, obs))
    for rel in children(obs, "entryRelationship"):
        sub = child(rel, "observation")
        if sub is None:
            continue
        code = child(sub, "code")
        code_value = code.get("code") if code is not None else None
        sub_value = coded(ctx, child(sub, "value"))
        if not usable(sub_value):
            continue
        if has_template(sub, "10") or code_value == _HEALTH_STATUS_LOINC:
            fields += field_if(N_("Outcome"), sub_value)
        elif has_template(sub, "9") or code_value == _STATUS_LOINC:
            fields += field_if(N_("Status"), sub_value)
        elif code_value == "SEV":
            fields += field_if(N_("Severity"), sub_value)
    if headline is None and value is not None:
        headline = value
    return Entry(kind="problem", headline=headline, fields=tuple(fields))


def extract_problems(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for entry in children(section, "entry"):
        for obs in _observations(entry):
            out.append(problem_entry(ctx, obs))
    return tuple(out)
