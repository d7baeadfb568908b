"""XDR ITI-41 Provide and Register Document Set-b, and the ebRS ``RegistryResponse``.

eHDSI uses XDR for eDispensation (``60593-1``) and its discard
(``ehdsi-flows.md`` §1, §6): a ``SubmitObjectsRequest`` with one submission set
(``RegistryPackage``), the document entries, ``HasMember`` associations, and the
documents base64 inline in ``xds-b:Document`` (id = the entry's ``urn:uuid``).
The answer is a ``RegistryResponse`` with eHDSI ``RegistryError``s on failure.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from ncpeh.gateway.wire._ebrim import (
    Association,
    Author,
    Code,
    DocumentEntry,
    RegistryError,
    parse_cx,
    read_association,
    read_author,
    read_code,
    read_document_entry,
    read_external_ids,
    read_localized,
    read_registry_errors,
    read_slots,
    response_status,
    write_association,
    write_author,
    write_code,
    write_document_entry,
    write_external_id,
    write_registry_errors,
    write_slot,
)
from ncpeh.gateway.wire._errors import MessageFormatError, UnexpectedMessageError
from ncpeh.gateway.wire._ns import (
    LCM_NS,
    RIM_NS,
    RS_NS,
    SS_AUTHOR,
    SS_CONTENT_TYPE,
    SS_PATIENT_ID,
    SS_SOURCE_ID,
    SS_UNIQUE_ID,
    STATUS_FAILURE,
    STATUS_SUCCESS,
    SUBMISSION_SET_NODE,
    XDS_NS,
    q,
)
from ncpeh.gateway.wire._xca import decode_document
from ncpeh.gateway.wire._xml import attr, elements, sub
from ncpeh.trust import PatientId

__all__ = [
    "ProvideAndRegisterRequest",
    "RegistryResponse",
    "SubmissionSet",
    "SubmittedDocument",
    "build_provide_and_register",
    "build_registry_response",
    "parse_provide_and_register",
    "parse_registry_response",
]

_PROVIDE = q(XDS_NS, "ProvideAndRegisterDocumentSetRequest")
_REGISTRY_RESPONSE = q(RS_NS, "RegistryResponse")


def _r(local: str) -> str:
    return q(RIM_NS, local)


@dataclass(frozen=True, slots=True)
class SubmissionSet:
    """The ``RegistryPackage`` classified as XDS submission set."""

    entry_uuid: str
    unique_id: str
    source_id: str
    patient_id: PatientId | None
    submission_time: str | None = None
    content_type: Code | None = None
    title: str | None = None
    description: str | None = None
    authors: tuple[Author, ...] = ()


@dataclass(frozen=True, slots=True)
class SubmittedDocument:
    """A document entry with its content (the eD CDA bytes)."""

    entry: DocumentEntry
    content: bytes


@dataclass(frozen=True, slots=True)
class ProvideAndRegisterRequest:
    submission_set: SubmissionSet
    documents: tuple[SubmittedDocument, ...]
    associations: tuple[Association, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistryResponse:
    status: str
    errors: tuple[RegistryError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCESS

    @classmethod
    def of(cls, errors: tuple[RegistryError, ...] = ()) -> RegistryResponse:
        failed = any(not e.is_warning for e in errors)
        return cls(status=STATUS_FAILURE if failed else STATUS_SUCCESS, errors=errors)


def build_provide_and_register(request: ProvideAndRegisterRequest) -> etree._Element:
    """The ``ProvideAndRegisterDocumentSetRequest`` element (action ``XDR_PROVIDE``)."""
    if not request.documents:
        raise MessageFormatError("a provide-and-register request carries at least one document")
    root = etree.Element(_PROVIDE, nsmap={"xdsb": XDS_NS, "lcm": LCM_NS, "rim": RIM_NS})
    submit = etree.SubElement(root, q(LCM_NS, "SubmitObjectsRequest"))
    objects = sub(submit, _r("RegistryObjectList"))
    for doc in request.documents:
        write_document_entry(objects, doc.entry)
    ss = request.submission_set
    package = sub(objects, _r("RegistryPackage"), id=ss.entry_uuid)
    if ss.submission_time:
        write_slot(package, "submissionTime", ss.submission_time)
    for local, value in (("Name", ss.title), ("Description", ss.description)):
        if value is not None:
            sub(sub(package, _r(local)), _r("LocalizedString"), value=value)
    for author in ss.authors:
        write_author(package, SS_AUTHOR, ss.entry_uuid, author)
    if ss.content_type is not None:
        write_code(package, SS_CONTENT_TYPE, ss.entry_uuid, ss.content_type)
    write_external_id(
        package, SS_UNIQUE_ID, ss.entry_uuid, ss.unique_id, "XDSSubmissionSet.uniqueId"
    )
    if ss.patient_id is not None:
        write_external_id(
            package,
            SS_PATIENT_ID,
            ss.entry_uuid,
            ss.patient_id.to_cx(),
            "XDSSubmissionSet.patientId",
        )
    write_external_id(
        package, SS_SOURCE_ID, ss.entry_uuid, ss.source_id, "XDSSubmissionSet.sourceId"
    )
    sub(
        objects,
        _r("Classification"),
        classificationNode=SUBMISSION_SET_NODE,
        classifiedObject=ss.entry_uuid,
        id=f"{ss.entry_uuid}-ss",
    )
    for association in request.associations:
        write_association(objects, association)
    for doc in request.documents:
        sub(
            root,
            q(XDS_NS, "Document"),
            base64.b64encode(doc.content).decode("ascii"),
            id=doc.entry.entry_uuid,
        )
    return root


def parse_provide_and_register(
    payload: etree._Element, *, attachments: Mapping[str, bytes] | None = None
) -> ProvideAndRegisterRequest:
    """Read an ITI-41 request: submission set, entries, associations and document bytes.

    Raises:
        UnexpectedMessageError: another message.
        MessageFormatError: no submission set, a document without metadata (or
            metadata without document), invalid base64.
    """
    if payload.tag != _PROVIDE:
        raise UnexpectedMessageError(
            f"expected ProvideAndRegisterDocumentSetRequest, got {payload.tag}"
        )
    objects = payload.find(f"{q(LCM_NS, 'SubmitObjectsRequest')}/{_r('RegistryObjectList')}")
    if objects is None:
        raise MessageFormatError(
            "ProvideAndRegister without SubmitObjectsRequest/RegistryObjectList"
        )
    entries: dict[str, DocumentEntry] = {}
    packages: dict[str, etree._Element] = {}
    ss_ids: set[str] = set()
    associations: list[Association] = []
    for el in elements(objects):
        if el.tag == _r("ExtrinsicObject"):
            entry = read_document_entry(el)
            entries[entry.entry_uuid] = entry
        elif el.tag == _r("RegistryPackage"):
            packages[attr(el, "id") or ""] = el
        elif (
            el.tag == _r("Classification") and attr(el, "classificationNode") == SUBMISSION_SET_NODE
        ):
            ss_ids.add(attr(el, "classifiedObject") or "")
        elif el.tag == _r("Association"):
            associations.append(read_association(el))
    submission = [packages[i] for i in packages if i in ss_ids]
    if len(submission) != 1:
        raise MessageFormatError(f"expected one submission set, found {len(submission)}")
    contents: dict[str, bytes] = {}
    for doc in payload.iterfind(q(XDS_NS, "Document")):
        doc_id = attr(doc, "id")
        if doc_id is None or doc_id not in entries:
            raise MessageFormatError(f"xds:Document {doc_id!r} has no matching document entry")
        contents[doc_id] = decode_document(doc, attachments or {})
    missing = set(entries) - set(contents)
    if missing:
        raise MessageFormatError(f"document entries without content: {sorted(missing)}")
    return ProvideAndRegisterRequest(
        submission_set=_read_submission_set(submission[0]),
        documents=tuple(SubmittedDocument(entries[i], contents[i]) for i in entries),
        associations=tuple(associations),
    )


def _read_submission_set(el: etree._Element) -> SubmissionSet:
    entry_uuid = attr(el, "id") or ""
    ext = read_external_ids(el)
    unique_id, source_id = ext.get(SS_UNIQUE_ID), ext.get(SS_SOURCE_ID)
    if unique_id is None or source_id is None:
        raise MessageFormatError("submission set lacks uniqueId or sourceId")
    patient = ext.get(SS_PATIENT_ID)
    content_type = None
    authors = []
    for c in el.iterfind(_r("Classification")):
        scheme = c.get("classificationScheme")
        if scheme == SS_CONTENT_TYPE:
            content_type = read_code(c)
        elif scheme == SS_AUTHOR:
            authors.append(read_author(c))
    times = read_slots(el).get("submissionTime", ())
    return SubmissionSet(
        entry_uuid=entry_uuid,
        unique_id=unique_id,
        source_id=source_id,
        patient_id=parse_cx(patient, "submission set patientId") if patient else None,
        submission_time=times[0] if times else None,
        content_type=content_type,
        title=read_localized(el, "Name"),
        description=read_localized(el, "Description"),
        authors=tuple(authors),
    )


def build_registry_response(response: RegistryResponse) -> etree._Element:
    """The ``rs:RegistryResponse`` element (action ``XDR_PROVIDE_RESPONSE``)."""
    root = etree.Element(
        _REGISTRY_RESPONSE, nsmap={"rs": RS_NS}, status=response_status(response.status)
    )
    write_registry_errors(root, response.errors)
    return root


def parse_registry_response(payload: etree._Element) -> RegistryResponse:
    """Read an ``rs:RegistryResponse``.

    Raises:
        UnexpectedMessageError / MessageFormatError.
    """
    if payload.tag != _REGISTRY_RESPONSE:
        raise UnexpectedMessageError(f"expected RegistryResponse, got {payload.tag}")
    return RegistryResponse(
        status=response_status(attr(payload, "status")), errors=read_registry_errors(payload)
    )
