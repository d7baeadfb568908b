"""ebRIM 3.0 / ebRS 3.0 pieces shared by XCA and XDR: document entries, errors, statuses.

XCA ITI-38 lists documents as ``ExtrinsicObject``s; XDR ITI-41 submits them the
same way; both report errors as ``RegistryError`` with the eHDSI code in
``errorCode`` (``ehdsi-flows.md`` §9, "XCA/XDR errors": errorCode, codeContext,
location, severity). Classification and identifier schemes are the XDS UUIDs of
IHE ITI TF-3 §4.2.5 (see :mod:`ncpeh.gateway.wire._ns`).

Only the metadata the gateway uses is typed. A classification of another scheme
is ignored on parse, never invented on build.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lxml import etree

from ncpeh.gateway.wire._errors import MessageFormatError
from ncpeh.gateway.wire._ns import (
    APPROVED,
    DE_AUTHOR,
    DE_CLASS_CODE,
    DE_CONFIDENTIALITY,
    DE_EVENT_CODE,
    DE_FACILITY_TYPE,
    DE_FORMAT_CODE,
    DE_PATIENT_ID,
    DE_PRACTICE_SETTING,
    DE_TYPE_CODE,
    DE_UNIQUE_ID,
    RIM_NS,
    RS_NS,
    SEVERITY_ERROR,
    SEVERITY_WARNING,
    STABLE_DOCUMENT_ENTRY,
    STATUS_FAILURE,
    STATUS_PARTIAL,
    STATUS_SUCCESS,
    q,
)
from ncpeh.gateway.wire._xml import attr, sub, text_of
from ncpeh.trust import PatientId

__all__ = [
    "Association",
    "Author",
    "Code",
    "DocumentEntry",
    "RegistryError",
    "Slot",
    "response_status",
]


def _r(local: str) -> str:
    return q(RIM_NS, local)


@dataclass(frozen=True, slots=True)
class Code:
    """A coded value: ``code`` in ``scheme`` (XDS ``codingScheme``), with its display name."""

    code: str
    scheme: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True)
class Slot:
    """An ebRIM ``Slot``: a name and its values, verbatim."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Author:
    """XDS author: person (XCN), institutions (XON), roles, specialties."""

    person: str | None = None
    institutions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Association:
    """An ebRIM ``Association``; eHDSI links a PS/eP L1 to its L3 with ``XFRM``."""

    id: str
    type: str
    source: str
    target: str
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistryError:
    """An ebRS ``RegistryError`` carrying an eHDSI error code.

    ``code_context`` is free text for humans; ``location`` names the component.
    """

    error_code: str
    code_context: str = ""
    severity: str = SEVERITY_ERROR
    location: str | None = None

    @property
    def is_warning(self) -> bool:
        return self.severity == SEVERITY_WARNING

    @classmethod
    def warning(cls, error_code: str, code_context: str = "") -> RegistryError:
        """A warning (e.g. ``EHDSI_WARNING_PS_MISSING_EXPECTED_TRANSLATION``) sent with the data."""
        return cls(error_code=error_code, code_context=code_context, severity=SEVERITY_WARNING)


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """XDS DocumentEntry metadata of one document (``ExtrinsicObject``).

    Attributes:
        entry_uuid: the ``id`` (``urn:uuid:…``), referenced by associations.
        unique_id: ``XDSDocumentEntry.uniqueId``; what ITI-39 retrieves.
        home_community_id: ``@home`` (``urn:oid:…``) in XCA responses.
        event_codes: eHDSI puts eP dispensing data here (ATC, dose form, strength).
    """

    entry_uuid: str
    unique_id: str
    mime_type: str
    patient_id: PatientId | None = None
    repository_unique_id: str | None = None
    home_community_id: str | None = None
    status: str = APPROVED
    object_type: str = STABLE_DOCUMENT_ENTRY
    title: str | None = None
    description: str | None = None
    creation_time: str | None = None
    language_code: str | None = None
    size: int | None = None
    hash: str | None = None
    source_patient_id: str | None = None
    class_code: Code | None = None
    type_code: Code | None = None
    format_code: Code | None = None
    confidentiality_code: Code | None = None
    healthcare_facility_type: Code | None = None
    practice_setting: Code | None = None
    event_codes: tuple[Code, ...] = ()
    authors: tuple[Author, ...] = ()


def response_status(status: str | None) -> str:
    """Validate an ebRS response status (Success, Failure or IHE PartialSuccess)."""
    if status not in (STATUS_SUCCESS, STATUS_FAILURE, STATUS_PARTIAL):
        raise MessageFormatError(f"unknown response status {status!r}")
    return status


# --------------------------------------------------------------------------- slots


def read_slots(el: etree._Element) -> dict[str, tuple[str, ...]]:
    slots: dict[str, tuple[str, ...]] = {}
    for slot in el.iterfind(_r("Slot")):
        name = attr(slot, "name")
        if name is None:
            raise MessageFormatError("Slot without a name")
        values = tuple(
            v.text.strip() if v.text else ""
            for v in slot.iterfind(f"{_r('ValueList')}/{_r('Value')}")
        )
        slots[name] = slots.get(name, ()) + values
    return slots


def write_slot(parent: etree._Element, name: str, *values: str) -> None:
    slot = sub(parent, _r("Slot"), name=name)
    value_list = sub(slot, _r("ValueList"))
    for v in values:
        sub(value_list, _r("Value"), v)


def _localized(parent: etree._Element, local: str, value: str | None) -> None:
    if value is not None:
        sub(sub(parent, _r(local)), _r("LocalizedString"), value=value)


def read_localized(el: etree._Element, local: str) -> str | None:
    found = el.find(f"{_r(local)}/{_r('LocalizedString')}")
    return attr(found, "value")


def _single(slots: dict[str, tuple[str, ...]], name: str) -> str | None:
    values = slots.get(name, ())
    return values[0] if values and values[0] else None


# --------------------------------------------------------------------------- classifications


def read_code(classification: etree._Element) -> Code:
    slots = read_slots(classification)
    return Code(
        code=classification.get("nodeRepresentation", "").strip(),
        scheme=_single(slots, "codingScheme"),
        display=read_localized(classification, "Name"),
    )


def write_code(
    parent: etree._Element, scheme_uuid: str, object_id: str, code: Code
) -> etree._Element:
    el = sub(
        parent,
        _r("Classification"),
        classificationScheme=scheme_uuid,
        classifiedObject=object_id,
        id=f"urn:uuid:{uuid.uuid4()}",
        nodeRepresentation=code.code,
    )
    if code.scheme is not None:
        write_slot(el, "codingScheme", code.scheme)
    _localized(el, "Name", code.display)
    return el


def read_author(classification: etree._Element) -> Author:
    slots = read_slots(classification)
    return Author(
        person=_single(slots, "authorPerson"),
        institutions=slots.get("authorInstitution", ()),
        roles=slots.get("authorRole", ()),
        specialties=slots.get("authorSpecialty", ()),
    )


def write_author(parent: etree._Element, scheme_uuid: str, object_id: str, author: Author) -> None:
    el = sub(
        parent,
        _r("Classification"),
        classificationScheme=scheme_uuid,
        classifiedObject=object_id,
        id=f"urn:uuid:{uuid.uuid4()}",
        nodeRepresentation="",
    )
    if author.person:
        write_slot(el, "authorPerson", author.person)
    if author.institutions:
        write_slot(el, "authorInstitution", *author.institutions)
    if author.roles:
        write_slot(el, "authorRole", *author.roles)
    if author.specialties:
        write_slot(el, "authorSpecialty", *author.specialties)


def write_external_id(
    parent: etree._Element, scheme_uuid: str, object_id: str, value: str, name: str
) -> None:
    el = sub(
        parent,
        _r("ExternalIdentifier"),
        id=f"urn:uuid:{uuid.uuid4()}",
        identificationScheme=scheme_uuid,
        objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier",
        registryObject=object_id,
        value=value,
    )
    _localized(el, "Name", name)


def read_external_ids(el: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for ext in el.iterfind(_r("ExternalIdentifier")):
        scheme = attr(ext, "identificationScheme")
        value = attr(ext, "value")
        if scheme and value:
            if scheme in found:
                raise MessageFormatError(f"external identifier {scheme} appears twice")
            found[scheme] = value
    return found


def parse_cx(value: str, what: str) -> PatientId:
    try:
        return PatientId.from_cx(value)
    except ValueError as exc:
        raise MessageFormatError(f"{what}: {exc}") from None


# --------------------------------------------------------------------------- document entries

_SINGLE_CODES = {
    DE_CLASS_CODE: "class_code",
    DE_TYPE_CODE: "type_code",
    DE_FORMAT_CODE: "format_code",
    DE_CONFIDENTIALITY: "confidentiality_code",
    DE_FACILITY_TYPE: "healthcare_facility_type",
    DE_PRACTICE_SETTING: "practice_setting",
}


def read_document_entry(el: etree._Element) -> DocumentEntry:
    """``ExtrinsicObject`` → :class:`DocumentEntry`."""
    entry_uuid = attr(el, "id")
    if entry_uuid is None:
        raise MessageFormatError("ExtrinsicObject without id")
    slots = read_slots(el)
    ext = read_external_ids(el)
    unique_id = ext.get(DE_UNIQUE_ID)
    if unique_id is None:
        raise MessageFormatError(f"document {entry_uuid} has no XDSDocumentEntry.uniqueId")
    codes: dict[str, Code] = {}
    events: list[Code] = []
    authors: list[Author] = []
    for c in el.iterfind(_r("Classification")):
        scheme = c.get("classificationScheme", "")
        if scheme in _SINGLE_CODES:
            if scheme in codes:
                raise MessageFormatError(f"document {entry_uuid}: {_SINGLE_CODES[scheme]} twice")
            codes[scheme] = read_code(c)
        elif scheme == DE_EVENT_CODE:
            events.append(read_code(c))
        elif scheme == DE_AUTHOR:
            authors.append(read_author(c))
    size = _single(slots, "size")
    patient = ext.get(DE_PATIENT_ID)
    try:
        size_value = int(size) if size is not None else None
    except ValueError:
        raise MessageFormatError(f"document {entry_uuid}: size {size!r} is not a number") from None
    return DocumentEntry(
        entry_uuid=entry_uuid,
        unique_id=unique_id,
        mime_type=attr(el, "mimeType") or "",
        patient_id=parse_cx(patient, f"document {entry_uuid} patientId") if patient else None,
        repository_unique_id=_single(slots, "repositoryUniqueId"),
        home_community_id=attr(el, "home"),
        status=attr(el, "status") or APPROVED,
        object_type=attr(el, "objectType") or STABLE_DOCUMENT_ENTRY,
        title=read_localized(el, "Name"),
        description=read_localized(el, "Description"),
        creation_time=_single(slots, "creationTime"),
        language_code=_single(slots, "languageCode"),
        size=size_value,
        hash=_single(slots, "hash"),
        source_patient_id=_single(slots, "sourcePatientId"),
        class_code=codes.get(DE_CLASS_CODE),
        type_code=codes.get(DE_TYPE_CODE),
        format_code=codes.get(DE_FORMAT_CODE),
        confidentiality_code=codes.get(DE_CONFIDENTIALITY),
        healthcare_facility_type=codes.get(DE_FACILITY_TYPE),
        practice_setting=codes.get(DE_PRACTICE_SETTING),
        event_codes=tuple(events),
        authors=tuple(authors),
    )


def write_document_entry(parent: etree._Element, entry: DocumentEntry) -> etree._Element:
    """:class:`DocumentEntry` → ``ExtrinsicObject`` (ebRIM child order: Slot, Name,
    Description, VersionInfo, Classification, ExternalIdentifier)."""
    el = sub(
        parent,
        _r("ExtrinsicObject"),
        id=entry.entry_uuid,
        mimeType=entry.mime_type,
        objectType=entry.object_type,
        status=entry.status,
    )
    if entry.home_community_id:
        el.set("home", entry.home_community_id)
    for name, value in (
        ("creationTime", entry.creation_time),
        ("hash", entry.hash),
        ("languageCode", entry.language_code),
        ("repositoryUniqueId", entry.repository_unique_id),
        ("size", str(entry.size) if entry.size is not None else None),
        ("sourcePatientId", entry.source_patient_id),
    ):
        if value is not None:
            write_slot(el, name, value)
    _localized(el, "Name", entry.title)
    _localized(el, "Description", entry.description)
    for scheme, field_name in _SINGLE_CODES.items():
        code = getattr(entry, field_name)
        if code is not None:
            write_code(el, scheme, entry.entry_uuid, code)
    for code in entry.event_codes:
        write_code(el, DE_EVENT_CODE, entry.entry_uuid, code)
    for author in entry.authors:
        write_author(el, DE_AUTHOR, entry.entry_uuid, author)
    if entry.patient_id is not None:
        write_external_id(
            el,
            DE_PATIENT_ID,
            entry.entry_uuid,
            entry.patient_id.to_cx(),
            "XDSDocumentEntry.patientId",
        )
    write_external_id(
        el, DE_UNIQUE_ID, entry.entry_uuid, entry.unique_id, "XDSDocumentEntry.uniqueId"
    )
    return el


# --------------------------------------------------------------------------- associations


def read_association(el: etree._Element) -> Association:
    values = {k: attr(el, k) for k in ("id", "associationType", "sourceObject", "targetObject")}
    if any(v is None for v in values.values()):
        raise MessageFormatError("Association lacks id, type, source or target")
    return Association(
        id=values["id"] or "",
        type=values["associationType"] or "",
        source=values["sourceObject"] or "",
        target=values["targetObject"] or "",
        slots=tuple(Slot(k, v) for k, v in read_slots(el).items()),
    )


def write_association(parent: etree._Element, association: Association) -> None:
    el = sub(
        parent,
        _r("Association"),
        associationType=association.type,
        id=association.id,
        sourceObject=association.source,
        targetObject=association.target,
    )
    for slot in association.slots:
        write_slot(el, slot.name, *slot.values)


# --------------------------------------------------------------------------- errors


def read_registry_errors(el: etree._Element) -> tuple[RegistryError, ...]:
    """The ``rs:RegistryError``s of ``el``'s ``rs:RegistryErrorList`` child."""
    errors = []
    for e in el.iterfind(f"{q(RS_NS, 'RegistryErrorList')}/{q(RS_NS, 'RegistryError')}"):
        code = attr(e, "errorCode")
        if code is None:
            raise MessageFormatError("RegistryError without errorCode")
        errors.append(
            RegistryError(
                error_code=code,
                code_context=e.get("codeContext", "").strip() or text_of(e) or "",
                severity=attr(e, "severity") or SEVERITY_ERROR,
                location=attr(e, "location"),
            )
        )
    return tuple(errors)


def write_registry_errors(parent: etree._Element, errors: tuple[RegistryError, ...]) -> None:
    if not errors:
        return
    highest = SEVERITY_WARNING if all(e.is_warning for e in errors) else SEVERITY_ERROR
    error_list = sub(parent, q(RS_NS, "RegistryErrorList"), highestSeverity=highest)
    for e in errors:
        el = sub(
            error_list,
            q(RS_NS, "RegistryError"),
            errorCode=e.error_code,
            codeContext=e.code_context,
            severity=e.severity,
        )
        if e.location is not None:
            el.set("location", e.location)
