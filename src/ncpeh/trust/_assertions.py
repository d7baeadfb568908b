"""Build and sign the eHDSI HCP identity assertion and the TRC assertion.

Shape, order and names follow ``trust-security.md`` §2 and the signed OpenNCP
samples (``wire/saml/openncp_soap_header.xml``): SAML 2.0; ``Issuer`` with
``NameQualifier``; ``Subject`` with sender-vouches; ``Conditions`` with the
``x-border`` audience; (TRC) ``Advice/AssertionIDRef``; ``AuthnStatement``;
``AttributeStatement``. The enveloped XML-DSig uses exclusive C14N, RSA-SHA256
and a SHA-256 digest over ``#<ID>``, with one ``X509Certificate``.

signxml appends ``ds:Signature`` last, but the SAML schema wants it right after
``Issuer``; a ``<ds:Signature Id="placeholder"/>`` put there before signing is
filled in place (``trust-security.md`` §4, "Signature placement").

Attribute values carry ``xsi:type="xsd:string"`` like OpenNCP's, so the ``xsd``
prefix is listed in the reference's ``InclusiveNamespaces`` — exclusive C14N
would otherwise drop a prefix used only inside an attribute value.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, cast

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import SignatureReference, XMLSigner

from ncpeh.trust._errors import AssertionBuildError, PkiError
from ncpeh.trust._identifiers import PatientId
from ncpeh.trust._models import HcpAssertion, HcpIdentity
from ncpeh.trust._pki import NodeKeys, certificate_country
from ncpeh.trust._policy import AssertionPolicy, PurposeOfUse, Role, default_policy
from ncpeh.trust._saml import (
    AC_PREVIOUS_SESSION,
    ATTR_DISPENSATION_PIN,
    ATTR_FACILITY_TYPE,
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
    ATTRNAME_URI,
    AUDIENCE,
    C14N_EXCLUSIVE,
    DS_NS,
    EC_NS,
    FRIENDLY_NAMES,
    HL7_NS,
    ISCO_OID,
    PERMISSION_PREFIX,
    POU_SYSTEM,
    POU_SYSTEM_NAME,
    QUALIFIER_HCP,
    QUALIFIER_TRC,
    SAML_NS,
    SENDER_VOUCHES,
    XSD_NS,
    XSI_NS,
    format_instant,
    hcp_issuer,
    is_short_permission,
    q,
    trc_issuer,
)

__all__ = [
    "MAX_HCP_LIFETIME",
    "MAX_TRC_LIFETIME",
    "AssertionSigner",
    "build_hcp_assertion",
    "build_trc_assertion",
]

#: ``trust-security.md`` §2.1: NotOnOrAfter − NotBefore ≤ 4 h.
MAX_HCP_LIFETIME: Final = timedelta(hours=4)
#: ``trust-security.md`` §2.2: the TRC issuer sets issue time + 2 h.
MAX_TRC_LIFETIME: Final = timedelta(hours=2)

_NSMAP: Final = {"saml2": SAML_NS, "xsd": XSD_NS, "xsi": XSI_NS}
_XSI_TYPE: Final = q(XSI_NS, "type")
# HL7 elements use the default namespace, as OpenNCP writes them (lxml-stubs type the
# nsmap keys as str, but lxml takes None for the default namespace).
_HL7_DEFAULT: Final = cast("dict[str, str]", {None: HL7_NS})


class _EnvelopedSigner(XMLSigner):
    """signxml 5.2 with the enveloped ``InclusiveNamespaces`` written out.

    For enveloped signatures signxml digests the reference with its
    ``inclusive_ns_prefixes`` but does not write the ``ec:InclusiveNamespaces``
    element into the C14N ``Transform`` (it only does so for other construction
    methods), so any verifier computes a different digest. We add the element
    the digest was computed with; if signxml ever writes it itself, nothing is
    added twice.
    """

    def _build_transforms_for_reference(
        self,
        *,
        transforms_node: etree._Element,
        reference: SignatureReference,
        exclude_c14n_transform_element: bool = True,
    ) -> None:
        super()._build_transforms_for_reference(
            transforms_node=transforms_node,
            reference=reference,
            exclude_c14n_transform_element=exclude_c14n_transform_element,
        )
        prefixes = reference.inclusive_ns_prefixes
        transforms = transforms_node.findall(q(DS_NS, "Transform"))
        if not prefixes or not transforms:
            return
        last = transforms[-1]
        if (
            last.get("Algorithm") == C14N_EXCLUSIVE
            and last.find(q(EC_NS, "InclusiveNamespaces")) is None
        ):
            etree.SubElement(
                last,
                q(EC_NS, "InclusiveNamespaces"),
                nsmap={"ec": EC_NS},
                PrefixList=" ".join(prefixes),
            )


@dataclass(frozen=True, slots=True)
class AssertionSigner:
    """A loaded ``NCP_SIG`` key and its certificate; create once, reuse for every assertion.

    Thread-safe: each :meth:`sign` call builds its own signxml signer (signxml keeps
    per-call state on the signer object), but reuses the loaded key object, which
    is the expensive part (``house-style.md`` §3 rule 1).
    """

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    country: str

    @classmethod
    def from_node_keys(cls, keys: NodeKeys) -> AssertionSigner:
        """Use a node's signing key pair (never a TLS key: key separation)."""
        return cls.create(keys.signing.key, keys.signing.certificate)

    @classmethod
    def create(cls, key: rsa.RSAPrivateKey, certificate: x509.Certificate) -> AssertionSigner:
        """Check that key and certificate match and that the certificate names a country."""
        public = certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey) or (
            public.public_numbers() != key.public_key().public_numbers()
        ):
            raise PkiError("signing key does not match the signing certificate")
        country = certificate_country(certificate)
        if country is None:
            raise PkiError("signing certificate has no single C= in its subject")
        return cls(key=key, certificate=certificate, country=country)

    def sign(self, assertion: etree._Element) -> etree._Element:
        """Return a signed copy of ``assertion`` (enveloped, signature after ``Issuer``).

        Raises:
            AssertionBuildError: no ``ID`` or no ``Issuer`` to place the signature after.
        """
        assertion_id = assertion.get("ID")
        if not assertion_id:
            raise AssertionBuildError("assertion has no ID attribute to reference")
        issuer = assertion.find(q(SAML_NS, "Issuer"))
        if issuer is None or issuer.getparent() is not assertion:
            raise AssertionBuildError("assertion has no Issuer to place the signature after")
        placeholder = assertion.find(q(DS_NS, "Signature"))
        if placeholder is None:
            placeholder = etree.Element(q(DS_NS, "Signature"), nsmap={"ds": DS_NS})
            placeholder.set("Id", "placeholder")
            issuer.addnext(placeholder)
        signer = _EnvelopedSigner(
            method=SignatureConstructionMethod.enveloped,
            signature_algorithm=SignatureMethod.RSA_SHA256,
            digest_algorithm=DigestAlgorithm.SHA256,
            c14n_algorithm=C14N_EXCLUSIVE,
        )
        reference = SignatureReference(URI=f"#{assertion_id}", inclusive_ns_prefixes=["xsd"])
        signed: etree._Element = signer.sign(
            assertion,
            key=self.key,
            cert=[self.certificate],
            reference_uri=[reference],
            id_attribute="ID",
        )
        return signed


def build_hcp_assertion(
    identity: HcpIdentity,
    *,
    signer: AssertionSigner,
    now: datetime | None = None,
    lifetime: timedelta = MAX_HCP_LIFETIME,
    assertion_id: str | None = None,
    policy: AssertionPolicy | None = None,
) -> etree._Element:
    """Build and sign country B's HCP identity assertion for one health professional.

    The issuer is ``urn:idp:<CC>:countryB`` with CC taken from the signing
    certificate, so issuer country and certificate country cannot disagree
    (``trust-security.md`` §1, "Country binding").

    Args:
        identity: the HP's claims, already decided by the portal (eligibility).
        signer: B's loaded signing key.
        now: issue instant; defaults to the current UTC time.
        lifetime: validity window; at most 4 h.
        assertion_id: the SAML ``ID``; a fresh ``_<uuid4>`` by default.
        policy: acceptance tables; the packaged eHDSI ones by default.

    Raises:
        AssertionBuildError: the identity would be refused by a peer (unknown role,
            one-factor AuthnContext, bad permission code, lifetime over 4 h …).

    Example:
        >>> xml = build_hcp_assertion(identity, signer=signer)  # doctest: +SKIP
    """
    pol = policy or default_policy()
    _check_identity(identity, pol)
    issued = _now(now)
    _check_lifetime(lifetime, MAX_HCP_LIFETIME, "HCP")
    root = _assertion_root(assertion_id, issued, QUALIFIER_HCP, hcp_issuer(signer.country))
    _subject(root, identity.name_id, identity.name_id_format)
    _conditions(root, issued, issued + lifetime)
    _authn(root, issued, identity.authn_context)
    stmt = etree.SubElement(root, q(SAML_NS, "AttributeStatement"))
    if identity.home_community_id:
        _string_attr(stmt, ATTR_HOME_COMMUNITY, identity.home_community_id)
    _string_attr(stmt, ATTR_SUBJECT_ID, identity.subject_name)
    _role_attr(stmt, ATTR_ROLE, "Role", identity.role)
    if identity.on_behalf_of is not None:
        _role_attr(stmt, ATTR_ON_BEHALF_OF, "Role", identity.on_behalf_of)
    if identity.organization:
        _string_attr(stmt, ATTR_ORGANIZATION, identity.organization)
    if identity.organization_id:
        _string_attr(stmt, ATTR_ORGANIZATION_ID, identity.organization_id)
    _string_attr(stmt, ATTR_FACILITY_TYPE, identity.facility_type)
    _purpose_attr(stmt, identity.purpose_of_use)
    _string_attr(stmt, ATTR_LOCALITY, identity.locality)
    _string_attr(stmt, ATTR_PERMISSION, *(PERMISSION_PREFIX + p for p in identity.permissions))
    return signer.sign(root)


def build_trc_assertion(
    hcp: HcpAssertion,
    *,
    patient_id: PatientId,
    signer: AssertionSigner,
    purpose_of_use: PurposeOfUse | None = None,
    now: datetime | None = None,
    lifetime: timedelta = MAX_TRC_LIFETIME,
    prescription_id: str | None = None,
    dispensation_pin_code: str | None = None,
    assertion_id: str | None = None,
) -> etree._Element:
    """Build and sign a TRC binding ``hcp`` to one patient (B's TRC-STS).

    Issued only after the HCP assertion was verified (hence the typed ``hcp``
    argument). NameID is the HCP's, ``Advice/AssertionIDRef`` is the HCP ``ID``,
    ``subject-id`` is the patient in CX form, AuthnContext is ``PreviousSession``
    (``trust-security.md`` §2.2). The TRC is the HP's self-declaration: no patient
    signature.

    Raises:
        AssertionBuildError: lifetime over 2 h, or the signer is not HCP's country.
    """
    if signer.country != hcp.issuer_country:
        raise AssertionBuildError(
            f"a TRC for a {hcp.issuer_country} HCP assertion cannot be issued by {signer.country}"
        )
    issued = _now(now)
    _check_lifetime(lifetime, MAX_TRC_LIFETIME, "TRC")
    root = _assertion_root(assertion_id, issued, QUALIFIER_TRC, trc_issuer(signer.country))
    _subject(root, hcp.name_id, hcp.name_id_format)
    _conditions(root, issued, issued + lifetime)
    advice = etree.SubElement(root, q(SAML_NS, "Advice"))
    etree.SubElement(advice, q(SAML_NS, "AssertionIDRef")).text = hcp.id
    _authn(root, issued, AC_PREVIOUS_SESSION)
    stmt = etree.SubElement(root, q(SAML_NS, "AttributeStatement"))
    _string_attr(stmt, ATTR_SUBJECT_ID, patient_id.to_cx())
    _purpose_attr(stmt, purpose_of_use or hcp.purpose_of_use)
    if prescription_id is not None:
        _string_attr(stmt, ATTR_PRESCRIPTION_ID, prescription_id)
    if dispensation_pin_code is not None:
        _string_attr(stmt, ATTR_DISPENSATION_PIN, dispensation_pin_code)
    return signer.sign(root)


# --------------------------------------------------------------------------- internals


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise AssertionBuildError("'now' must be timezone-aware")
    return now.astimezone(UTC)


def _check_lifetime(lifetime: timedelta, maximum: timedelta, kind: str) -> None:
    if not timedelta(0) < lifetime <= maximum:
        raise AssertionBuildError(f"{kind} assertion lifetime {lifetime} is not in (0, {maximum}]")


def _check_identity(identity: HcpIdentity, policy: AssertionPolicy) -> None:
    if not identity.name_id.strip():
        raise AssertionBuildError("HCP NameID is empty")
    if not identity.subject_name.strip():
        raise AssertionBuildError("HCP subject-id (display name) is empty")
    if identity.role not in policy.roles:
        raise AssertionBuildError(
            f"role {identity.role.code} {identity.role.display_name!r} is not accepted by eHDSI"
        )
    if identity.role.code in policy.roles_needing_on_behalf_of and identity.on_behalf_of is None:
        raise AssertionBuildError(f"role {identity.role.code} needs an on-behalf-of role")
    if identity.authn_context not in policy.two_factor_authn_contexts:
        raise AssertionBuildError(f"AuthnContext {identity.authn_context!r} is not two-factor")
    bad = [p for p in identity.permissions if not is_short_permission(p)]
    if bad or not identity.permissions:
        raise AssertionBuildError(f"permissions must be PRD-nnn/PPD-nnn codes, got {bad or '[]'}")
    if identity.facility_type not in policy.facility_types:
        raise AssertionBuildError(f"facility type {identity.facility_type!r} is not accepted")
    if not (identity.organization or identity.organization_id):
        raise AssertionBuildError("an organisation name or id is required")
    if not identity.locality.strip():
        raise AssertionBuildError("locality (point of care) is empty")


def _assertion_root(
    assertion_id: str | None, issued: datetime, qualifier: str, issuer: str
) -> etree._Element:
    aid = assertion_id or f"_{uuid.uuid4()}"
    if not aid or aid[0].isdigit() or aid[0] == "-":
        raise AssertionBuildError(f"assertion ID must be an NCName, got {aid!r}")
    root = etree.Element(q(SAML_NS, "Assertion"), nsmap=_NSMAP)
    root.set("ID", aid)
    root.set("IssueInstant", format_instant(issued))
    root.set("Version", "2.0")
    el = etree.SubElement(root, q(SAML_NS, "Issuer"), NameQualifier=qualifier)
    el.text = issuer
    return root


def _subject(root: etree._Element, name_id: str, name_id_format: str | None) -> None:
    subject = etree.SubElement(root, q(SAML_NS, "Subject"))
    nid = etree.SubElement(subject, q(SAML_NS, "NameID"))
    if name_id_format:
        nid.set("Format", name_id_format)
    nid.text = name_id
    etree.SubElement(subject, q(SAML_NS, "SubjectConfirmation"), Method=SENDER_VOUCHES)


def _conditions(root: etree._Element, not_before: datetime, not_on_or_after: datetime) -> None:
    cond = etree.SubElement(
        root,
        q(SAML_NS, "Conditions"),
        NotBefore=format_instant(not_before),
        NotOnOrAfter=format_instant(not_on_or_after),
    )
    restriction = etree.SubElement(cond, q(SAML_NS, "AudienceRestriction"))
    etree.SubElement(restriction, q(SAML_NS, "Audience")).text = AUDIENCE


def _authn(root: etree._Element, issued: datetime, context: str) -> None:
    stmt = etree.SubElement(root, q(SAML_NS, "AuthnStatement"), AuthnInstant=format_instant(issued))
    ctx = etree.SubElement(stmt, q(SAML_NS, "AuthnContext"))
    etree.SubElement(ctx, q(SAML_NS, "AuthnContextClassRef")).text = context


def _attribute(stmt: etree._Element, name: str) -> etree._Element:
    attr = etree.SubElement(stmt, q(SAML_NS, "Attribute"))
    friendly = FRIENDLY_NAMES.get(name)
    if friendly:
        attr.set("FriendlyName", friendly)
    attr.set("Name", name)
    attr.set("NameFormat", ATTRNAME_URI)
    return attr


def _string_attr(stmt: etree._Element, name: str, *values: str) -> None:
    attr = _attribute(stmt, name)
    for value in values:
        av = etree.SubElement(attr, q(SAML_NS, "AttributeValue"))
        av.set(_XSI_TYPE, "xsd:string")
        av.text = value


def _role_attr(stmt: etree._Element, name: str, local: str, role: Role) -> None:
    av = etree.SubElement(_attribute(stmt, name), q(SAML_NS, "AttributeValue"))
    etree.SubElement(
        av,
        q(HL7_NS, local),
        nsmap=_HL7_DEFAULT,
        code=role.code,
        codeSystem=ISCO_OID,
        codeSystemName="ISCO",
        displayName=role.display_name,
    )


def _purpose_attr(stmt: etree._Element, purpose: PurposeOfUse) -> None:
    av = etree.SubElement(_attribute(stmt, ATTR_PURPOSE_OF_USE), q(SAML_NS, "AttributeValue"))
    etree.SubElement(
        av,
        q(HL7_NS, "PurposeOfUse"),
        nsmap=_HL7_DEFAULT,
        code=purpose.value,
        codeSystem=POU_SYSTEM,
        codeSystemName=POU_SYSTEM_NAME,
        displayName=purpose.value,
    )
