"""Builders shared by the trust and gateway tests: one demo PKI per test session.

RSA key generation dominates test time, so the PKI (CA + FR/NO/PT nodes, RSA
2048) is built once per session and reused; tests that need a *fresh* PKI build
one country at most.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from ncpeh.trust import (
    AssertionSigner,
    DemoPki,
    HcpIdentity,
    PatientId,
    PurposeOfUse,
    Role,
    create_demo_pki,
)

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
HL7 = "urn:hl7-org:v3"
NS = {"saml": SAML, "ds": DS, "hl7": HL7}
COUNTRIES = ("FR", "NO", "PT")

#: A Portuguese patient as NCP-B would query it (domain is illustrative).
PATIENT = PatientId("2.16.17.710.820.1000.990.1.500", "PT-123456789")
OTHER_PATIENT = PatientId("2.16.17.710.820.1000.990.1.500", "PT-987654321")

_PKI: dict[Path, DemoPki] = {}


def shared_demo_pki(base: Path) -> DemoPki:
    """The session's demo PKI under ``base`` (built on first use)."""
    if base not in _PKI:
        _PKI[base] = create_demo_pki(base / "demo-pki", COUNTRIES, key_size=2048)
    return _PKI[base]


def doctor(**overrides: object) -> HcpIdentity:
    """A French doctor allowed to discover patients and read PS and eP."""
    base = HcpIdentity(
        name_id="810002345678",
        subject_name="Dr Claire Martin",
        role=Role("221", "Medical Doctors"),
        purpose_of_use=PurposeOfUse.TREATMENT,
        permissions=("PRD-003", "PRD-004", "PRD-005", "PRD-006", "PRD-010", "PRD-016"),
        facility_type="Hospital",
        locality="Hôpital Saint-Louis, Paris",
        organization="AP-HP Hôpital Saint-Louis",
        organization_id="urn:oid:1.2.250.1.71.4.2.2.750100125",
        home_community_id="urn:oid:2.16.17.710.790.1000.990.1",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def now() -> datetime:
    return datetime.now(UTC)


def find(el: etree._Element, path: str) -> etree._Element:
    found = el.find(path, NS)
    assert found is not None, path
    return found


def resign(
    signed: etree._Element,
    signer: AssertionSigner,
    mutate: Callable[[etree._Element], None],
) -> etree._Element:
    """Strip the signature, apply ``mutate`` and sign again: a *validly signed* variant.

    Used to check the semantic checks one at a time (a peer could sign anything).
    """
    el = copy.deepcopy(signed)
    sig = el.find("ds:Signature", NS)
    assert sig is not None
    el.remove(sig)
    mutate(el)
    return signer.sign(el)


def attribute(el: etree._Element, name: str) -> etree._Element:
    return find(el, f"saml:AttributeStatement/saml:Attribute[@Name='{name}']")


def in_header(*assertions: etree._Element) -> etree._Element:
    """Wrap assertions in a SOAP 1.2 header with a wsse:Security, as on the wire."""
    header = etree.fromstring(
        b'<env:Header xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
        b'<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/'
        b'oasis-200401-wss-wssecurity-secext-1.0.xsd"/></env:Header>'
    )
    security = header[0]
    for a in assertions:
        security.append(copy.deepcopy(a))
    return header
