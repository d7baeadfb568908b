"""eDispensation (section .2.2, LOINC 60590-7): ``supply`` .3.3, moodCode EVN.

The dispensed product is ``product/manufacturedProduct/manufacturedMaterial``
(read as in :mod:`.medications`); the quantity dispensed is ``supply/quantity``;
the pharmacist and time are the ``performer``; the prescription it fulfils and
its dosage are the ``REFR`` ``substanceAdministration`` (where the route lives
in eD, documents.md §1.4); a ``SUBST`` act records a substitution.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import CodedValue, Entry, EntryField
from ncpeh.documents.sections._common import (
    N_,
    Context,
    child,
    children,
    descend,
    descend_all,
    field_if,
    text_content,
    time_value,
    usable,
)
from ncpeh.documents.sections.medications import dosage_fields, product_fields
from ncpeh.documents.sections.prescriptions import substitution, supplied_quantity

__all__ = ["dispensation_entry", "extract_dispensations"]


def dispensation_entry(ctx: Context, supply: etree._Element) -> Entry:
    """One dispensed item: product, quantity, when and by whom, and the prescription."""
    material = descend(supply, "product/manufacturedProduct/manufacturedMaterial")
    headline, fields = product_fields(ctx, material)
    fields = list(fields)
    fields += field_if(N_("Quantity dispensed"), supplied_quantity(ctx, child(supply, "quantity")))
    fields += substitution(ctx, supply)
    performer = child(supply, "performer")
    when = time_value(ctx, child(performer, "time"))
    if when is not None and when.value is not None:
        fields.append(EntryField(N_("Dispensed on"), when))
    fields += field_if(
        N_("Dispensed by"),
        text_content(descend(performer, "assignedEntity/representedOrganization/name")),
    )
    for rel in children(supply, "entryRelationship"):
        sa = child(rel, "substanceAdministration")
        if sa is None or rel.get("typeCode") != "REFR":
            continue
        ident = next((i.get("extension") for i in children(sa, "id") if i.get("extension")), None)
        fields += field_if(N_("Prescription ID"), ident)
        fields += dosage_fields(ctx, sa)
    if headline is None or (isinstance(headline, CodedValue) and not usable(headline)):
        ctx.warn("a dispensed item has no product name or code")
    return Entry(kind="dispensation", headline=headline, fields=tuple(fields))


def extract_dispensations(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return tuple(dispensation_entry(ctx, supply) for supply in descend_all(section, "entry/supply"))
