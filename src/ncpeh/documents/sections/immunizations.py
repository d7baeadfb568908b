"""Immunisations (.2.15, LOINC 11369-6): ``substanceAdministration`` .3.19 (code IMMUNIZ).

The vaccine (``consumable/manufacturedProduct/manufacturedMaterial/code``, ATC or
SNOMED CT) is the headline; brand name, date, dose number (a ``SUBJ``
observation coded 30973-2), lot, manufacturer, target disease (``IND``
participant) and the administering centre follow.
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
    descend_all,
    field_if,
    headed_entry,
    observation_value,
    text_content,
    time_value,
    usable,
)

__all__ = ["extract_immunizations", "immunization_entry"]

_DOSE_NUMBER_LOINC = "30973-2"


def immunization_entry(ctx: Context, sa: etree._Element) -> Entry:
    """One vaccination: vaccine, date, dose number and who gave it."""
    product = descend(sa, "consumable/manufacturedProduct")
    material = child(product, "manufacturedMaterial")
    vaccine = coded(ctx, child(material, "code"))
    statement = coded(ctx, child(sa, "code"))
    absent = absent_entry("immunization", vaccine, statement)
    if absent is not None:
        return absent
    name = text_content(child(material, "name"))
    headline: CodedValue | str | None = vaccine if usable(vaccine) else name
    fields: list[EntryField] = []
    if headline is vaccine:
        fields += field_if(N_("Brand name"), name)
    when = time_value(ctx, child(sa, "effectiveTime"))
    if when is not None and (when.value or when.low):
        fields.append(EntryField(N_("Date"), when))
    for rel in children(sa, "entryRelationship"):
        obs = child(rel, "observation")
        code = child(obs, "code")
        if code is not None and code.get("code") == _DOSE_NUMBER_LOINC:
            fields += field_if(N_("Dose number"), observation_value(ctx, obs))
    fields += field_if(N_("Lot number"), text_content(child(material, "lotNumberText")))
    fields += field_if(
        N_("Manufacturer"), text_content(descend(product, "manufacturerOrganization/name"))
    )
    for part in children(sa, "participant"):
        if part.get("typeCode") == "IND":
            fields += field_if(
                N_("Target disease"), coded(ctx, descend(part, "participantRole/code"))
            )
    performer = descend(sa, "performer/assignedEntity/representedOrganization/name")
    fields += field_if(N_("Administered at"), text_content(performer))
    fields += field_if(N_("Route"), coded(ctx, child(sa, "routeCode")))
    return headed_entry("immunization", headline, vaccine, fields)


def extract_immunizations(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return tuple(
        immunization_entry(ctx, sa) for sa in descend_all(section, "entry/substanceAdministration")
    )
