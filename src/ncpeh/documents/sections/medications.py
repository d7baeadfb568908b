"""Medication summary (PS ``substanceAdministration`` .3.4), plus product and dosage
readers shared with the ePrescription and eDispensation extractors.

The product (``manufacturedMaterial``) is read in both medication namespaces:
``pharm:ingredientSubstance`` / ``epsos:ingredient`` (substance), and
``containerPackagedProduct`` / ``containerPackagedMedicine`` (package), with
``quantity`` / ``capacityQuantity`` for the package size (documents.md §1.2-1.3).
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
    descend_first,
    field_if,
    first_child,
    quantity,
    strength,
    text_content,
    time_value,
    usable,
    xsi_type,
)

__all__ = ["dosage_fields", "extract_medications", "medication_entry", "product_fields"]

_MAX_PACKAGE_DEPTH = 6


def _package_size(ctx: Context, content: etree._Element) -> str | None:
    q = child(content, "quantity")
    if q is None:
        pkg = first_child(content, "containerPackagedProduct", "containerPackagedMedicine")
        q = child(pkg, "capacityQuantity")
    if q is None or q.get("value") is None:
        return None
    unit = q.get("unit")
    unit_text = "" if unit in (None, "1") else f" {unit}"
    if unit in (None, "1"):
        # A count of units described in the original language ("stk.", "tablets").
        tr = child(q, "translation")
        label = ctx.referenced_text(child(tr, "originalText")) if tr is not None else None
        if label:
            unit_text = f" {label}"
    return f"{q.get('value')}{unit_text}"


def _packages(ctx: Context, material: etree._Element) -> list[EntryField]:
    fields: list[EntryField] = []
    node: etree._Element | None = material
    for _ in range(_MAX_PACKAGE_DEPTH):
        content = child(node, "asContent")
        if content is None:
            break
        pkg = first_child(content, "containerPackagedProduct", "containerPackagedMedicine")
        form = coded(ctx, child(pkg, "formCode"))
        if form is not None and (usable(form) or form.null_flavor is None):
            fields.append(EntryField(N_("Package"), form))
        fields += field_if(N_("Package size"), _package_size(ctx, content))
        name = text_content(child(pkg, "name"))
        fields += field_if(N_("Package name"), name)  # a proper name, not prose
        node = pkg
    return fields


def _ingredients(ctx: Context, material: etree._Element, depth: int = 0) -> list[EntryField]:
    fields: list[EntryField] = []
    for ing in children(material, "ingredient"):
        if ing.get("classCode") not in (None, "ACTI", "ACTIB", "ACTIM", "ACTIR"):
            continue
        substance = first_child(ing, "ingredientSubstance", "ingredient")
        code = coded(ctx, child(substance, "code"))
        name = text_content(child(substance, "name"))
        if usable(code):
            assert code is not None
            fields.append(EntryField(N_("Active ingredient"), code))
        elif name:
            fields.append(EntryField(N_("Active ingredient"), name, original_language=True))
        elif code is not None:
            fields.append(EntryField(N_("Active ingredient"), code))
        fields += field_if(N_("Strength"), strength(child(ing, "quantity")))
    if depth < 2:
        for part in children(material, "part"):
            product = first_child(part, "partProduct")
            product = part if product is None else product
            fields += _ingredients(ctx, product, depth + 1)
    return fields


def product_fields(
    ctx: Context, material: etree._Element | None
) -> tuple[CodedValue | str | None, list[EntryField]]:
    """Headline and fields of a medicinal product (``manufacturedMaterial``).

    The headline is the brand name when there is one (a proper name, never
    translated), else the first active ingredient, the product code or the
    product class; the fields list every active ingredient with its strength,
    the dose form, the packages and the product class.
    """
    if material is None:
        return None, []
    fields: list[EntryField] = []
    name = text_content(child(material, "name"))
    code = coded(ctx, child(material, "code"))
    ingredients = _ingredients(ctx, material)
    form = coded(ctx, child(material, "formCode"))
    klass = coded(
        ctx,
        descend_first(
            material,
            "asSpecializedKind/generalizedMaterialKind/code",
            "asSpecializedKind/generalizedMedicineClass/code",
        ),
    )
    headline: CodedValue | str | None = name
    if name is not None and usable(code):
        fields.append(EntryField(N_("Product code"), code))  # type: ignore[arg-type]
    fields += ingredients
    if form is not None:
        fields.append(EntryField(N_("Dose form"), form))
    fields += _packages(ctx, material)
    fields += field_if(
        N_("Description"), text_content(child(material, "desc")), original_language=True
    )
    if usable(klass):
        fields.append(EntryField(N_("Product class"), klass))  # type: ignore[arg-type]
    if headline is None:
        first = next((f.value for f in ingredients if f.label == "Active ingredient"), None)
        if isinstance(first, CodedValue | str):
            headline = first
        elif usable(code):
            headline = code
        elif usable(klass):
            headline = klass
        else:
            headline = code
    return headline, fields


def _effective_times(ctx: Context, sa: etree._Element) -> list[EntryField]:
    fields: list[EntryField] = []
    for et in children(sa, "effectiveTime"):
        kind = xsi_type(et)
        event = child(et, "event")
        if kind == "EIVL_TS" or event is not None:
            fields += field_if(N_("Timing"), coded(ctx, event))
            continue
        tv = time_value(ctx, et)
        if tv is None:
            continue
        if kind == "PIVL_TS" or tv.period is not None:
            if tv.period is not None:
                fields.append(EntryField(N_("Frequency"), tv))
            continue
        if tv.low is None and tv.high is None and tv.value is None:
            continue
        fields.append(EntryField(N_("Period of treatment"), tv))
    return fields


def dosage_fields(ctx: Context, sa: etree._Element | None) -> list[EntryField]:
    """Route, dose, frequency, timing, treatment period, reason and instructions."""
    if sa is None:
        return []
    fields: list[EntryField] = []
    route = coded(ctx, child(sa, "routeCode"))
    fields += field_if(N_("Route"), route)
    dose = quantity(child(sa, "doseQuantity"))
    if dose is not None and (dose.value or dose.low or dose.high):
        fields.append(EntryField(N_("Dose"), dose))
    fields += _effective_times(ctx, sa)
    text = child(sa, "text")
    if text is not None and child(text, "reference") is None:
        fields += field_if(N_("Dosage instructions"), text_content(text), original_language=True)
    for rel in children(sa, "entryRelationship"):
        type_code = rel.get("typeCode")
        target = first_child(rel, "observation", "act")
        if target is None:
            continue
        code = child(target, "code")
        code_value = code.get("code") if code is not None else None
        if type_code == "RSON":
            reason = coded(ctx, child(target, "value")) or coded(ctx, code)
            fields += field_if(N_("Reason"), reason)
        elif code_value == "PINSTRUCT":
            fields += field_if(
                N_("Patient instructions"),
                ctx.referenced_text(child(target, "text")),
                original_language=True,
            )
        elif code_value == "FINSTRUCT":
            fields += field_if(
                N_("Instructions to the dispenser"),
                ctx.referenced_text(child(target, "text")),
                original_language=True,
            )
    return fields


def medication_entry(ctx: Context, sa: etree._Element, kind: str = "medication") -> Entry:
    """One medication statement (PS .3.4 or eP .3.2 ``substanceAdministration``)."""
    material = descend(sa, "consumable/manufacturedProduct/manufacturedMaterial")
    statement = coded(ctx, child(sa, "code"))
    absent = absent_entry(kind, statement)
    headline, fields = product_fields(ctx, material)
    if absent is not None:
        return absent
    if headline is None or (isinstance(headline, CodedValue) and not usable(headline)):
        if material is not None and material.get("nullFlavor") and not fields:
            return Entry(kind=kind, headline=headline, absence="no-information")
    fields += dosage_fields(ctx, sa)
    return Entry(kind=kind, headline=headline, fields=tuple(fields))


def extract_medications(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    """Entries of a medication summary section."""
    return tuple(
        medication_entry(ctx, sa) for sa in descend_all(section, "entry/substanceAdministration")
    )
