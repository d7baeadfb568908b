"""Helpers for the end-to-end gateway tests: a raw SOAP peer over mTLS and assertion surgery.

The initiating gateway only ever sends well-formed, correctly signed requests; to see
what a responding node answers to a misbehaving or malicious partner, the tests speak
SOAP themselves: build the payload with :mod:`ncpeh.gateway.wire`, put whatever
assertions they like in the ``wsse:Security`` header, and POST the envelope through a
:class:`~ncpeh.net.PartnerClient` holding some node's TLS client certificate.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from ncpeh.gateway._initiator import InitiatingGateway
from ncpeh.gateway._node import Node
from ncpeh.gateway.wire import (
    XCA_QUERY,
    XCA_QUERY_RESPONSE,
    XCA_RETRIEVE,
    XCA_RETRIEVE_RESPONSE,
    XCPD_REQUEST,
    XCPD_RESPONSE,
    Addressing,
    DocumentEntry,
    DocumentRequest,
    FindDocumentsQuery,
    QueryResponse,
    RetrieveRequest,
    RetrieveResponse,
    SoapEnvelope,
    SoapFault,
    XcpdRequest,
    XcpdResponse,
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
from ncpeh.national.seed import SeededPatient
from ncpeh.net import PartnerClient, PartnerTimeouts, client_ssl_context
from ncpeh.registry import CountryEntry, Endpoints, RegistryStore, sign_registry
from ncpeh.terminology import Catalogue
from ncpeh.trust import AssertionSigner, KeyPair, PatientId
from ncpeh.xmlsafe import serialize_xml

PS = "60591-5"
EP = "57833-6"

SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
ATTR_SUBJECT_ID = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"
#: eHDSI ``x-border`` audience every assertion must grant
AUDIENCE = "urn:ehdsi:assertions.audience:x-border"
#: the code a node answers for an ID-less / wrapped / altered signature
INTEGRITY = "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"

_SERVICE_OF_ACTION = {XCPD_REQUEST: "xcpd", XCA_QUERY: "xca", XCA_RETRIEVE: "xca"}


def saml(local: str) -> str:
    return f"{{{SAML_NS}}}{local}"


def patient_id(patient: SeededPatient) -> PatientId:
    """The XCPD/XCA form of a seeded patient's national identifier."""
    return PatientId(root=patient.identifier.domain, extension=patient.identifier.value)


# --------------------------------------------------------------------------- payloads


def xcpd_payload(pid: PatientId, *, sender: str, receiver: str) -> etree._Element:
    request = XcpdRequest.create(
        patient_ids=[pid], sender_country=sender, receiver_country=receiver
    )
    return build_xcpd_request(request)


def query_payload(pid: PatientId, class_code: str) -> etree._Element:
    return build_query_request(FindDocumentsQuery.for_class(pid, class_code))


def retrieve_payload(entry: DocumentEntry) -> etree._Element:
    wanted = DocumentRequest(
        entry.repository_unique_id or "", entry.unique_id, entry.home_community_id
    )
    return build_retrieve_request(RetrieveRequest((wanted,)))


# --------------------------------------------------------------------------- answers


@dataclass(frozen=True, slots=True)
class Answer:
    """A node's SOAP answer (raw bytes), read the way a partner reads it."""

    body: bytes

    @property
    def envelope(self) -> SoapEnvelope:
        """The answer as a SOAP envelope (raises if it is not one)."""
        return parse_soap_envelope(self.body)

    @property
    def is_fault(self) -> bool:
        return self.envelope.is_fault

    def fault(self) -> SoapFault:
        """The SOAP fault in the answer's Body."""
        assert self.is_fault, f"not a fault: {self.envelope.payload.tag}"
        return parse_soap_fault(self.envelope.payload)

    def _payload(self) -> etree._Element:
        assert not self.is_fault, f"unexpected SOAP fault: {self.fault()}"
        return self.envelope.payload

    def xcpd(self) -> XcpdResponse:
        return parse_xcpd_response(self._payload())

    def query(self) -> QueryResponse:
        return parse_query_response(self._payload())

    def retrieve(self) -> RetrieveResponse:
        return parse_retrieve_response(self._payload())

    def code(self) -> str | None:
        """The one eHDSI code on the wire: fault code, XCPD ``acknowledgementDetail``
        code, or XCA ``RegistryError/@errorCode`` (errors, not warnings); ``None`` when
        the answer carries none. More than one code is a test failure."""
        if self.is_fault:
            return self.fault().ehdsi_code
        addressing = self.envelope.addressing
        action = addressing.action if addressing else ""
        if action == XCPD_RESPONSE:
            codes = [d.code for d in self.xcpd().details]
        elif action == XCA_QUERY_RESPONSE:
            codes = [e.error_code for e in self.query().errors if not e.is_warning]
        elif action == XCA_RETRIEVE_RESPONSE:
            codes = [e.error_code for e in self.retrieve().errors if not e.is_warning]
        else:
            raise AssertionError(f"unexpected answer action {action!r}")
        assert len(codes) <= 1, f"more than one error code: {codes}"
        return codes[0] if codes else None


class RawPeer:
    """A hand-driven NCPeH-B: any TLS client identity, any assertions, any MessageID."""

    def __init__(
        self,
        name: str,
        cert_path: Path,
        key_path: Path,
        ca_path: Path,
        *,
        timeouts: PartnerTimeouts | None = None,
    ) -> None:
        context = client_ssl_context(cert_path, key_path, [ca_path])
        self.client = PartnerClient(name, context, timeouts=timeouts or PartnerTimeouts())

    def envelope(
        self,
        base_url: str,
        action: str,
        payload: etree._Element,
        assertions: Sequence[etree._Element],
        *,
        message_id: str | None = None,
    ) -> etree._Element:
        url = f"{base_url}/ncp/{_SERVICE_OF_ACTION[action]}"
        addressing = Addressing.new_request(action, to=url)
        if message_id is not None:
            addressing = Addressing(
                action=action, message_id=message_id, to=url, reply_to=addressing.reply_to
            )
        return build_envelope(payload, addressing=addressing, assertions=assertions)

    def post_envelope(self, base_url: str, envelope: etree._Element) -> Answer:
        action = envelope.findtext(
            "{*}Header/{http://www.w3.org/2005/08/addressing}Action", default=""
        )
        url = f"{base_url}/ncp/{_SERVICE_OF_ACTION[action]}"
        body = self.client.post_soap(url, serialize_xml(envelope), action)
        return Answer(body)

    def send(
        self,
        base_url: str,
        action: str,
        payload: etree._Element,
        assertions: Sequence[etree._Element],
        *,
        message_id: str | None = None,
    ) -> Answer:
        env = self.envelope(base_url, action, payload, assertions, message_id=message_id)
        return self.post_envelope(base_url, env)

    def close(self) -> None:
        self.client.close()


# --------------------------------------------------------------------------- assertions


def resign(
    assertion: etree._Element,
    signer: AssertionSigner,
    mutate: Callable[[etree._Element], None],
) -> etree._Element:
    """A copy of ``assertion`` with ``mutate`` applied, then validly signed by ``signer``.

    The old signature is removed first, so the result differs from the original only in
    what ``mutate`` changed (and in the signature value): a node that refuses it refuses
    *that* change, not a broken signature.
    """
    clone = copy.deepcopy(assertion)
    for signature in clone.findall(f"{{{DS_NS}}}Signature"):
        clone.remove(signature)
    mutate(clone)
    return signer.sign(clone)


def tamper(assertion: etree._Element, mutate: Callable[[etree._Element], None]) -> etree._Element:
    """A copy of a signed assertion with ``mutate`` applied *after* signing (no re-signing)."""
    clone = copy.deepcopy(assertion)
    mutate(clone)
    return clone


def attribute_value(assertion: etree._Element, name: str) -> etree._Element:
    """The single ``AttributeValue`` of attribute ``name``."""
    values = assertion.findall(
        f"{saml('AttributeStatement')}/{saml('Attribute')}[@Name='{name}']/{saml('AttributeValue')}"
    )
    assert len(values) == 1, f"attribute {name}: {len(values)} values"
    return values[0]


def instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def set_issue_instant(moment: datetime) -> Callable[[etree._Element], None]:
    def mutate(el: etree._Element) -> None:
        el.set("IssueInstant", instant(moment))

    return mutate


def set_audience(audience: str) -> Callable[[etree._Element], None]:
    def mutate(el: etree._Element) -> None:
        found = el.findall(f"{saml('Conditions')}/{saml('AudienceRestriction')}/{saml('Audience')}")
        assert len(found) == 1
        found[0].text = audience

    return mutate


def set_subject_name(name: str) -> Callable[[etree._Element], None]:
    def mutate(el: etree._Element) -> None:
        attribute_value(el, ATTR_SUBJECT_ID).text = name

    return mutate


def set_not_on_or_after(moment: datetime) -> Callable[[etree._Element], None]:
    def mutate(el: etree._Element) -> None:
        conditions = el.find(saml("Conditions"))
        assert conditions is not None
        conditions.set("NotOnOrAfter", instant(moment))

    return mutate


# --------------------------------------------------------------------------- XML wrapping


def _forged(signed: etree._Element, *, new_id: str | None = None) -> etree._Element:
    """The signed assertion with a changed HP name (and optionally a new ID), the original
    signature left in place: what an attacker who intercepted it would send."""
    forged = tamper(signed, set_subject_name("Mallory (forged)"))
    if new_id is not None:
        forged.set("ID", new_id)
    return forged


def xsw_envelope(
    peer: RawPeer,
    base_url: str,
    action: str,
    payload: etree._Element,
    signed_hcp: etree._Element,
    others: Sequence[etree._Element],
    variant: str,
) -> etree._Element:
    """An envelope whose security header carries a forged HCP assertion next to (or
    around) the genuinely signed one, in one of the classic wrapping layouts:

    * ``sibling-header``: forged copy (same ID) in ``wsse:Security``, the signed original
      moved into another header block;
    * ``inside-security``: the same, the original hidden in a wrapper element inside
      ``wsse:Security`` (not a direct child, so not taken as an assertion);
    * ``nested``: a forged assertion with a new ID that carries the signed original
      inside itself (signature still referencing the original's ID);
    * ``signature-object``: forged copy (same ID) whose ``ds:Signature`` holds the
      original in a ``ds:Object``.
    """
    original = copy.deepcopy(signed_hcp)
    if variant == "sibling-header":
        forged = _forged(signed_hcp)
        env = peer.envelope(base_url, action, payload, [forged, *others])
        header = env.find(f"{{{SOAP12_NS}}}Header")
        assert header is not None
        wrapper = etree.SubElement(header, "{urn:test:xsw}Wrapper")
        wrapper.append(original)
        return env
    if variant == "inside-security":
        forged = _forged(signed_hcp)
        env = peer.envelope(base_url, action, payload, [forged, *others])
        security = env.find(f"{{{SOAP12_NS}}}Header/{{{WSSE_NS}}}Security")
        assert security is not None
        wrapper = etree.SubElement(security, "{urn:test:xsw}Wrapper")
        wrapper.append(original)
        return env
    if variant == "nested":
        forged = _forged(signed_hcp, new_id="_forged-" + (signed_hcp.get("ID") or "")[1:])
        subject = forged.find(saml("Subject"))
        assert subject is not None
        subject.addnext(original)
        return peer.envelope(base_url, action, payload, [forged, *others])
    if variant == "signature-object":
        forged = _forged(signed_hcp)
        signature = forged.find(f"{{{DS_NS}}}Signature")
        assert signature is not None
        obj = etree.SubElement(signature, f"{{{DS_NS}}}Object")
        obj.append(original)
        return peer.envelope(base_url, action, payload, [forged, *others])
    raise ValueError(f"unknown wrapping variant {variant!r}")


# --------------------------------------------------------------------------- initiators


def resigned_registry(
    network_dir: Path,
    entries: Sequence[CountryEntry],
    anchor: x509.Certificate,
    target: Path,
    *,
    moved: dict[str, str] | None = None,
) -> RegistryStore:
    """A copy of the network's trust registry, signed again by the demo CA, in which the
    countries of ``moved`` list their SOAP endpoints under another base URL."""
    ca_key = serialization.load_pem_private_key(
        (network_dir / "pki" / "ca" / "ca.key.pem").read_bytes(), password=None
    )
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    changed = []
    for entry in entries:
        base = (moved or {}).get(entry.country)
        if base is not None:
            entry = replace(
                entry,
                endpoints=Endpoints(
                    xcpd=f"{base}/ncp/xcpd", xca=f"{base}/ncp/xca", xdr=f"{base}/ncp/xdr"
                ),
            )
        changed.append(entry)
    target.write_bytes(sign_registry(changed, ca_key, anchor))
    return RegistryStore(target, anchor)


def make_initiator(
    node: Node,
    catalogue: Catalogue,
    *,
    registry: RegistryStore | None = None,
    tls_client: KeyPair | None = None,
    timeouts: PartnerTimeouts | None = None,
) -> InitiatingGateway:
    """Another NCPeH-B for ``node``'s country: same signing key and trust anchors, but its
    own registry view, TLS client identity or time limits (the caller closes it)."""
    tls = tls_client or node.keys.tls_client
    return InitiatingGateway(
        country=node.config.country,
        signer=AssertionSigner.from_node_keys(node.keys),
        trust=node.trust,
        registry=registry or node.registry,
        client_ssl_context=client_ssl_context(
            tls.certificate_path, tls.key_path, [node.keys.ca_path]
        ),
        catalogue=catalogue,
        timeouts=timeouts,
    )
