"""NCPeH-B: the initiating gateway of the country of treatment.

The client-connector operations the portal and API use (ehdsi-flows.md §7):
identify a foreign patient (XCPD), confirm the treatment relationship (TRC),
list documents (XCA ITI-38), retrieve one (ITI-39) and translate it into the
reader's language. Partners are found in the signed trust registry; each has
one pooled mutual-TLS client, reused for every transaction.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from lxml import etree

from ncpeh.errors import NcpehError
from ncpeh.gateway.wire import (
    XCA_QUERY,
    XCA_RETRIEVE,
    XCPD_REQUEST,
    Addressing,
    DocumentEntry,
    DocumentRequest,
    FindDocumentsQuery,
    PatientMatch,
    RetrieveRequest,
    WireError,
    XcpdRequest,
    build_envelope,
    build_query_request,
    build_retrieve_request,
    build_xcpd_request,
    parse_query_response,
    parse_retrieve_response,
    parse_soap_envelope,
    parse_soap_fault,
    parse_xcpd_response,
)
from ncpeh.net import PartnerClient, PartnerTimeouts, PartnerUnavailableError
from ncpeh.registry import RegistryError as TrustRegistryError
from ncpeh.registry import RegistryStore
from ncpeh.terminology import Catalogue
from ncpeh.transform import TransformReport, translate
from ncpeh.trust import (
    MAX_TRC_LIFETIME,
    AssertionSigner,
    HcpAssertion,
    HcpIdentity,
    PatientId,
    PurposeOfUse,
    TrustStore,
    build_hcp_assertion,
    build_trc_assertion,
    verify_hcp_assertion,
)
from ncpeh.xmlsafe import XmlInputError, parse_xml, serialize_xml

_Service = Literal["xcpd", "xca", "xdr"]

__all__ = ["GatewayError", "HpSession", "InitiatingGateway", "RetrievedTranslation"]


class GatewayError(NcpehError):
    """A client-connector operation failed; ``ehdsi_code`` says how (portal shows it)."""

    code = "gateway.error"

    def __init__(self, ehdsi_code: str, message: str) -> None:
        super().__init__(message)
        self.ehdsi_code = ehdsi_code


#: an assertion is renewed when less than this is left of its lifetime
RENEW_MARGIN = timedelta(minutes=5)


@dataclass(slots=True)
class HpSession:
    """A logged-in health professional: the signed HCP assertion (≤ 4 h), reused."""

    identity: HcpIdentity
    hcp_element: etree._Element = field(repr=False)
    hcp: HcpAssertion = field(repr=False)
    #: TRCs by (patient root, patient extension, purpose): (element, NotOnOrAfter)
    trcs: dict[tuple[str, str, str], tuple[etree._Element, datetime]] = field(
        default_factory=dict, repr=False
    )

    def expired(self, now: datetime) -> bool:
        """The HCP assertion is (nearly) over: the HP must log in again."""
        return now >= self.hcp.not_on_or_after - RENEW_MARGIN


@dataclass(frozen=True, slots=True)
class RetrievedTranslation:
    pivot: bytes
    translated: bytes
    report: TransformReport
    warnings: tuple[str, ...]


class InitiatingGateway:
    """NCPeH-B client connector. Thread-safe; one instance per node."""

    def __init__(
        self,
        *,
        country: str,
        signer: AssertionSigner,
        trust: TrustStore,
        registry: RegistryStore,
        client_ssl_context: ssl.SSLContext,
        catalogue: Catalogue,
        timeouts: PartnerTimeouts | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.country = country.upper()
        self._signer = signer
        self._trust = trust
        self._registry = registry
        self._ssl = client_ssl_context
        self._catalogue = catalogue
        self._timeouts = timeouts or PartnerTimeouts()
        self._clock = clock
        self._clients: dict[str, PartnerClient] = {}
        self._lock = threading.Lock()

    # -- sessions and assertions ---------------------------------------------------
    def login(self, identity: HcpIdentity) -> HpSession:
        """Issue the HCP identity assertion for an authenticated professional."""
        element = build_hcp_assertion(identity, signer=self._signer, now=self._clock())
        # Our TRC-STS reads the assertion back through the same verifier a partner uses.
        hcp = verify_hcp_assertion(
            element,
            trust=self._trust,
            expected_country=self.country,
            transaction=None,
            now=self._clock(),
        )
        return HpSession(identity, element, hcp)

    def confirm_treatment(
        self,
        session: HpSession,
        *,
        patient: PatientId,
        purpose: PurposeOfUse = PurposeOfUse.TREATMENT,
    ) -> etree._Element:
        """Issue (once per patient and purpose) the TRC assertion binding HP and patient."""
        now = self._clock()
        if session.expired(now):
            raise GatewayError(
                "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED", "the HCP assertion has expired"
            )
        key = (patient.root or "", patient.extension or "", purpose.value)
        cached = session.trcs.get(key)
        if cached is not None and now < cached[1] - RENEW_MARGIN:
            return cached[0]
        # A TRC never outlives the HCP assertion it references.
        lifetime = min(MAX_TRC_LIFETIME, session.hcp.not_on_or_after - now)
        trc = build_trc_assertion(
            session.hcp,
            patient_id=patient,
            signer=self._signer,
            purpose_of_use=purpose,
            now=now,
            lifetime=lifetime,
        )
        session.trcs[key] = (trc, now + lifetime)
        return trc

    # -- transport ---------------------------------------------------------------------
    def _client(self, country: str) -> PartnerClient:
        with self._lock:
            client = self._clients.get(country)
            if client is None:
                client = PartnerClient(country, self._ssl, timeouts=self._timeouts)
                self._clients[country] = client
            return client

    def _endpoint(self, country: str, service: _Service) -> str:
        self._registry.refresh_if_changed()
        try:
            return self._registry.registry.country(country).endpoint(service)
        except TrustRegistryError as exc:
            raise GatewayError("ERROR_GENERIC_CONNECTION_NOT_POSSIBLE", str(exc)) from None

    def _call(
        self,
        country: str,
        service: _Service,
        action: str,
        payload: etree._Element,
        assertions: list[etree._Element],
    ) -> etree._Element:
        url = self._endpoint(country, service)
        envelope = build_envelope(
            payload, addressing=Addressing.new_request(action, to=url), assertions=assertions
        )
        try:
            body = self._client(country).post_soap(url, serialize_xml(envelope), action)
        except PartnerUnavailableError as exc:
            raise GatewayError(exc.ehdsi_code, f"{country}: {exc}") from None
        try:
            answer = parse_soap_envelope(body)
        except (XmlInputError, WireError) as exc:
            raise GatewayError("ERROR_GENERIC", f"{country} answered unreadably: {exc}") from None
        if answer.is_fault:
            fault = parse_soap_fault(answer.payload)
            raise GatewayError(fault.ehdsi_code or "ERROR_GENERIC", fault.reason)
        return answer.payload

    # -- client-connector operations ------------------------------------------------
    def query_patient(
        self, session: HpSession, *, country: str, patient_ids: list[PatientId]
    ) -> list[PatientMatch]:
        """XCPD: identify the patient in their country. Raises GatewayError on no match."""
        cc = country.upper()
        request = XcpdRequest.create(
            patient_ids=patient_ids,
            sender_country=self.country,
            receiver_country=cc,
            now=self._clock(),
        )
        payload = self._call(
            cc, "xcpd", XCPD_REQUEST, build_xcpd_request(request), [session.hcp_element]
        )
        response = parse_xcpd_response(payload)
        if not response.patients:
            detail = response.details[0] if response.details else None
            raise GatewayError(
                detail.code if detail else "ERROR_PI_NO_MATCH",
                (detail.text if detail and detail.text else "no matching patient"),
            )
        return list(response.patients)

    def query_documents(
        self,
        session: HpSession,
        *,
        country: str,
        patient: PatientId,
        class_code: str,
        purpose: PurposeOfUse = PurposeOfUse.TREATMENT,
    ) -> list[DocumentEntry]:
        """XCA ITI-38 FindDocuments for one class (60591-5 PS, 57833-6 eP)."""
        cc = country.upper()
        trc = self.confirm_treatment(session, patient=patient, purpose=purpose)
        query = FindDocumentsQuery.for_class(patient, class_code)
        payload = self._call(
            cc, "xca", XCA_QUERY, build_query_request(query), [session.hcp_element, trc]
        )
        response = parse_query_response(payload)
        errors = [e for e in response.errors if not e.is_warning]
        if errors:
            raise GatewayError(errors[0].error_code, errors[0].code_context)
        return list(response.documents)

    def retrieve_document(
        self,
        session: HpSession,
        *,
        country: str,
        patient: PatientId,
        entry: DocumentEntry,
        target_language: str,
        purpose: PurposeOfUse = PurposeOfUse.TREATMENT,
    ) -> RetrievedTranslation:
        """XCA ITI-39, then translate the pivot into ``target_language`` (codes kept)."""
        cc = country.upper()
        trc = self.confirm_treatment(session, patient=patient, purpose=purpose)
        request = RetrieveRequest(
            (
                DocumentRequest(
                    entry.repository_unique_id or "", entry.unique_id, entry.home_community_id
                ),
            )
        )
        payload = self._call(
            cc, "xca", XCA_RETRIEVE, build_retrieve_request(request), [session.hcp_element, trc]
        )
        response = parse_retrieve_response(payload)
        errors = [e for e in response.errors if not e.is_warning]
        if errors or not response.documents:
            first = errors[0] if errors else None
            raise GatewayError(
                first.error_code if first else "ERROR_GENERIC_DOCUMENT_MISSING",
                first.code_context if first else "no document returned",
            )
        pivot = response.documents[0].content
        tree = parse_xml(pivot)
        result = translate(tree, catalogue=self._catalogue, language=target_language)
        warnings = tuple(e.error_code for e in response.errors) + tuple(
            w["code"] for w in result.report.warnings
        )
        return RetrievedTranslation(pivot, serialize_xml(result.tree), result.report, warnings)

    @property
    def partner_stats(self) -> dict[str, object]:
        with self._lock:
            return {cc: c.stats for cc, c in self._clients.items()}

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
