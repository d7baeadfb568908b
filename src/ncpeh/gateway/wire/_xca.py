"""XCA ITI-38 (FindDocuments) and ITI-39 (RetrieveDocumentSet) messages.

ITI-38 (``ehdsi-flows.md`` §1, §5 step 5): an ebRS ``AdhocQueryRequest`` with the
FindDocuments stored query, ``$XDSDocumentEntryPatientId`` (CX, single-quoted),
status Approved and ``$XDSDocumentEntryClassCode`` (PS ``60591-5``, eP
``57833-6``, OrCD…). The ``AdhocQueryResponse`` lists ``ExtrinsicObject``s —
PS and eP as an L3 + L1 pair linked by an ``XFRM`` association — or carries
``RegistryError``s with eHDSI codes.

ITI-39: ``RetrieveDocumentSetRequest`` names repository and document unique
ids (and the home community); the response returns each document base64
inline. OpenNCP enables MTOM on its XCA service, so a peer may send the
document as an XOP include: the parser resolves ``xop:Include`` from the MIME
attachments it is given (unpacking multipart/related is the transport's job).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from ncpeh.gateway.wire._ebrim import (
    Association,
    Code,
    DocumentEntry,
    RegistryError,
    Slot,
    parse_cx,
    read_association,
    read_document_entry,
    read_registry_errors,
    read_slots,
    response_status,
    write_association,
    write_document_entry,
    write_registry_errors,
    write_slot,
)
from ncpeh.gateway.wire._errors import MessageFormatError, UnexpectedMessageError
from ncpeh.gateway.wire._ns import (
    APPROVED,
    FIND_DOCUMENTS,
    LOINC,
    QUERY_NS,
    RIM_NS,
    RS_NS,
    STATUS_FAILURE,
    STATUS_PARTIAL,
    STATUS_SUCCESS,
    XDS_NS,
    XOP_NS,
    q,
)
from ncpeh.gateway.wire._xml import attr, default_ns, elements, required_text, sub, text_of
from ncpeh.trust import PatientId

__all__ = [
    "DocumentRequest",
    "FindDocumentsQuery",
    "QueryResponse",
    "RetrieveRequest",
    "RetrieveResponse",
    "RetrievedDocument",
    "build_query_request",
    "build_query_response",
    "build_retrieve_request",
    "build_retrieve_response",
    "parse_query_request",
    "parse_query_response",
    "parse_retrieve_request",
    "parse_retrieve_response",
]

_PATIENT_SLOT = "$XDSDocumentEntryPatientId"
_STATUS_SLOT = "$XDSDocumentEntryStatus"
_CLASS_SLOT = "$XDSDocumentEntryClassCode"
_QUERY_REQUEST = q(QUERY_NS, "AdhocQueryRequest")
_QUERY_RESPONSE = q(QUERY_NS, "AdhocQueryResponse")
_RETRIEVE_REQUEST = q(XDS_NS, "RetrieveDocumentSetRequest")
_RETRIEVE_RESPONSE = q(XDS_NS, "RetrieveDocumentSetResponse")
_QUOTED = re.compile(r"'((?:[^']|'')*)'")


def _r(local: str) -> str:
    return q(RIM_NS, local)


def _x(local: str) -> str:
    return q(XDS_NS, local)


@dataclass(frozen=True, slots=True)
class FindDocumentsQuery:
    """An ITI-38 FindDocuments query for one patient and document classes.

    ``other_slots`` keeps any further query parameters (creation-time filters …)
    verbatim, so nothing a peer sent is dropped.
    """

    patient_id: PatientId
    class_codes: tuple[Code, ...] = ()
    statuses: tuple[str, ...] = (APPROVED,)
    home_community_id: str | None = None
    return_type: str = "LeafClass"
    query_id: str = FIND_DOCUMENTS
    other_slots: tuple[Slot, ...] = ()

    @classmethod
    def for_class(
        cls, patient_id: PatientId, class_code: str, *, home_community_id: str | None = None
    ) -> FindDocumentsQuery:
        """The eHDSI query for one LOINC class (``60591-5`` PS, ``57833-6`` eP)."""
        return cls(
            patient_id=patient_id,
            class_codes=(Code(class_code, LOINC),),
            home_community_id=home_community_id,
        )


@dataclass(frozen=True, slots=True)
class QueryResponse:
    """An ``AdhocQueryResponse``: document entries, their associations, and errors."""

    status: str
    documents: tuple[DocumentEntry, ...] = ()
    associations: tuple[Association, ...] = ()
    errors: tuple[RegistryError, ...] = ()
    object_refs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCESS

    @classmethod
    def of(
        cls,
        documents: tuple[DocumentEntry, ...] = (),
        associations: tuple[Association, ...] = (),
        errors: tuple[RegistryError, ...] = (),
    ) -> QueryResponse:
        """Status from content: Failure on any error, PartialSuccess when data comes with one."""
        return cls(
            status=_status(bool(documents), errors),
            documents=documents,
            associations=associations,
            errors=errors,
        )


@dataclass(frozen=True, slots=True)
class DocumentRequest:
    """One document to retrieve (ITI-39)."""

    repository_unique_id: str
    document_unique_id: str
    home_community_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetrieveRequest:
    documents: tuple[DocumentRequest, ...]


@dataclass(frozen=True, slots=True)
class RetrievedDocument:
    """A retrieved document: bytes of the CDA (L3 XML, or L1 wrapping a PDF) or other MIME."""

    repository_unique_id: str
    document_unique_id: str
    mime_type: str
    content: bytes
    home_community_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetrieveResponse:
    status: str
    documents: tuple[RetrievedDocument, ...] = ()
    errors: tuple[RegistryError, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == STATUS_SUCCESS

    @classmethod
    def of(
        cls, documents: tuple[RetrievedDocument, ...] = (), errors: tuple[RegistryError, ...] = ()
    ) -> RetrieveResponse:
        return cls(status=_status(bool(documents), errors), documents=documents, errors=errors)


def _status(has_data: bool, errors: tuple[RegistryError, ...]) -> str:
    """Success (warnings allowed), PartialSuccess (data and errors) or Failure."""
    if all(e.is_warning for e in errors):
        return STATUS_SUCCESS
    return STATUS_PARTIAL if has_data else STATUS_FAILURE


# --------------------------------------------------------------------------- query values


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _unquote_list(values: tuple[str, ...]) -> tuple[str, ...]:
    """XDS stored-query values: ``'a'`` or ``('a','b')``, possibly over several Values."""
    out: list[str] = []
    for raw in values:
        text = raw.strip()
        found = _QUOTED.findall(text)
        if not found:
            if text.startswith("(") or not text:
                raise MessageFormatError(f"malformed stored-query value {raw!r}")
            out.append(text)  # unquoted (lenient, some peers send it)
            continue
        out.extend(v.replace("''", "'") for v in found)
    return tuple(out)


def _read_code_value(value: str) -> Code:
    code, _, scheme = value.partition("^^")
    if not code:
        raise MessageFormatError(f"malformed class code {value!r}")
    return Code(code=code, scheme=scheme or None)


# --------------------------------------------------------------------------- ITI-38


def build_query_request(query: FindDocumentsQuery) -> etree._Element:
    """The ``AdhocQueryRequest`` element (action ``XCA_QUERY``)."""
    root = etree.Element(_QUERY_REQUEST, nsmap={"query": QUERY_NS, "rim": RIM_NS})
    sub(
        root,
        q(QUERY_NS, "ResponseOption"),
        returnComposedObjects="true",
        returnType=query.return_type,
    )
    adhoc = sub(root, _r("AdhocQuery"), id=query.query_id)
    if query.home_community_id:
        adhoc.set("home", query.home_community_id)
    write_slot(adhoc, _PATIENT_SLOT, _quote(query.patient_id.to_cx()))
    write_slot(adhoc, _STATUS_SLOT, "(" + ",".join(_quote(s) for s in query.statuses) + ")")
    if query.class_codes:
        codes = ",".join(_quote(f"{c.code}^^{c.scheme or ''}") for c in query.class_codes)
        write_slot(adhoc, _CLASS_SLOT, f"({codes})")
    for slot in query.other_slots:
        write_slot(adhoc, slot.name, *slot.values)
    return root


def parse_query_request(payload: etree._Element) -> FindDocumentsQuery:
    """Read an ITI-38 ``AdhocQueryRequest`` (FindDocuments).

    Raises:
        UnexpectedMessageError: another message, or another stored query.
        MessageFormatError: patient id missing or not CX, malformed slot values.
    """
    if payload.tag != _QUERY_REQUEST:
        raise UnexpectedMessageError(f"expected AdhocQueryRequest, got {payload.tag}")
    adhoc = payload.find(_r("AdhocQuery"))
    if adhoc is None:
        raise MessageFormatError("AdhocQueryRequest without AdhocQuery")
    query_id = attr(adhoc, "id") or ""
    if query_id != FIND_DOCUMENTS:
        raise UnexpectedMessageError(f"unsupported stored query {query_id!r} (FindDocuments only)")
    slots = read_slots(adhoc)
    patients = _unquote_list(slots.pop(_PATIENT_SLOT, ()))
    if len(patients) != 1:
        raise MessageFormatError(f"{_PATIENT_SLOT} must hold one patient, found {len(patients)}")
    statuses = _unquote_list(slots.pop(_STATUS_SLOT, ()))
    if not statuses:
        raise MessageFormatError(f"{_STATUS_SLOT} is required")
    classes = tuple(_read_code_value(v) for v in _unquote_list(slots.pop(_CLASS_SLOT, ())))
    option = payload.find(q(QUERY_NS, "ResponseOption"))
    return FindDocumentsQuery(
        patient_id=parse_cx(patients[0], _PATIENT_SLOT),
        class_codes=classes,
        statuses=statuses,
        home_community_id=attr(adhoc, "home"),
        return_type=attr(option, "returnType") or "LeafClass",
        query_id=query_id,
        other_slots=tuple(Slot(k, v) for k, v in slots.items()),
    )


def build_query_response(response: QueryResponse) -> etree._Element:
    """The ``AdhocQueryResponse`` element (action ``XCA_QUERY_RESPONSE``)."""
    root = etree.Element(
        _QUERY_RESPONSE,
        nsmap={"query": QUERY_NS, "rim": RIM_NS, "rs": RS_NS},
        status=response_status(response.status),
    )
    write_registry_errors(root, response.errors)
    objects = sub(root, _r("RegistryObjectList"))
    for entry in response.documents:
        write_document_entry(objects, entry)
    for association in response.associations:
        write_association(objects, association)
    for ref in response.object_refs:
        sub(objects, _r("ObjectRef"), id=ref)
    return root


def parse_query_response(payload: etree._Element) -> QueryResponse:
    """Read an ``AdhocQueryResponse`` (documents, associations, eHDSI errors).

    Raises:
        UnexpectedMessageError: another message.
        MessageFormatError: unknown status or malformed entries.
    """
    if payload.tag != _QUERY_RESPONSE:
        raise UnexpectedMessageError(f"expected AdhocQueryResponse, got {payload.tag}")
    objects = payload.find(_r("RegistryObjectList"))
    documents: list[DocumentEntry] = []
    associations: list[Association] = []
    refs: list[str] = []
    if objects is not None:
        for el in elements(objects):
            if el.tag == _r("ExtrinsicObject"):
                documents.append(read_document_entry(el))
            elif el.tag == _r("Association"):
                associations.append(read_association(el))
            elif el.tag == _r("ObjectRef"):
                ref = attr(el, "id")
                if ref:
                    refs.append(ref)
    return QueryResponse(
        status=response_status(attr(payload, "status")),
        documents=tuple(documents),
        associations=tuple(associations),
        errors=read_registry_errors(payload),
        object_refs=tuple(refs),
    )


# --------------------------------------------------------------------------- ITI-39


def build_retrieve_request(request: RetrieveRequest) -> etree._Element:
    """The ``RetrieveDocumentSetRequest`` element (action ``XCA_RETRIEVE``)."""
    if not request.documents:
        raise MessageFormatError("a retrieve request names at least one document")
    root = etree.Element(_RETRIEVE_REQUEST, nsmap=default_ns(XDS_NS))
    for d in request.documents:
        doc = sub(root, _x("DocumentRequest"))
        if d.home_community_id:
            sub(doc, _x("HomeCommunityId"), d.home_community_id)
        sub(doc, _x("RepositoryUniqueId"), d.repository_unique_id)
        sub(doc, _x("DocumentUniqueId"), d.document_unique_id)
    return root


def parse_retrieve_request(payload: etree._Element) -> RetrieveRequest:
    """Read a ``RetrieveDocumentSetRequest``.

    Raises:
        UnexpectedMessageError / MessageFormatError.
    """
    if payload.tag != _RETRIEVE_REQUEST:
        raise UnexpectedMessageError(f"expected RetrieveDocumentSetRequest, got {payload.tag}")
    docs = tuple(
        DocumentRequest(
            repository_unique_id=required_text(d, _x("RepositoryUniqueId"), "RepositoryUniqueId"),
            document_unique_id=required_text(d, _x("DocumentUniqueId"), "DocumentUniqueId"),
            home_community_id=text_of(d.find(_x("HomeCommunityId"))),
        )
        for d in payload.iterfind(_x("DocumentRequest"))
    )
    if not docs:
        raise MessageFormatError("RetrieveDocumentSetRequest names no document")
    return RetrieveRequest(documents=docs)


def build_retrieve_response(response: RetrieveResponse) -> etree._Element:
    """The ``RetrieveDocumentSetResponse`` element, documents base64 inline."""
    root = etree.Element(_RETRIEVE_RESPONSE, nsmap={"xdsb": XDS_NS, "rs": RS_NS})
    registry = sub(root, q(RS_NS, "RegistryResponse"), status=response_status(response.status))
    write_registry_errors(registry, response.errors)
    for d in response.documents:
        doc = sub(root, _x("DocumentResponse"))
        if d.home_community_id:
            sub(doc, _x("HomeCommunityId"), d.home_community_id)
        sub(doc, _x("RepositoryUniqueId"), d.repository_unique_id)
        sub(doc, _x("DocumentUniqueId"), d.document_unique_id)
        sub(doc, _x("mimeType"), d.mime_type)
        sub(doc, _x("Document"), base64.b64encode(d.content).decode("ascii"))
    return root


def parse_retrieve_response(
    payload: etree._Element, *, attachments: Mapping[str, bytes] | None = None
) -> RetrieveResponse:
    """Read a ``RetrieveDocumentSetResponse``.

    Args:
        payload: the body element.
        attachments: MTOM parts by Content-ID (without ``cid:`` and brackets),
            used when a document is an ``xop:Include``.

    Raises:
        UnexpectedMessageError: another message.
        MessageFormatError: missing ids, invalid base64, unresolved XOP include.
    """
    if payload.tag != _RETRIEVE_RESPONSE:
        raise UnexpectedMessageError(f"expected RetrieveDocumentSetResponse, got {payload.tag}")
    registry = payload.find(q(RS_NS, "RegistryResponse"))
    if registry is None:
        raise MessageFormatError("RetrieveDocumentSetResponse without RegistryResponse")
    docs = tuple(
        RetrievedDocument(
            repository_unique_id=required_text(d, _x("RepositoryUniqueId"), "RepositoryUniqueId"),
            document_unique_id=required_text(d, _x("DocumentUniqueId"), "DocumentUniqueId"),
            mime_type=text_of(d.find(_x("mimeType"))) or "",
            content=_document_bytes(d, attachments or {}),
            home_community_id=text_of(d.find(_x("HomeCommunityId"))),
        )
        for d in payload.iterfind(_x("DocumentResponse"))
    )
    return RetrieveResponse(
        status=response_status(attr(registry, "status")),
        documents=docs,
        errors=read_registry_errors(registry),
    )


def _document_bytes(doc: etree._Element, attachments: Mapping[str, bytes]) -> bytes:
    el = doc.find(_x("Document"))
    if el is None:
        raise MessageFormatError("DocumentResponse without Document")
    return decode_document(el, attachments)


def decode_document(el: etree._Element, attachments: Mapping[str, bytes]) -> bytes:
    """Content of an ``xds-b:Document``: inline base64 or an MTOM XOP include (also XDR)."""
    include = el.find(q(XOP_NS, "Include"))
    if include is not None:
        href = attr(include, "href") or ""
        cid = href.removeprefix("cid:").strip("<>")
        if cid not in attachments:
            raise MessageFormatError(f"MTOM attachment {href!r} not supplied")
        return attachments[cid]
    text = "".join((el.text or "").split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MessageFormatError("Document is not valid base64") from None
