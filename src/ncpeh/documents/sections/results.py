"""Results (.2.5, LOINC 30954-2), and the generic observation reader other sections use.

Results are ``observation`` .3.25 or ``organizer`` .3.42 (a panel of component
observations), for example the blood group (34530-6). The same
observation/organizer shape carries vital signs, social history, pregnancy
history and functional status, so :func:`observation_entries` reads it once:
one :class:`Entry` per observation, with its panel (organizer code) as a field,
nested observations flattened after their parent in document order.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import CodedValue, Entry, EntryField, TimeValue
from ncpeh.documents.sections._common import (
    N_,
    Context,
    absent_entry,
    child,
    children,
    coded,
    descend,
    field_if,
    local_name,
    observation_value,
    quantity,
    text_content,
    time_value,
    usable,
)

__all__ = ["act_entry", "extract_results", "observation_entries", "time_field"]

_MAX_DEPTH = 4
_CLINICAL = (
    "observation",
    "organizer",
    "act",
    "procedure",
    "substanceAdministration",
    "encounter",
    "supply",
)


def time_field(ctx: Context, el: etree._Element | None) -> list[EntryField]:
    """``Date`` for a point in time, ``Period`` for a low/high interval."""
    tv: TimeValue | None = time_value(ctx, child(el, "effectiveTime"))
    if tv is None or (tv.value is None and tv.low is None and tv.high is None):
        return []
    label = N_("Date") if tv.value is not None else N_("Period")
    return [EntryField(label, tv)]


def _reference_range(obs: etree._Element) -> str | None:
    rng = descend(obs, "referenceRange/observationRange")
    if rng is None:
        return None
    q = quantity(child(rng, "value"))
    if q is not None and (q.low or q.high):
        unit = f" {q.unit}" if q.unit and q.unit != "1" else ""
        return f"{q.low or ''}–{q.high or ''}{unit}".strip()
    return text_content(child(rng, "text"))


def _observation(
    ctx: Context, obs: etree._Element, kind: str, panel: CodedValue | None
) -> Entry | None:
    code = coded(ctx, child(obs, "code"))
    value = observation_value(ctx, obs)
    value_code = value if isinstance(value, CodedValue) else None
    absent = absent_entry(kind, value_code, code)
    if absent is not None:
        return absent
    headline: CodedValue | str | None = (
        code if usable(code) else ctx.referenced_text(child(obs, "text"))
    )
    fields: list[EntryField] = []
    if isinstance(value, CodedValue):
        if usable(value) or value.null_flavor:
            fields.append(EntryField(N_("Result"), value))
    elif value is not None and value != "":
        fields.append(EntryField(N_("Result"), value))
    fields += time_field(ctx, obs)
    for interp in children(obs, "interpretationCode"):
        fields += field_if(N_("Interpretation"), coded(ctx, interp))
    fields += field_if(N_("Reference range"), _reference_range(obs))
    fields += field_if(N_("Method"), coded(ctx, child(obs, "methodCode")))
    for site in children(obs, "targetSiteCode"):
        fields += field_if(N_("Body site"), coded(ctx, site))
    if panel is not None:
        fields.append(EntryField(N_("Panel"), panel))
    if headline is None and not fields:
        return None
    return Entry(
        kind=kind, headline=headline if headline is not None else code, fields=tuple(fields)
    )


def act_entry(ctx: Context, el: etree._Element, kind: str) -> Entry | None:
    """A non-observation statement (planned act, procedure, encounter...): code and date."""
    code = coded(ctx, child(el, "code"))
    absent = absent_entry(kind, code)
    if absent is not None:
        return absent
    headline: CodedValue | str | None = (
        code if usable(code) else ctx.referenced_text(child(el, "text"))
    )
    fields = time_field(ctx, el)
    if local_name(el) == "substanceAdministration":
        material = descend(el, "consumable/manufacturedProduct/manufacturedMaterial")
        fields += field_if(N_("Product"), text_content(child(material, "name")))
    if headline is None and not fields:
        return None
    return Entry(
        kind=kind, headline=headline if headline is not None else code, fields=tuple(fields)
    )


def _walk(
    ctx: Context,
    el: etree._Element,
    kind: str,
    panel: CodedValue | None,
    depth: int,
    out: list[Entry],
) -> None:
    local = local_name(el)
    if depth > _MAX_DEPTH:
        ctx.warn(f"{kind} statements nested deeper than {_MAX_DEPTH} levels were not read")
        return
    if local == "organizer":
        org_code = coded(ctx, child(el, "code"))
        inner = org_code if usable(org_code) else panel
        for comp in children(el, "component"):
            for c in comp:
                if local_name(c) in _CLINICAL:
                    _walk(ctx, c, kind, inner, depth + 1, out)
        return
    if local == "observation":
        entry = _observation(ctx, el, kind, panel)
    elif local in _CLINICAL:
        entry = act_entry(ctx, el, kind)
    else:
        return
    if entry is not None:
        out.append(entry)
    for rel in children(el, "entryRelationship"):
        for c in rel:
            if local_name(c) in ("observation", "organizer"):
                _walk(ctx, c, kind, panel, depth + 1, out)


def observation_entries(ctx: Context, section: etree._Element, kind: str) -> tuple[Entry, ...]:
    """Every observation of a section's entries, organizers unfolded, as entries."""
    out: list[Entry] = []
    for entry in children(section, "entry"):
        for c in entry:
            if local_name(c) in _CLINICAL:
                _walk(ctx, c, kind, None, 0, out)
    return tuple(out)


def extract_results(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return observation_entries(ctx, section, "result")
