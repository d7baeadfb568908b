"""NCPeH-A: the responding gateway of the patient's country.

Every request goes through the same gate, in this order (trust-security.md §2,
ehdsi-flows.md §5-6):

1. the TLS peer is a registered partner (its client certificate names its country);
2. the SOAP envelope parses (hardened parser) and has a WS-Addressing MessageID
   never seen before (replay);
3. the HCP assertion verifies, was issued by the TLS peer's country, and grants
   the permissions of the transaction;
4. for XCA, the TRC verifies against that HCP assertion and names the queried
   patient (``4206`` otherwise);
5. the country's consent policy grants access for this patient, class and country;
6. the national connector answers; documents are transcoded friendly -> pivot.

Each access is audited, granted or refused. Errors travel in-band as eHDSI codes:
XCPD ``AcknowledgementDetail``, XCA ``RegistryError``; a message we cannot read
at all gets a SOAP fault.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from lxml import etree

from ncpeh.consent import ConsentPolicy
from ncpeh.consent import PurposeOfUse as ConsentPurpose
from ncpeh.documents import V3
from ncpeh.errors import NcpehError
from ncpeh.gateway.wire import (
    XCA_QUERY,
    XCA_QUERY_RESPONSE,
    XCA_RETRIEVE,
    XCA_RETRIEVE_RESPONSE,
    XCPD_REQUEST,
    XCPD_RESPONSE,
    Addressing,
    Code,
    Demographics,
    DocumentEntry,
    FaultCode,
    FindDocumentsQuery,
    Hl7Id,
    PatientMatch,
    PersonName,
    QueryResponse,
    RegistryError,
    RetrievedDocument,
    RetrieveRequest,
    RetrieveResponse,
    SoapEnvelope,
    SoapFault,
    WireError,
    XcpdRequest,
    XcpdResponse,
    build_envelope,
    build_query_response,
    build_retrieve_response,
    build_soap_fault,
    build_xcpd_response,
    parse_query_request,
    parse_retrieve_request,
    parse_soap_envelope,
    parse_xcpd_request,
)
from ncpeh.gateway.wire._ns import WSA_FAULT_ACTION
from ncpeh.national import (
    DocumentFormat,
    DocumentMetadata,
    NationalConnector,
    NationalConnectorError,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
    Service,
    ehdsi_code_for,
)
from ncpeh.terminology import Catalogue
from ncpeh.transform import transcode
from ncpeh.trust import (
    HcpAssertion,
    PatientId,
    ReplayCache,
    Transaction,
    TrustError,
    TrustStore,
    check_permissions_or_raise,
    select_assertions,
    verify_hcp_assertion,
    verify_trc_assertion,
)
from ncpeh.xmlsafe import XmlInputError, parse_xml, serialize_xml

__all__ = ["AccessEvent", "AuditSink", "RespondingGateway", "ResponderSettings"]

#: XDS formatCodes of the eHDSI services (ehdsi-flows.md §3).
FORMAT_CODES = {
    ("60591-5", "L3"): "urn:epSOS:ps:ps:2010",
    ("57833-6", "L3"): "urn:epsos:ep:pre:2010",
    ("60591-5", "L1"): "urn:ihe:iti:xds-sd:pdf:2008",
    ("57833-6", "L1"): "urn:ihe:iti:xds-sd:pdf:2008",
}
_FORMAT_SCHEME = "eHDSI formatCodes"
#: suffix of the unique id of an L1 rendition NCPeH-A produces from an L3 (an OID arc)
L1_SUFFIX = ".1"
_TPL = "1.3.6.1.4.1.12559.11.10.1.3.1.1."
_L1_TEMPLATE = {_TPL + "3": _TPL + "7", _TPL + "1": _TPL + "6"}
_SERVICE_OF_CLASS = {"60591-5": Service.PATIENT_SUMMARY, "57833-6": Service.EPRESCRIPTION}
_PREFIX_OF_CLASS = {"60591-5": "PS", "57833-6": "EP"}


@dataclass(frozen=True, slots=True)
class AccessEvent:
    """One audited access (the sink pseudonymises identifiers before storing)."""

    occurred_at: datetime
    transaction: str  # ITI-55, ITI-38, ITI-39
    requesting_country: str
    hp_id: str | None
    patient_id: str | None  # CX form
    granted: bool
    error_code: str | None = None
    document_class: str | None = None
    purpose_of_use: str | None = None


class AuditSink(Protocol):
    """Where NCPeH-A writes one row per access; failure to audit refuses the access."""

    def record(self, event: AccessEvent) -> None: ...


@dataclass(frozen=True, slots=True)
class ResponderSettings:
    country: str
    home_community_id: str
    repository_id: str
    #: class codes this country exports as country A
    exports: frozenset[str]
    on_missing_mapping: str = "withhold"


class _Refused(NcpehError):
    """A refusal with the eHDSI code to answer."""

    code = "gateway.refused"

    def __init__(self, ehdsi_code: str, message: str) -> None:
        super().__init__(message)
        self.ehdsi_code = ehdsi_code


@dataclass(slots=True)
class _Context:
    peer_country: str
    transaction: str
    hp_id: str | None = None
    patient_cx: str | None = None
    document_class: str | None = None
    purpose: str | None = None


#: requesting country recorded when the caller's certificate names no registered country
_UNKNOWN_COUNTRY = "XX"
_TRANSACTION_OF_ACTION = {XCPD_REQUEST: "ITI-55", XCA_QUERY: "ITI-38", XCA_RETRIEVE: "ITI-39"}

#: Refusals every handler turns into an eHDSI code, in one table (_code_of).
_HANDLED = (TrustError, _Refused, NationalConnectorError)


def _code_of(exc: Exception, service: Service | None) -> str:
    """The eHDSI code answered for a refusal (trust, gateway or national connector)."""
    if isinstance(exc, NationalConnectorError):
        return ehdsi_code_for(exc, service=service).code
    if isinstance(exc, TrustError | _Refused):
        return exc.ehdsi_code
    return "ERROR_GENERIC"


def _patient_identifier(pid: PatientId) -> PatientIdentifier:
    if not pid.root or not pid.extension:
        raise _Refused(
            "ERROR_PI_INCORRECT_FORMATTING", "patient identifier needs root and extension"
        )
    try:
        return PatientIdentifier(value=pid.extension, domain=pid.root)
    except ValueError as exc:
        raise _Refused("ERROR_PI_INCORRECT_FORMATTING", str(exc)) from None


def _patient_id(pid: PatientIdentifier) -> PatientId:
    return PatientId(root=pid.domain, extension=pid.value)


class RespondingGateway:
    """NCPeH-A transaction handlers, transport-free: bytes in, bytes out.

    Thread-safe: the replay cache and trust store are shared; everything else is
    per call. Keys, catalogue and trust anchors are loaded once by the caller.
    """

    def __init__(
        self,
        *,
        settings: ResponderSettings,
        trust: TrustStore,
        replay: ReplayCache,
        national: NationalConnector,
        consent: ConsentPolicy,
        catalogue: Catalogue,
        audit: AuditSink,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._trust = trust
        self._replay = replay
        self._national = national
        self._consent = consent
        self._catalogue = catalogue
        self._audit = audit
        self._clock = clock
        self._lock = threading.Lock()
        self._render_lock = threading.Lock()
        self._l1_cache: dict[tuple[str, str], bytes] = {}
        self._pivot_cache: dict[tuple[str, str], tuple[bytes, tuple[RegistryError, ...]]] = {}

    # -- entry point -------------------------------------------------------------
    def handle(self, body: bytes, *, peer_country: str | None) -> bytes:
        """Answer one SOAP request from a partner whose TLS certificate named ``peer_country``."""
        return self.handle_with_status(body, peer_country=peer_country)[1]

    def handle_with_status(self, body: bytes, *, peer_country: str | None) -> tuple[int, bytes]:
        """Like :meth:`handle`, with the HTTP status: 200, or 400 for a SOAP 1.2 Sender fault.

        Refusals at the gate (unknown certificate, unreadable or replayed message) are
        audited too, as refused accesses of an unknown HP (trust-security.md §5).
        """
        gate = _Context(peer_country or _UNKNOWN_COUNTRY, "SOAP")
        if peer_country is None:
            self._record(gate, "ERROR_SEC_GENERIC", granted=False)
            return 400, _fault(FaultCode.SENDER, "ERROR_SEC_GENERIC", "unknown client certificate")
        try:
            envelope = parse_soap_envelope(body)
        except (XmlInputError, WireError) as exc:
            self._record(gate, "ERROR_GENERIC", granted=False)
            return 400, _fault(FaultCode.SENDER, "ERROR_GENERIC", f"unreadable request: {exc}")
        addressing = envelope.addressing
        action = addressing.action if addressing else None
        gate.transaction = _TRANSACTION_OF_ACTION.get(action or "", "SOAP")
        try:
            if addressing is None or not addressing.message_id:
                raise _Refused("ERROR_SEC_GENERIC", "no WS-Addressing MessageID")
            with self._lock:
                self._replay.remember_or_raise(addressing.message_id)
        except (TrustError, _Refused) as exc:
            code = _code_of(exc, None)
            self._record(gate, code, granted=False)
            return 400, _fault(FaultCode.SENDER, code, str(exc), addressing)
        assert addressing is not None
        if action == XCPD_REQUEST:
            return 200, self._xcpd(envelope, addressing, peer_country)
        if action == XCA_QUERY:
            return 200, self._query(envelope, addressing, peer_country)
        if action == XCA_RETRIEVE:
            return 200, self._retrieve(envelope, addressing, peer_country)
        self._record(gate, "ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN", granted=False)
        return 400, _fault(
            FaultCode.SENDER,
            "ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN",
            f"unsupported action {action}",
            addressing,
        )

    # -- shared checks -----------------------------------------------------------
    def _hcp(
        self, envelope: SoapEnvelope, ctx: _Context, transaction: Transaction | None
    ) -> HcpAssertion:
        assertions = select_assertions(envelope.assertions)
        hcp = verify_hcp_assertion(
            assertions.hcp_or_raise(),
            trust=self._trust,
            expected_country=ctx.peer_country,
            transaction=transaction,
            now=self._clock(),
        )
        ctx.hp_id = hcp.name_id
        ctx.purpose = hcp.purpose_of_use.value
        return hcp

    def _trc(self, envelope: SoapEnvelope, hcp: HcpAssertion, patient: PatientId) -> None:
        assertions = select_assertions(envelope.assertions)
        verify_trc_assertion(
            assertions.trc_or_raise(),
            trust=self._trust,
            hcp=hcp,
            patient_id=patient,
            now=self._clock(),
        )

    def _consent_or_raise(
        self, patient: PatientIdentifier, ctx: _Context, document_class: str | None
    ) -> None:
        decision = self._consent.decide(
            patient,
            requesting_country=ctx.peer_country,
            document_class=document_class,
            purpose_of_use=ConsentPurpose(ctx.purpose or "TREATMENT"),
            now=self._clock(),
        )
        if not decision.granted:
            raise _Refused(decision.error_code or "4701", decision.reason)

    def _record(
        self, ctx: _Context, error_code: str | None, *, granted: bool | None = None
    ) -> None:
        """Audit one access. Served with a warning is granted; any *_NO_CONSENT is not."""
        if granted is None:
            granted = error_code is None or (
                error_code.startswith("WARNING") and "NO_CONSENT" not in error_code
            )
        self._audit.record(
            AccessEvent(
                occurred_at=self._clock(),
                transaction=ctx.transaction,
                requesting_country=ctx.peer_country,
                hp_id=ctx.hp_id,
                patient_id=ctx.patient_cx,
                granted=granted,
                error_code=error_code,
                document_class=ctx.document_class,
                purpose_of_use=ctx.purpose,
            )
        )

    def _respond(self, payload: etree._Element, request: Addressing, action: str) -> bytes:
        env = build_envelope(payload, addressing=Addressing.response_to(request, action))
        return serialize_xml(env)

    # -- ITI-55 ------------------------------------------------------------------
    def _xcpd(self, envelope: SoapEnvelope, addressing: Addressing, peer: str) -> bytes:
        ctx = _Context(peer, "ITI-55")
        try:
            request = parse_xcpd_request(envelope.payload)
        except WireError as exc:
            self._record(ctx, "ERROR_PI_GENERIC")
            return _fault(FaultCode.SENDER, "ERROR_PI_GENERIC", str(exc))
        code: str | None = None
        try:
            self._hcp(envelope, ctx, Transaction.PATIENT_DISCOVERY)
            response = self._identify(request, ctx)
        except _HANDLED as exc:
            code = _code_of(exc, Service.IDENTIFICATION)
            if code == "4703":  # XCPD speaks the eHDSI XCPD vocabulary for rights
                code = "InsufficientRights"
            response = XcpdResponse.failed(request, code=code, text=str(exc))
        else:
            if not response.patients:
                code = next((d.code for d in response.details), "ERROR_PI_NO_MATCH")
        self._record(ctx, code)
        return self._respond(
            build_xcpd_response(response, request=request), addressing, XCPD_RESPONSE
        )

    def _identify(self, request: XcpdRequest, ctx: _Context) -> XcpdResponse:
        ids = tuple(_patient_identifier(p) for p in request.patient_ids())
        if not ids:
            raise _Refused("ERROR_PI_MISSING_REQUIRED_FIELDS", "no patient identifier in the query")
        found = self._national.find_patients(PatientQuery(identifiers=ids))
        if not found:
            return XcpdResponse.no_match(request)
        if len(found) > 1:
            raise _Refused("ERROR_PI_MULTIPLE_MATCHES", "more than one patient matches")
        patient = found[0]
        ctx.patient_cx = patient.primary_identifier.to_cx()
        decision = self._consent.decide(
            patient.primary_identifier,
            requesting_country=ctx.peer_country,
            document_class=None,
            purpose_of_use=ConsentPurpose(ctx.purpose or "TREATMENT"),
            now=self._clock(),
        )
        if not decision.granted:
            # Identification without consent: the patient is not disclosed.
            return XcpdResponse.failed(
                request,
                code=decision.error_code or "WARNING_PI_NO_CONSENT",
                text="the patient has not consented to cross-border access",
                acknowledgement_code="AA",
                query_response_code="NF",
            )
        return XcpdResponse.matched(request, [_match(patient, self.settings.home_community_id)])

    # -- ITI-38 ------------------------------------------------------------------
    def _query(self, envelope: SoapEnvelope, addressing: Addressing, peer: str) -> bytes:
        ctx = _Context(peer, "ITI-38")
        try:
            query = parse_query_request(envelope.payload)
        except WireError as exc:
            self._record(ctx, "ERROR_GENERIC")
            return _fault(FaultCode.SENDER, "ERROR_GENERIC", str(exc))
        error: RegistryError | None = None
        entries: tuple[DocumentEntry, ...] = ()
        try:
            entries = self._find_documents(envelope, query, ctx)
        except _HANDLED as exc:
            service = _SERVICE_OF_CLASS.get(ctx.document_class or "")
            error = RegistryError(_code_of(exc, service), str(exc))
        self._record(ctx, error.error_code if error else None)
        response = QueryResponse.of(entries, errors=(error,) if error else ())
        return self._respond(build_query_response(response), addressing, XCA_QUERY_RESPONSE)

    def _find_documents(
        self, envelope: SoapEnvelope, query: FindDocumentsQuery, ctx: _Context
    ) -> tuple[DocumentEntry, ...]:
        classes = [c.code for c in query.class_codes]
        if len(classes) != 1:
            raise _Refused("4202", "exactly one classCode per query is supported")
        class_code = classes[0]
        ctx.document_class = class_code
        ctx.patient_cx = _patient_identifier(query.patient_id).to_cx()
        try:
            transaction = Transaction.for_class_code(class_code)
        except KeyError:
            raise _Refused("4202", f"class code {class_code} is not supported") from None
        if class_code not in self.settings.exports:
            raise _Refused(
                "ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN",
                f"{self.settings.country} does not export documents of class {class_code}",
            )
        hcp = self._hcp(envelope, ctx, transaction)
        self._trc(envelope, hcp, query.patient_id)
        patient = _patient_identifier(query.patient_id)
        self._consent_or_raise(patient, ctx, class_code)
        documents = self._national.list_documents(patient, class_code)
        entries = [self._entry(d) for d in documents]
        # Every L3 comes with its L1 (PDF) rendition; when the national system has no
        # L1 of its own, NCPeH-A renders one from the friendly L3 on request.
        has_l1 = {d.related_document_id for d in documents if d.format is DocumentFormat.L1}
        for d in documents:
            if d.format is DocumentFormat.L3 and d.document_id not in has_l1:
                entries.append(
                    self._entry(
                        replace(
                            d,
                            document_id=d.document_id + L1_SUFFIX,
                            format=DocumentFormat.L1,
                            title=f"{d.title} (PDF)",
                            related_document_id=d.document_id,
                        )
                    )
                )
        return tuple(entries)

    def _entry(self, meta: DocumentMetadata) -> DocumentEntry:
        fmt = meta.format.value
        return DocumentEntry(
            entry_uuid=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, meta.document_id)}",
            unique_id=meta.document_id,
            mime_type="text/xml",
            patient_id=_patient_id(meta.patient),
            repository_unique_id=self.settings.repository_id,
            home_community_id=f"urn:oid:{self.settings.home_community_id}",
            title=meta.title,
            creation_time=meta.created.astimezone(UTC).strftime("%Y%m%d%H%M%S"),
            language_code=meta.language,
            class_code=Code(meta.class_code, "2.16.840.1.113883.6.1"),
            type_code=Code(meta.class_code, "2.16.840.1.113883.6.1"),
            format_code=Code(FORMAT_CODES.get((meta.class_code, fmt), fmt), _FORMAT_SCHEME),
            confidentiality_code=Code("N", "2.16.840.1.113883.5.25"),
        )

    # -- ITI-39 ------------------------------------------------------------------
    def _retrieve(self, envelope: SoapEnvelope, addressing: Addressing, peer: str) -> bytes:
        ctx = _Context(peer, "ITI-39")
        try:
            request = parse_retrieve_request(envelope.payload)
        except WireError as exc:
            self._record(ctx, "ERROR_GENERIC")
            return _fault(FaultCode.SENDER, "ERROR_GENERIC", str(exc))
        documents: list[RetrievedDocument] = []
        errors: list[RegistryError] = []
        try:
            documents, errors = self._retrieve_documents(envelope, request, ctx)
        except _HANDLED as exc:
            service = _SERVICE_OF_CLASS.get(ctx.document_class or "")
            errors = [RegistryError(_code_of(exc, service), str(exc))]
        first_error = next((e.error_code for e in errors if not e.is_warning), None)
        self._record(ctx, first_error or (errors[0].error_code if errors else None))
        response = RetrieveResponse.of(tuple(documents), tuple(errors))
        return self._respond(build_retrieve_response(response), addressing, XCA_RETRIEVE_RESPONSE)

    def _retrieve_documents(
        self, envelope: SoapEnvelope, request: RetrieveRequest, ctx: _Context
    ) -> tuple[list[RetrievedDocument], list[RegistryError]]:
        if len(request.documents) != 1:
            raise _Refused("ERROR_GENERIC", "one document per retrieve request is supported")
        wanted = request.documents[0]
        if wanted.repository_unique_id != self.settings.repository_id:
            raise _Refused("ERROR_GENERIC_DOCUMENT_MISSING", "unknown repository")
        unique_id = wanted.document_unique_id
        # Authenticate before touching the national store, so an unauthenticated
        # caller cannot learn whether a document id exists; permissions depend on the
        # document's class and are checked once it is known.
        hcp = self._hcp(envelope, ctx, None)
        render_l1 = False
        try:
            document = self._national.retrieve_document(unique_id)
        except NationalConnectorError:
            if not unique_id.endswith(L1_SUFFIX):
                raise
            document = self._national.retrieve_document(unique_id[: -len(L1_SUFFIX)])
            if document.metadata.format is not DocumentFormat.L3:
                raise
            render_l1 = True
        meta = document.metadata
        ctx.document_class = meta.class_code
        ctx.patient_cx = meta.patient.to_cx()
        try:
            transaction = Transaction.for_class_code(meta.class_code)
        except KeyError:
            raise _Refused("4202", f"class code {meta.class_code} is not supported") from None
        if meta.class_code not in self.settings.exports:
            raise _Refused("ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN", "class not exported")
        check_permissions_or_raise(hcp, transaction)
        # The TRC must name the patient of the *retrieved* document (4206 otherwise).
        self._trc(envelope, hcp, _patient_id(meta.patient))
        self._consent_or_raise(meta.patient, ctx, meta.class_code)
        content = document.content
        warnings: list[RegistryError] = []
        if render_l1:
            content = self._l1(document.content, meta)
        elif meta.format is DocumentFormat.L3:
            content, warnings = self._pivot(content, meta)
        retrieved = RetrievedDocument(
            repository_unique_id=self.settings.repository_id,
            document_unique_id=unique_id,
            mime_type="text/xml",
            content=content,
            home_community_id=f"urn:oid:{self.settings.home_community_id}",
        )
        return [retrieved], warnings

    def _pivot(self, friendly: bytes, meta: DocumentMetadata) -> tuple[bytes, list[RegistryError]]:
        """The pivot of a friendly document; the result is cached by content digest.

        A document is transcoded once, not once per retrieval: the cache key is the
        document id with the SHA-256 of its bytes, so a changed document is redone.
        """
        key = (meta.document_id, hashlib.sha256(friendly).hexdigest())
        with self._lock:
            cached = self._pivot_cache.get(key)
        if cached is not None:
            return cached[0], list(cached[1])
        pivot, warnings = self._transcode(friendly, meta)
        with self._lock:
            if len(self._pivot_cache) >= 256:
                self._pivot_cache.pop(next(iter(self._pivot_cache)))
            self._pivot_cache[key] = (pivot, tuple(warnings))
        return pivot, warnings

    def _transcode(
        self, friendly: bytes, meta: DocumentMetadata
    ) -> tuple[bytes, list[RegistryError]]:
        tree = parse_xml(friendly)
        result = transcode(
            tree,
            catalogue=self._catalogue,
            country=self.settings.country,
            on_missing_mapping="flag" if self.settings.on_missing_mapping == "flag" else "withhold",
        )
        prefix = _PREFIX_OF_CLASS.get(meta.class_code, "PS")
        if result.withheld:
            first = result.report.unmapped[0]
            raise _Refused(
                f"ERROR_{prefix}_MISSING_EXPECTED_MAPPING",
                f"{len(result.report.unmapped)} coded element(s) without MVC mapping, first "
                f"{first.system}|{first.code}",
            )
        warnings = [
            RegistryError.warning(w["code"].replace("ERROR_", "WARNING_", 1), w["message"])
            for w in result.report.warnings
        ]
        return serialize_xml(result.tree), warnings

    def _l1(self, friendly: bytes, meta: DocumentMetadata) -> bytes:
        """The L1 rendition: a PDF of the document in its own language, in a CDA nonXMLBody."""
        key = (meta.document_id, meta.sha256)
        with self._lock:
            cached = self._l1_cache.get(key)
        if cached is not None:
            return cached
        from ncpeh.documents import extract_view
        from ncpeh.render import RenderError, render_pdf

        tree = parse_xml(friendly)
        language = (meta.language or "en").split("-")[0]
        view = extract_view(tree, display_language=language, source_country=self.settings.country)
        try:
            with self._render_lock:
                pdf = render_pdf(
                    view, language=language, generated_by=f"NCPeH-{self.settings.country}"
                )
        except RenderError as exc:
            prefix = _PREFIX_OF_CLASS.get(meta.class_code, "PS")
            raise _Refused(f"ERROR_{prefix}_PDF_FORMAT_NOT_PROVIDED", str(exc)) from None
        content = wrap_l1(tree, pdf)
        with self._lock:
            if len(self._l1_cache) >= 64:
                self._l1_cache.pop(next(iter(self._l1_cache)))
            self._l1_cache[key] = content
        return content


def wrap_l1(l3: etree._ElementTree, pdf: bytes) -> bytes:
    """An eHDSI L1 CDA: the L3 header, the L1 templateId, the PDF as a nonXMLBody."""
    root = copy.deepcopy(l3.getroot())
    for tpl in root.iterchildren(f"{{{V3}}}templateId"):
        if tpl.get("root") in _L1_TEMPLATE:
            tpl.set("root", _L1_TEMPLATE[tpl.get("root", "")])
    for component in root.findall(f"{{{V3}}}component"):
        root.remove(component)
    component = etree.SubElement(root, f"{{{V3}}}component")
    body = etree.SubElement(component, f"{{{V3}}}nonXMLBody")
    text = etree.SubElement(
        body, f"{{{V3}}}text", mediaType="application/pdf", representation="B64"
    )
    text.text = base64.b64encode(pdf).decode("ascii")
    return serialize_xml(root)


def _match(patient: PatientDemographics, hcid: str) -> PatientMatch:
    birth = patient.birth_date.strftime("%Y%m%d") if patient.birth_date else None
    return PatientMatch(
        demographics=Demographics(
            ids=tuple(Hl7Id.of(_patient_id(i)) for i in patient.identifiers),
            names=(PersonName(family=(patient.family_name,), given=patient.given_names),),
            gender=patient.gender.value if patient.gender else None,
            birth_time=birth,
        ),
        custodian=hcid,
    )


def _fault(
    code: FaultCode, ehdsi_code: str, reason: str, request: Addressing | None = None
) -> bytes:
    """A SOAP 1.2 envelope whose Body is a Fault carrying the eHDSI code."""
    fault = build_soap_fault(SoapFault(code, " ".join(reason.split())[:500], ehdsi_code))
    addressing = (
        Addressing.response_to(request, WSA_FAULT_ACTION)
        if request is not None and request.message_id
        else Addressing.new_request(WSA_FAULT_ACTION)
    )
    return serialize_xml(build_envelope(fault, addressing=addressing))
