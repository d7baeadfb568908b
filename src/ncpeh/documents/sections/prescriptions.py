"""ePrescription (section .2.1, LOINC 57828-6): ``substanceAdministration`` .3.2, moodCode INT.

The product is read like a PS medication (:mod:`.medications`) plus the eP
specifics (documents.md §1.2): the product class
``asSpecializedKind/generalizedMaterialKind/code`` (ATC), the substitution
``entryRelationship[@typeCode='SUBJ']/observation[code/@code='SUBST']/value``,
the number of packages (``COMP`` supply, moodCode RQO) and the prescription id.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import Entry, EntryField
from ncpeh.documents.sections._common import (
    N_,
    Context,
    child,
    children,
    coded,
    descend_all,
    field_if,
)
from ncpeh.documents.sections.medications import medication_entry

__all__ = ["extract_prescriptions", "prescription_entry", "substitution", "supplied_quantity"]


def supplied_quantity(ctx: Context, q: etree._Element | None) -> str | None:
    """A supply quantity as text: ``2`` packages, or ``100 mL``; the count's
    original-language label (``stk.``) is kept when the document gives one."""
    if q is None or q.get("value") is None:
        return None
    unit = q.get("unit")
    if unit not in (None, "", "1"):
        return f"{q.get('value')} {unit}"
    tr = child(q, "translation")
    label = ctx.referenced_text(child(tr, "originalText")) if tr is not None else None
    return f"{q.get('value')} {label}" if label else q.get("value")


def substitution(ctx: Context, el: etree._Element) -> list[EntryField]:
    """The substitution statement: an observation's value (eP) or a SUBST act (eD)."""
    fields: list[EntryField] = []
    for rel in children(el, "entryRelationship"):
        for target in rel:
            code = child(target, "code")
            if code is None or code.get("code") != "SUBST":
                continue
            value = child(target, "value")
            fields += field_if(N_("Substitution"), coded(ctx, value if value is not None else code))
    return fields


def prescription_entry(ctx: Context, sa: etree._Element) -> Entry:
    """One prescribed item: product, dosage, quantity, substitution and its id."""
    base = medication_entry(ctx, sa, kind="prescription")
    if base.absence is not None:
        return base
    fields = list(base.fields)
    for rel in children(sa, "entryRelationship"):
        supply = child(rel, "supply")
        if supply is not None:
            fields += field_if(
                N_("Number of packages"), supplied_quantity(ctx, child(supply, "quantity"))
            )
    fields += substitution(ctx, sa)
    ident = next((i.get("extension") for i in children(sa, "id") if i.get("extension")), None)
    fields += field_if(N_("Prescription ID"), ident)
    return Entry(kind="prescription", headline=base.headline, fields=tuple(fields))


def extract_prescriptions(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return tuple(
        prescription_entry(ctx, sa) for sa in descend_all(section, "entry/substanceAdministration")
    )
