"""Allergies and intolerances (section .2.12, LOINC 48765-2).

Shape (documents.md §1.2): a concern ``act`` .3.16 holding an ``observation``
.3.17 whose agent is ``participant[@typeCode='CSM']/participantRole/playingEntity/
code``; reactions are ``entryRelationship[@typeCode='MFST']`` observations .3.44;
criticality .3.33, certainty .3.35 and status .3.34 are ``SUBJ``/``REFR``
observations; severity is a ``SUBJ`` observation coded ``SEV``. Some epSOS-era
documents put the observation directly in the entry, without the concern act.
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
    descend,
    end_of,
    field_if,
    has_template,
    start_of,
    usable,
)

__all__ = ["allergy_entry", "extract_allergies"]

_SEVERITY = "SEV"
_CRITICALITY_LOINC = "82606-5"
_CERTAINTY_LOINC = "66455-7"


def _observation(entry_el: etree._Element) -> etree._Element | None:
    for act in children(entry_el, "act"):
        for rel in children(act, "entryRelationship"):
            obs = child(rel, "observation")
            if obs is not None:
                return obs
    return child(entry_el, "observation")


def allergy_entry(ctx: Context, obs: etree._Element) -> Entry:
    """One allergy or intolerance: agent first, then its reactions and qualifiers."""
    kind_code = coded(ctx, child(obs, "code"))
    value = coded(ctx, child(obs, "value"))
    agent = coded(ctx, descend(obs, "participant/participantRole/playingEntity/code"))
    agent_name = None
    entity = descend(obs, "participant/participantRole/playingEntity")
    if entity is not None:
        agent_name = ctx.referenced_text(child(entity, "name"))
    absent = absent_entry("allergy", value, agent, kind_code)
    if absent is not None:
        return absent

    headline: CodedValue | str | None
    if usable(agent):
        headline = agent
    elif agent_name:
        headline = agent_name
    elif usable(value):
        headline = value
    else:
        headline = kind_code if usable(kind_code) else None
    fields: list[EntryField] = []
    if headline is not kind_code:
        fields += field_if(N_("Type"), kind_code if usable(kind_code) else None)
    if (
        headline is agent
        and agent_name
        and isinstance(agent, CodedValue)
        and (agent.display != agent_name)
    ):
        fields.append(EntryField(N_("Agent"), agent_name, original_language=True))
    if headline is not value and usable(value):
        fields.append(EntryField(N_("Description"), value))  # type: ignore[arg-type]
    for rel in children(obs, "entryRelationship"):
        sub = child(rel, "observation")
        if sub is None:
            continue
        code = child(sub, "code")
        code_value = code.get("code") if code is not None else None
        sub_value = coded(ctx, child(sub, "value"))
        if rel.get("typeCode") == "MFST" or has_template(sub, "44"):
            reaction = sub_value if usable(sub_value) else coded(ctx, code)
            fields += field_if(N_("Reaction"), reaction)
            for inner in children(sub, "entryRelationship"):
                sev = child(inner, "observation")
                sev_code = child(sev, "code")
                if sev_code is not None and sev_code.get("code") == _SEVERITY:
                    fields += field_if(N_("Severity"), coded(ctx, child(sev, "value")))
            fields += field_if(N_("Reaction onset"), start_of(ctx, sub))
        elif has_template(sub, "33") or code_value == _CRITICALITY_LOINC:
            fields += field_if(N_("Criticality"), sub_value)
        elif has_template(sub, "35") or code_value == _CERTAINTY_LOINC:
            fields += field_if(N_("Certainty"), sub_value)
        elif has_template(sub, "34") or code_value == "33999-4":
            fields += field_if(N_("Status"), sub_value)
        elif code_value == _SEVERITY:
            fields += field_if(N_("Severity"), sub_value)
    fields += field_if(N_("Onset"), start_of(ctx, obs))
    fields += field_if(N_("End"), end_of(ctx, obs))
    return Entry(kind="allergy", headline=headline, fields=tuple(fields))


def extract_allergies(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    out: list[Entry] = []
    for entry in children(section, "entry"):
        obs = _observation(entry)
        if obs is None:
            continue
        out.append(allergy_entry(ctx, obs))
    return tuple(out)
