"""Extract the typed view model (:mod:`ncpeh.documents.models`) from a CDA tree.

The tree stays the source of truth: the engine transcodes and translates it in
place, then the portal, APIs and renderer read this view of it. Extraction is
read-only and total: any well-formed eHDSI document (pivot, friendly or
translated; PS, eP or eD; L3 or L1; either medication namespace) gives a
:class:`~ncpeh.documents.models.DocumentView`. Missing parts become ``None`` and
oddities are listed in ``DocumentView.warnings`` instead of raising, because a
clinician abroad must still see what *is* readable in a half-broken summary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from lxml import etree

from ncpeh.documents._cda import (
    UnknownDocumentTypeError,
    document_kind_or_raise,
)
from ncpeh.documents._coded_elements import coded_element_table
from ncpeh.documents.models import (
    Address,
    Author,
    DocumentView,
    Identifier,
    PatientView,
    Section,
)
from ncpeh.documents.sections import read_section
from ncpeh.documents.sections._common import (
    Context,
    child,
    children,
    coded,
    descend,
    descend_first,
    parse_ts,
    text_content,
    time_value,
)
from ncpeh.documents.sections.narrative import collect_ids
from ncpeh.transform.models import ElementOutcome

__all__ = ["extract_view"]

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_B64_SPACE = re.compile(rb"\s+")


def _identifier(el: etree._Element | None) -> Identifier | None:
    if el is None or (el.get("root") is None and el.get("extension") is None):
        return None
    return Identifier(
        root=el.get("root"),
        extension=el.get("extension"),
        authority=el.get("assigningAuthorityName"),
    )


def _name_parts(name: etree._Element | None, part: str) -> tuple[str, ...]:
    return tuple(t for t in (text_content(p) for p in children(name, part)) if t)


def _person_name(name: etree._Element | None) -> str | None:
    if name is None:
        return None
    parts = [
        *_name_parts(name, "prefix"),
        *_name_parts(name, "given"),
        *_name_parts(name, "family"),
        *_name_parts(name, "suffix"),
    ]
    if parts:
        return " ".join(parts)
    return text_content(name)


def _address(el: etree._Element | None) -> Address | None:
    if el is None or el.get("nullFlavor") is not None:
        return None
    lines = tuple(t for t in (text_content(x) for x in children(el, "streetAddressLine")) if t)
    addr = Address(
        lines=lines,
        city=text_content(child(el, "city")),
        postal_code=text_content(child(el, "postalCode")),
        country=text_content(child(el, "country")),
    )
    if not (addr.lines or addr.city or addr.postal_code or addr.country):
        return None
    return addr


def _patient(ctx: Context, root: etree._Element) -> PatientView | None:
    role = descend(root, "recordTarget/patientRole")
    if role is None:
        ctx.warn("no recordTarget/patientRole: the document names no patient")
        return None
    patient = child(role, "patient")
    name = child(patient, "name")
    birth_el = child(patient, "birthTime")
    birth_raw = birth_el.get("value") if birth_el is not None else None
    birth = parse_ts(birth_raw)
    if birth_raw and birth is None:
        ctx.warn(f"unreadable birth date {birth_raw!r}")
    if isinstance(birth, datetime):
        birth = birth.date()
    languages = tuple(code for code in (lc.get("code") for lc in _language_codes(patient)) if code)
    return PatientView(
        given=_name_parts(name, "given"),
        family=_name_parts(name, "family"),
        birth_date=birth,
        gender=coded(ctx, child(patient, "administrativeGenderCode")),
        identifiers=tuple(i for i in (_identifier(x) for x in children(role, "id")) if i),
        address=_address(child(role, "addr")),
        languages=languages,
    )


def _language_codes(patient: etree._Element | None) -> list[etree._Element]:
    """``languageCommunication/languageCode`` elements of the patient."""
    out: list[etree._Element] = []
    for comm in children(patient, "languageCommunication"):
        code = child(comm, "languageCode")
        if code is not None:
            out.append(code)
    return out


def _authors(ctx: Context, root: etree._Element) -> tuple[Author, ...]:
    out: list[Author] = []
    for author in children(root, "author"):
        assigned = child(author, "assignedAuthor")
        person = _person_name(descend(assigned, "assignedPerson/name"))
        device = text_content(descend(assigned, "assignedAuthoringDevice/softwareName"))
        out.append(
            Author(
                name=person or device,
                organization=text_content(descend(assigned, "representedOrganization/name")),
                function=coded(ctx, child(author, "functionCode")),
                time=time_value(ctx, child(author, "time")),
            )
        )
    return tuple(out)


def _source_country(ctx: Context, root: etree._Element) -> str | None:
    country = text_content(
        descend_first(
            root,
            "custodian/assignedCustodian/representedCustodianOrganization/addr/country",
            "author/assignedAuthor/representedOrganization/addr/country",
        )
    )
    if country is None:
        ctx.warn("no custodian country: the source country is unknown")
        return None
    if not _COUNTRY.match(country):
        ctx.warn(f"custodian country {country!r} is not an ISO 3166-1 alpha-2 code")
        return country
    return country.upper()


def _non_xml_body(ctx: Context, body: etree._Element) -> tuple[str, int]:
    """Media type and byte size of an L1 body, computed without decoding it.

    The size of base64 content is arithmetic on its length (3 bytes per 4
    characters, less padding); the embedded PDF is never decoded here, since
    it is rendered, if at all, by a dedicated viewer.
    """
    text = child(body, "text")
    if text is None:
        ctx.warn("nonXMLBody without text")
        return ("application/octet-stream", 0)
    media = text.get("mediaType") or "text/plain"
    raw = (text.text or "").encode("ascii", "ignore")
    if text.get("representation") == "B64":
        compact = _B64_SPACE.sub(b"", raw)
        size = len(compact) * 3 // 4 - compact[-2:].count(b"=")
    else:
        size = len((text.text or "").encode("utf-8"))
    return (media, max(size, 0))


def _sections(ctx: Context, body: etree._Element) -> tuple[Section, ...]:
    out: list[Section] = []

    def walk(container: etree._Element, depth: int) -> None:
        for comp in children(container, "component"):
            section = child(comp, "section")
            if section is None:
                continue
            out.append(read_section(ctx, section))
            if depth < 3:
                walk(section, depth + 1)

    walk(body, 0)
    return tuple(out)


def extract_view(
    tree: etree._ElementTree,
    *,
    display_language: str,
    outcomes: Mapping[etree._Element, ElementOutcome] | None = None,
    source_country: str | None = None,
) -> DocumentView:
    """Read a (transformed) eHDSI CDA document into a :class:`DocumentView`.

    Args:
        tree: the parsed document (``ncpeh.xmlsafe.parse_xml``), possibly already
            translated in place by :func:`ncpeh.transform.translate`.
        display_language: the reader's language the coded terms were translated
            to (``fr``, ``nb-NO``).
        outcomes: per-element outcomes of the translation pass
            (``TransformResult.outcomes``); without them each coded value's status
            is inferred from its translation chain and nullFlavor.
        source_country: ISO 3166-1 alpha-2 code of country A when the caller
            knows it (from the XCA response); else the custodian's country.

    Raises:
        WrongRootError: the root is not an HL7 CDA ``ClinicalDocument``. Every
            other oddity becomes a warning.

    Example:
        >>> from ncpeh.xmlsafe import parse_xml
        >>> view = extract_view(parse_xml(open("ps.xml", "rb").read()),
        ...                     display_language="fr")  # doctest: +SKIP
        >>> [s.kind.value for s in view.sections]  # doctest: +SKIP
        ['medication-summary', 'allergies', ...]
    """
    root = tree.getroot()
    warnings: list[str] = []
    try:
        kind = document_kind_or_raise(root)
        doc_type, level = kind.type.value, kind.level
    except UnknownDocumentTypeError as exc:
        warnings.append(str(exc))
        doc_type, level = "unknown", 1 if descend(root, "component/nonXMLBody") is not None else 3
    lang_el = child(root, "languageCode")
    ctx = Context(
        display_language=display_language,
        document_language=lang_el.get("code") if lang_el is not None else None,
        table=coded_element_table(),
        outcomes=outcomes,
        ids=collect_ids(root),
        warnings=warnings,
    )
    patient = _patient(ctx, root)
    authors = _authors(ctx, root)
    country = source_country.upper() if source_country else _source_country(ctx, root)
    sections: tuple[Section, ...] = ()
    non_xml: tuple[str, int] | None = None
    structured = descend(root, "component/structuredBody")
    unstructured = descend(root, "component/nonXMLBody")
    if structured is not None:
        sections = _sections(ctx, structured)
        if not sections:
            ctx.warn("structuredBody without sections")
    elif unstructured is not None:
        non_xml = _non_xml_body(ctx, unstructured)
        if level != 1:
            ctx.warn("the document template says L3 but the body is a nonXMLBody (L1)")
            level = 1
    else:
        ctx.warn("the document has no body")
    return DocumentView(
        document_type=doc_type,
        level=level,
        document_id=_identifier(child(root, "id")),
        title=text_content(child(root, "title")),
        code=coded(ctx, child(root, "code")),
        effective_time=time_value(ctx, child(root, "effectiveTime")),
        language=ctx.document_language,
        display_language=display_language,
        source_country=country,
        patient=patient,
        authors=authors,
        custodian=text_content(
            descend(root, "custodian/assignedCustodian/representedCustodianOrganization/name")
        ),
        confidentiality=coded(ctx, child(root, "confidentialityCode")),
        sections=sections,
        non_xml_body=non_xml,
        warnings=tuple(ctx.warnings),
    )
