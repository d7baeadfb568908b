"""Typed results of assertion verification, and the input of the HCP builder.

Every value in :class:`HcpAssertion` / :class:`TrcAssertion` was read from the
node the signature verifier returned as signed (``trust-security.md`` §2.4 step 3,
§4 "Signature wrapping"), never from the received tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from lxml import etree

from ncpeh.trust._identifiers import PatientId
from ncpeh.trust._policy import PurposeOfUse, Role
from ncpeh.trust._saml import AC_SMARTCARD_PKI, NAMEID_UNSPECIFIED

__all__ = ["HcpAssertion", "HcpIdentity", "SignedAssertion", "TrcAssertion"]


@dataclass(frozen=True, slots=True)
class HcpIdentity:
    """What country B asserts about its health professional (``trust-security.md`` §2.1).

    Attributes:
        name_id: HP identifier (``Subject/NameID``), e.g. the RPPS number in France.
        subject_name: HP display name (``xspa:subject:subject-id``).
        role: ISCO-08 role; code and displayName must both be in the accepted table.
        permissions: short HL7 permission codes (``PRD-006``, ``PPD-046`` …).
        facility_type: ``Hospital`` | ``Resident Physician`` | ``Pharmacy`` | ``Other``.
        organization / organization_id: at least one is required (HAI information).
        locality: point of care (``environment:locality``).
        authn_context: a two-factor ``AuthnContextClassRef``.
        home_community_id: ``urn:oid:<HCID of B>``; present in 2023–2025 samples.
        on_behalf_of: required when the role is 44 (clerical).
    """

    name_id: str
    subject_name: str
    role: Role
    purpose_of_use: PurposeOfUse
    permissions: tuple[str, ...]
    facility_type: str
    locality: str
    organization: str | None = None
    organization_id: str | None = None
    authn_context: str = AC_SMARTCARD_PKI
    name_id_format: str = NAMEID_UNSPECIFIED
    home_community_id: str | None = None
    on_behalf_of: Role | None = None


@dataclass(frozen=True, slots=True)
class SignedAssertion:
    """An assertion whose XML signature verified.

    Attributes:
        element: the signed node as returned by signxml (re-parsed from its
            canonical form: comments removed, signature removed). Read only this.
        certificate: the signing certificate (trusted, or merely embedded for
            :func:`verify_assertion_integrity`).
    """

    element: etree._Element = field(repr=False, compare=False)
    certificate: x509.Certificate = field(repr=False)


@dataclass(frozen=True, slots=True)
class HcpAssertion:
    """A verified eHDSI HCP identity assertion."""

    id: str
    issuer: str
    issuer_country: str
    issue_instant: datetime
    not_before: datetime
    not_on_or_after: datetime
    name_id: str
    name_id_format: str | None
    authn_context: str
    subject_name: str | None
    role: Role
    purpose_of_use: PurposeOfUse
    permissions: frozenset[str]
    organization: str | None
    organization_id: str | None
    facility_type: str | None
    locality: str | None
    home_community_id: str | None
    on_behalf_of: Role | None
    certificate: x509.Certificate = field(repr=False)
    signed_element: etree._Element = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class TrcAssertion:
    """A verified Treatment Relationship Confirmation assertion (``trust-security.md`` §2.2)."""

    id: str
    issuer: str
    issuer_country: str
    issue_instant: datetime
    not_before: datetime
    not_on_or_after: datetime
    name_id: str
    hcp_assertion_id: str
    patient_id: PatientId
    purpose_of_use: PurposeOfUse | None
    prescription_id: str | None
    dispensation_pin_code: str | None
    authn_context: str | None
    certificate: x509.Certificate = field(repr=False)
    signed_element: etree._Element = field(repr=False, compare=False)
