"""Verify eHDSI HCP and TRC assertions: signature first, then read only the signed node.

Order (``trust-security.md`` §2.4): pin the signature location and algorithms,
check the single certificate against the trust store, verify with signxml, then
read **only** ``verify(...).signed_xml`` — never the received tree, which may
carry a wrapped forgery (XSW) or comments that split text nodes (the
CVE-2017-11427 family). Then structure, time, binding and policy.

Location pinning, beyond signxml's ``location="./"``:

* the ``ds:Signature`` is the direct child right after ``Issuer``;
* there is exactly one signature and no nested assertion in the assertion;
* the single ``Reference`` URI is ``#`` + the assertion's own ``ID``, and that
  ``ID`` occurs once in the whole received document;
* the node signxml returns as signed *is* the assertion (same tag, same ``ID``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ncpeh.trust._assertions import MAX_HCP_LIFETIME, MAX_TRC_LIFETIME
from ncpeh.trust._errors import (
    AssertionMissingError,
    AssertionTimeError,
    HpInformationError,
    InsufficientRightsError,
    InvalidAssertionError,
    IssuerCountryError,
    OrganisationMissingError,
    ParameterMismatchError,
    PatientMismatchError,
    PointOfCareMissingError,
    SignatureError,
    TrcBindingError,
    WeakAuthenticationError,
)
from ncpeh.trust._identifiers import PatientId
from ncpeh.trust._models import HcpAssertion, SignedAssertion, TrcAssertion
from ncpeh.trust._pki import certificate_country
from ncpeh.trust._policy import AssertionPolicy, PurposeOfUse, Role, Transaction, default_policy
from ncpeh.trust._saml import (
    ASSERTION,
    ATTR_DISPENSATION_PIN,
    ATTR_FACILITY_TYPE,
    ATTR_FACILITY_TYPE_OLD,
    ATTR_HOME_COMMUNITY,
    ATTR_LOCALITY,
    ATTR_ON_BEHALF_OF,
    ATTR_ORGANIZATION,
    ATTR_ORGANIZATION_ID,
    ATTR_PERMISSION,
    ATTR_PRESCRIPTION_ID,
    ATTR_PURPOSE_OF_USE,
    ATTR_ROLE,
    ATTR_SUBJECT_ID,
    AUDIENCE,
    C14N_EXCLUSIVE,
    DS_NS,
    HL7_NS,
    ISCO_OID,
    ISSUER,
    QUALIFIER_HCP,
    QUALIFIER_NOK,
    QUALIFIER_TRC,
    SAML_NS,
    SENDER_VOUCHES,
    SIGNATURE,
    TRANSFORM_ENVELOPED,
    issuer_country,
    parse_instant,
    q,
    short_permission,
)
from ncpeh.trust._truststore import TrustStore

__all__ = [
    "CLOCK_SKEW",
    "AssertionSet",
    "check_permissions_or_raise",
    "select_assertions",
    "verify_assertion_integrity",
    "verify_assertion_signature",
    "verify_hcp_assertion",
    "verify_trc_assertion",
]

#: ``trust-security.md`` §2.1: ±60 s clock skew.
CLOCK_SKEW: Final = timedelta(seconds=60)

_ALLOWED_SIGNATURE_METHODS: Final = frozenset(
    {SignatureMethod.RSA_SHA256, SignatureMethod.RSA_SHA384, SignatureMethod.RSA_SHA512}
)
_ALLOWED_DIGESTS: Final = frozenset(
    {DigestAlgorithm.SHA256, DigestAlgorithm.SHA384, DigestAlgorithm.SHA512}
)
_ID_XPATH: Final = etree.XPath("//*[@*[local-name() = 'ID'] = $id]")


@dataclass(frozen=True, slots=True)
class AssertionSet:
    """The assertions of one ``wsse:Security`` header, by ``Issuer/@NameQualifier``."""

    hcp: etree._Element | None
    trc: etree._Element | None
    nok: etree._Element | None

    def hcp_or_raise(self) -> etree._Element:
        """The HCP assertion, which every transaction requires.

        Raises:
            AssertionMissingError: ``ERROR_HPI_AUTHENTICATION_NOT_RECEIVED``.
        """
        if self.hcp is None:
            raise AssertionMissingError("no HCP identity assertion in the security header")
        return self.hcp

    def trc_or_raise(self) -> etree._Element:
        """The TRC assertion, required by XCA and XDR (``trust-security.md`` §2)."""
        if self.trc is None:
            raise AssertionMissingError("no TRC assertion in the security header")
        return self.trc


def select_assertions(elements: Iterable[etree._Element]) -> AssertionSet:
    """Sort received assertions by kind; more than one of a kind is refused.

    Two HCP assertions in one header are a wrapping/duplication attempt (or a
    broken client); either way we cannot tell which one the sender meant.

    Raises:
        InvalidAssertionError: duplicated kind, or an assertion of unknown kind.
    """
    found: dict[str, etree._Element] = {}
    for el in elements:
        if el.tag != ASSERTION:
            raise InvalidAssertionError(f"not a SAML 2.0 assertion: {el.tag}")
        issuer = el.find(ISSUER)
        qualifier = issuer.get("NameQualifier", "") if issuer is not None else ""
        if qualifier not in (QUALIFIER_HCP, QUALIFIER_TRC, QUALIFIER_NOK):
            raise InvalidAssertionError(f"unknown assertion kind (NameQualifier {qualifier!r})")
        if qualifier in found:
            raise InvalidAssertionError(f"more than one {qualifier} assertion in the header")
        found[qualifier] = el
    return AssertionSet(
        hcp=found.get(QUALIFIER_HCP), trc=found.get(QUALIFIER_TRC), nok=found.get(QUALIFIER_NOK)
    )


def verify_assertion_signature(
    assertion: etree._Element, *, trust: TrustStore, now: datetime
) -> SignedAssertion:
    """Verify the enveloped signature of one assertion against ``trust``.

    Args:
        assertion: the received ``saml2:Assertion`` element, still inside its
            document (ID uniqueness is checked against the whole document).
        trust: CA anchors and/or pinned certificates.
        now: verification time for the certificate validity.

    Returns:
        The signed node (read only this) and the signing certificate.

    Raises:
        SignatureError: missing/misplaced/invalid signature, or any XSW variant.
        UntrustedIssuerError: the certificate is not trusted at ``now``.
    """
    moment = _aware(now)
    certificate = _pin_signature_location(assertion)
    trust.verify_signing_certificate_or_raise(certificate, at=moment)
    return _verify_with_certificate(assertion, certificate, moment)


def verify_assertion_integrity(assertion: etree._Element) -> SignedAssertion:
    """Check the signature with the certificate embedded in ``KeyInfo``, trusting nothing.

    This proves only that the assertion is unaltered since *someone* signed it.
    It is for diagnostics and conformance corpora (samples whose CA we do not
    hold and whose lifetimes are long past); **never** for authorisation. The
    certificate's own validity period is ignored for the same reason. All the
    location pinning and XSW checks of :func:`verify_assertion_signature` apply.
    """
    certificate = _pin_signature_location(assertion)
    return _verify_with_certificate(assertion, certificate, certificate.not_valid_before_utc)


def verify_hcp_assertion(
    assertion: etree._Element,
    *,
    trust: TrustStore,
    expected_country: str,
    transaction: Transaction | None,
    now: datetime | None = None,
    policy: AssertionPolicy | None = None,
) -> HcpAssertion:
    """Verify an HCP identity assertion end to end and return its typed content.

    Args:
        assertion: the received element (see :func:`select_assertions`).
        trust: who may sign.
        expected_country: the TLS peer's country (``C=`` of its client certificate);
            issuer and signing certificate must both name it.
        transaction: the service asked for, whose permissions are checked; pass
            ``None`` explicitly only where no transaction applies (the TRC-STS).
        now: verification time; the current UTC time by default.
        policy: acceptance tables; the packaged eHDSI ones by default.

    Raises:
        TrustError: a subclass naming the first failed check; ``ehdsi_code``
            is the code to answer with.
    """
    pol = policy or default_policy()
    moment = _aware(now)
    signed = verify_assertion_signature(assertion, trust=trust, now=moment)
    hcp = _read_hcp(signed)
    _check_country(hcp.issuer_country, signed.certificate, expected_country)
    _check_times(hcp.issue_instant, hcp.not_before, hcp.not_on_or_after, MAX_HCP_LIFETIME, moment)
    _check_hcp_policy(hcp, pol)
    if transaction is not None:
        check_permissions_or_raise(hcp, transaction, policy=pol)
    return hcp


def verify_trc_assertion(
    assertion: etree._Element,
    *,
    trust: TrustStore,
    hcp: HcpAssertion,
    patient_id: PatientId,
    now: datetime | None = None,
    prescription_id: str | None = None,
    dispensation_pin_code: str | None = None,
) -> TrcAssertion:
    """Verify a TRC against the already verified HCP assertion and the queried patient.

    Args:
        assertion: the received TRC element.
        trust: who may sign.
        hcp: the verified HCP assertion of the same request.
        patient_id: the patient of the query (XDS ``$XDSDocumentEntryPatientId``,
            the retrieved document's patient, or the XDR submission's patient).
        now: verification time.
        prescription_id / dispensation_pin_code: query parameters that, when the
            TRC carries them, must match (``4207``).

    Raises:
        TrcBindingError: ``AssertionIDRef`` ≠ HCP ``ID`` or NameID differs (``1002``).
        PatientMismatchError: TRC patient ≠ ``patient_id`` (``4206``).
        ParameterMismatchError: prescription id / PIN differ (``4207``).
    """
    moment = _aware(now)
    signed = verify_assertion_signature(assertion, trust=trust, now=moment)
    trc = _read_trc(signed)
    _check_country(trc.issuer_country, signed.certificate, hcp.issuer_country)
    _check_times(trc.issue_instant, trc.not_before, trc.not_on_or_after, MAX_TRC_LIFETIME, moment)
    if trc.hcp_assertion_id != hcp.id:
        raise TrcBindingError(
            f"TRC AssertionIDRef {trc.hcp_assertion_id!r} is not the HCP assertion ID {hcp.id!r}"
        )
    if trc.name_id != hcp.name_id:
        raise TrcBindingError("TRC NameID differs from the HCP assertion NameID")
    if trc.patient_id != patient_id:
        raise PatientMismatchError(
            "the queried patient is not the patient of the TRC assertion "
            f"(query {patient_id.root}, TRC {trc.patient_id.root})"
        )
    for label, asked, confirmed in (
        ("prescription id", prescription_id, trc.prescription_id),
        ("dispensation PIN", dispensation_pin_code, trc.dispensation_pin_code),
    ):
        if confirmed is not None and asked != confirmed:
            raise ParameterMismatchError(f"{label} of the query differs from the TRC")
    return trc


def check_permissions_or_raise(
    hcp: HcpAssertion, transaction: Transaction, *, policy: AssertionPolicy | None = None
) -> None:
    """Every permission the transaction needs must be in the HCP assertion (``4703``)."""
    needed = (policy or default_policy()).required_permissions(transaction)
    missing = sorted(needed - hcp.permissions)
    if missing:
        raise InsufficientRightsError(
            f"{transaction.value} needs permission(s) {', '.join(missing)}"
        )


# --------------------------------------------------------------------------- signature


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("'now' must be timezone-aware")
    return now.astimezone(UTC)


def _element_children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def _pin_signature_location(assertion: etree._Element) -> x509.Certificate:
    """Structural XSW defences on the received tree; returns the single certificate."""
    if assertion.tag != ASSERTION:
        raise SignatureError(f"expected a SAML 2.0 Assertion, got {assertion.tag}")
    assertion_id = assertion.get("ID")
    if not assertion_id:
        raise SignatureError("assertion has no ID")
    children = _element_children(assertion)
    if len(children) < 2 or children[0].tag != ISSUER or children[1].tag != SIGNATURE:
        raise SignatureError("ds:Signature must be the element right after saml2:Issuer")
    signature = children[1]
    if len(assertion.findall(".//" + SIGNATURE)) != 1:
        raise SignatureError("assertion contains more than one ds:Signature")
    if assertion.find(".//" + ASSERTION) is not None:
        raise SignatureError("assertion contains a nested assertion")
    doc_root = assertion.getroottree().getroot()
    if len(_ID_XPATH(doc_root, id=assertion_id)) != 1:  # type: ignore[arg-type]
        raise SignatureError(f"ID {assertion_id!r} is not unique in the message")
    signed_info = signature.find(q(DS_NS, "SignedInfo"))
    if signed_info is None:
        raise SignatureError("signature has no SignedInfo")
    c14n = signed_info.find(q(DS_NS, "CanonicalizationMethod"))
    if c14n is None or c14n.get("Algorithm") != C14N_EXCLUSIVE:
        raise SignatureError("SignedInfo must use exclusive C14N")
    references = signed_info.findall(q(DS_NS, "Reference"))
    if len(references) != 1:
        raise SignatureError(f"expected one Reference, found {len(references)}")
    if references[0].get("URI") != f"#{assertion_id}":
        raise SignatureError(
            f"signature references {references[0].get('URI')!r}, not the assertion #{assertion_id}"
        )
    transforms = [
        t.get("Algorithm")
        for t in references[0].iterfind(f"{{{DS_NS}}}Transforms/{{{DS_NS}}}Transform")
    ]
    if transforms != [TRANSFORM_ENVELOPED, C14N_EXCLUSIVE]:
        raise SignatureError(f"unexpected signature transforms {transforms}")
    certs = signature.findall(f"{{{DS_NS}}}KeyInfo/{{{DS_NS}}}X509Data/{{{DS_NS}}}X509Certificate")
    if len(certs) != 1 or len(signature.findall(f".//{{{DS_NS}}}X509Certificate")) != 1:
        raise SignatureError("KeyInfo must carry exactly one X509Certificate")
    try:
        der = base64.b64decode("".join((certs[0].text or "").split()), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"KeyInfo certificate is not readable: {exc}") from None


def _verify_with_certificate(
    assertion: etree._Element, certificate: x509.Certificate, at: datetime
) -> SignedAssertion:
    config = SignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=_ALLOWED_SIGNATURE_METHODS,
        digest_algorithms=_ALLOWED_DIGESTS,
        verification_time=at,
    )
    # Serialise the assertion alone (no tail): the reference must resolve inside it.
    data = etree.tostring(assertion, with_tail=False)
    # An HCP assertion is legitimately reused for many transactions (<= 4 h): the
    # cryptographic check of byte-identical content with the same certificate is done
    # once (house-style.md §3 rule 9). The location and XSW checks on the received
    # message, the trust-store check and every semantic check still run each time.
    key = hashlib.sha256(data + certificate.fingerprint(hashes.SHA256())).digest()
    with _VERIFIED_LOCK:
        cached = _VERIFIED.get(key)
        if cached is not None:
            _VERIFIED.move_to_end(key)
    if cached is not None:
        return SignedAssertion(element=cached, certificate=certificate)
    try:
        result = XMLVerifier().verify(
            data, x509_cert=certificate, id_attribute="ID", expect_config=config
        )
    except InvalidInput as exc:
        raise SignatureError(f"signature not acceptable: {exc}") from None
    except SignXMLException as exc:
        raise SignatureError(f"signature verification failed: {exc}") from None
    if isinstance(result, list):  # pragma: no cover - expect_references=1 returns one
        raise SignatureError("expected a single signature reference")
    signed = result.signed_xml
    if not isinstance(signed, etree._Element):
        raise SignatureError("signed content is not an element")
    if signed.tag != ASSERTION or signed.get("ID") != assertion.get("ID"):
        raise SignatureError("the signed node is not the assertion itself (signature wrapping)")
    with _VERIFIED_LOCK:
        _VERIFIED[key] = signed
        if len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.popitem(last=False)
    return SignedAssertion(element=signed, certificate=certificate)


#: signed nodes of assertions whose signature verified, by sha256(bytes + certificate)
_VERIFIED: OrderedDict[bytes, etree._Element] = OrderedDict()
_VERIFIED_MAX = 4096
_VERIFIED_LOCK = threading.Lock()


# --------------------------------------------------------------------------- reading


def _one(el: etree._Element, path: str, what: str) -> etree._Element:
    found = el.findall(path)
    if len(found) != 1:
        raise InvalidAssertionError(f"expected exactly one {what}, found {len(found)}")
    return found[0]


def _text(el: etree._Element) -> str:
    return "".join(t for t in el.itertext() if isinstance(t, str)).strip()


@dataclass(frozen=True, slots=True)
class _Common:
    id: str
    issuer: str
    issue_instant: datetime
    not_before: datetime
    not_on_or_after: datetime
    name_id: str
    name_id_format: str | None
    authn_context: str | None
    attributes: dict[str, list[etree._Element]]


def _read_common(root: etree._Element, qualifier: str) -> _Common:
    s = f"{{{SAML_NS}}}"
    if root.get("Version") != "2.0":
        raise InvalidAssertionError(f"SAML Version must be 2.0, got {root.get('Version')!r}")
    issuer_el = _one(root, s + "Issuer", "Issuer")
    if issuer_el.get("NameQualifier") != qualifier:
        raise InvalidAssertionError(
            f"Issuer NameQualifier is {issuer_el.get('NameQualifier')!r}, expected {qualifier!r}"
        )
    subject = _one(root, s + "Subject", "Subject")
    name_id_el = _one(subject, s + "NameID", "Subject/NameID")
    name_id = _text(name_id_el)
    if not name_id:
        raise InvalidAssertionError("Subject/NameID is empty")
    methods = [c.get("Method") for c in subject.findall(s + "SubjectConfirmation")]
    if methods != [SENDER_VOUCHES]:
        raise InvalidAssertionError(f"SubjectConfirmation must be sender-vouches, got {methods}")
    conditions = _one(root, s + "Conditions", "Conditions")
    restrictions = conditions.findall(s + "AudienceRestriction")
    if not restrictions or any(
        AUDIENCE not in [_text(a) for a in r.findall(s + "Audience")] for r in restrictions
    ):
        raise InvalidAssertionError(f"audience {AUDIENCE} is not granted")
    try:
        issue_instant = parse_instant(root.get("IssueInstant", ""))
        not_before = parse_instant(conditions.get("NotBefore", ""))
        not_on_or_after = parse_instant(conditions.get("NotOnOrAfter", ""))
    except ValueError as exc:
        raise AssertionTimeError(f"missing or malformed time in assertion: {exc}") from None
    contexts = root.findall(f"{s}AuthnStatement/{s}AuthnContext/{s}AuthnContextClassRef")
    if len(contexts) > 1:
        raise InvalidAssertionError("more than one AuthnContextClassRef")
    attributes: dict[str, list[etree._Element]] = {}
    for stmt in root.findall(s + "AttributeStatement"):
        for attr in stmt.findall(s + "Attribute"):
            name = attr.get("Name", "")
            if name in attributes:
                raise InvalidAssertionError(f"attribute {name} appears more than once")
            attributes[name] = attr.findall(s + "AttributeValue")
    return _Common(
        id=root.get("ID", ""),
        issuer=_text(issuer_el),
        issue_instant=issue_instant,
        not_before=not_before,
        not_on_or_after=not_on_or_after,
        name_id=name_id,
        name_id_format=name_id_el.get("Format"),
        authn_context=_text(contexts[0]) if contexts else None,
        attributes=attributes,
    )


def _string(attrs: dict[str, list[etree._Element]], *names: str) -> str | None:
    for name in names:
        values = attrs.get(name)
        if values is None:
            continue
        if len(values) != 1:
            raise InvalidAssertionError(f"attribute {name} must have one value")
        return _text(values[0]) or None
    return None


def _coded(values: Sequence[etree._Element], local: str) -> etree._Element | None:
    if len(values) != 1:
        raise InvalidAssertionError(f"{local} attribute must have one value")
    for child in _element_children(values[0]):
        if child.tag in (f"{{{HL7_NS}}}{local}", local):
            return child
    return None


def _role(attrs: dict[str, list[etree._Element]], name: str) -> Role | None:
    values = attrs.get(name)
    if values is None:
        return None
    el = _coded(values, "Role")
    if el is None:
        raise HpInformationError("role attribute does not hold an HL7 Role element")
    if el.get("codeSystem") != ISCO_OID:
        raise HpInformationError(f"role code system {el.get('codeSystem')!r} is not ISCO-08")
    return Role(code=el.get("code", ""), display_name=el.get("displayName", ""))


def _purpose(attrs: dict[str, list[etree._Element]]) -> PurposeOfUse | None:
    values = attrs.get(ATTR_PURPOSE_OF_USE)
    if values is None:
        return None
    el = _coded(values, "PurposeOfUse") if _element_children(values[0]) else None
    code = el.get("code", "") if el is not None else _text(values[0])
    try:
        return PurposeOfUse(code)
    except ValueError:
        raise InsufficientRightsError(f"purpose of use {code!r} is not allowed") from None


def _issuer_country_or_raise(issuer: str, kind: str) -> str:
    cc = issuer_country(issuer, kind=kind)
    if cc is None:
        raise InvalidAssertionError(f"issuer {issuer!r} is not urn:{kind}:<CC>:countryB")
    return cc


def _read_hcp(signed: SignedAssertion) -> HcpAssertion:
    c = _read_common(signed.element, QUALIFIER_HCP)
    role = _role(c.attributes, ATTR_ROLE)
    if role is None:
        raise HpInformationError("HCP assertion has no role")
    purpose = _purpose(c.attributes)
    if purpose is None:
        raise InsufficientRightsError("HCP assertion has no purpose of use")
    if c.authn_context is None:
        raise WeakAuthenticationError("HCP assertion has no AuthnContextClassRef")
    permissions = frozenset(
        short_permission(_text(v)) for v in c.attributes.get(ATTR_PERMISSION, [])
    )
    return HcpAssertion(
        id=c.id,
        issuer=c.issuer,
        issuer_country=_issuer_country_or_raise(c.issuer, "idp"),
        issue_instant=c.issue_instant,
        not_before=c.not_before,
        not_on_or_after=c.not_on_or_after,
        name_id=c.name_id,
        name_id_format=c.name_id_format,
        authn_context=c.authn_context,
        subject_name=_string(c.attributes, ATTR_SUBJECT_ID),
        role=role,
        purpose_of_use=purpose,
        permissions=permissions,
        organization=_string(c.attributes, ATTR_ORGANIZATION),
        organization_id=_string(c.attributes, ATTR_ORGANIZATION_ID),
        facility_type=_string(c.attributes, ATTR_FACILITY_TYPE, ATTR_FACILITY_TYPE_OLD),
        locality=_string(c.attributes, ATTR_LOCALITY),
        home_community_id=_string(c.attributes, ATTR_HOME_COMMUNITY),
        on_behalf_of=_role(c.attributes, ATTR_ON_BEHALF_OF),
        certificate=signed.certificate,
        signed_element=signed.element,
    )


def _read_trc(signed: SignedAssertion) -> TrcAssertion:
    c = _read_common(signed.element, QUALIFIER_TRC)
    s = f"{{{SAML_NS}}}"
    refs = signed.element.findall(f"{s}Advice/{s}AssertionIDRef")
    if len(refs) != 1:
        raise TrcBindingError(f"TRC must carry one Advice/AssertionIDRef, found {len(refs)}")
    patient = _string(c.attributes, ATTR_SUBJECT_ID)
    if patient is None:
        raise InvalidAssertionError("TRC has no patient (subject-id)")
    try:
        patient_id = PatientId.from_cx(patient)
    except ValueError as exc:
        raise InvalidAssertionError(f"TRC patient is not a CX identifier: {exc}") from None
    return TrcAssertion(
        id=c.id,
        issuer=c.issuer,
        issuer_country=_issuer_country_or_raise(c.issuer, "initgw"),
        issue_instant=c.issue_instant,
        not_before=c.not_before,
        not_on_or_after=c.not_on_or_after,
        name_id=c.name_id,
        hcp_assertion_id=_text(refs[0]),
        patient_id=patient_id,
        purpose_of_use=_purpose(c.attributes),
        prescription_id=_string(c.attributes, ATTR_PRESCRIPTION_ID),
        dispensation_pin_code=_string(c.attributes, ATTR_DISPENSATION_PIN),
        authn_context=c.authn_context,
        certificate=signed.certificate,
        signed_element=signed.element,
    )


# --------------------------------------------------------------------------- checks


def _check_country(issuer_cc: str, certificate: x509.Certificate, expected: str) -> None:
    want = expected.strip().upper()
    if issuer_cc != want:
        raise IssuerCountryError(f"assertion issued by {issuer_cc}, expected {want}")
    cert_cc = certificate_country(certificate)
    if cert_cc != want:
        raise IssuerCountryError(f"signing certificate country is {cert_cc}, expected {want}")


def _check_times(
    issue_instant: datetime,
    not_before: datetime,
    not_on_or_after: datetime,
    max_lifetime: timedelta,
    now: datetime,
) -> None:
    if not_on_or_after <= not_before:
        raise AssertionTimeError("NotOnOrAfter is not after NotBefore")
    if not_on_or_after - not_before > max_lifetime:
        raise AssertionTimeError(
            f"validity window {not_on_or_after - not_before} exceeds {max_lifetime}"
        )
    if issue_instant > now + CLOCK_SKEW:
        raise AssertionTimeError("IssueInstant is in the future")
    if now + CLOCK_SKEW < not_before:
        raise AssertionTimeError("assertion is not yet valid (NotBefore)")
    if now - CLOCK_SKEW >= not_on_or_after:
        raise AssertionTimeError("assertion has expired (NotOnOrAfter)")


def _check_hcp_policy(hcp: HcpAssertion, policy: AssertionPolicy) -> None:
    if not hcp.subject_name:
        raise HpInformationError("HCP assertion has no subject-id (HP name)")
    if hcp.authn_context not in policy.two_factor_authn_contexts:
        raise WeakAuthenticationError(f"AuthnContext {hcp.authn_context} is not two-factor")
    if hcp.role not in policy.roles:
        raise HpInformationError(
            f"role {hcp.role.code} {hcp.role.display_name!r} is not an accepted code/displayName"
        )
    if hcp.role.code in policy.roles_needing_on_behalf_of and hcp.on_behalf_of is None:
        raise HpInformationError(f"role {hcp.role.code} requires on-behalf-of")
    if hcp.purpose_of_use.value not in policy.purposes_of_use:
        raise InsufficientRightsError(f"purpose of use {hcp.purpose_of_use} is not allowed")
    if not (hcp.organization or hcp.organization_id):
        raise OrganisationMissingError("HCP assertion names no organisation")
    if not hcp.locality:
        raise PointOfCareMissingError("HCP assertion names no point of care (locality)")
    if hcp.facility_type not in policy.facility_types:
        raise HpInformationError(f"healthcare facility type {hcp.facility_type!r} is not accepted")
