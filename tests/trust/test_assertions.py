"""Building and signing: the shape of trust-security.md §2, exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from lxml import etree

from ncpeh.trust import (
    AssertionBuildError,
    AssertionSigner,
    DemoPki,
    HcpAssertion,
    PkiError,
    PurposeOfUse,
    Role,
    build_hcp_assertion,
    build_trc_assertion,
)

from .factories import DS, HL7, NS, PATIENT, SAML, attribute, doctor, find

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _children(el: etree._Element) -> list[str]:
    return [etree.QName(c).localname for c in el if isinstance(c.tag, str)]


def test_hcp_assertion_has_the_ehdsi_shape(fr_signer: AssertionSigner, t0: datetime) -> None:
    a = build_hcp_assertion(doctor(), signer=fr_signer, now=t0, assertion_id="_hcp-1")
    assert a.tag == f"{{{SAML}}}Assertion"
    assert (a.get("ID"), a.get("Version")) == ("_hcp-1", "2.0")
    assert _children(a) == [
        "Issuer", "Signature", "Subject", "Conditions", "AuthnStatement", "AttributeStatement"
    ]  # fmt: skip
    issuer = find(a, "saml:Issuer")
    assert issuer.get("NameQualifier") == "urn:ehdsi:assertions:hcp"
    assert issuer.text == "urn:idp:FR:countryB"
    assert find(a, "saml:Subject/saml:NameID").text == "810002345678"
    assert (
        find(a, "saml:Subject/saml:SubjectConfirmation").get("Method")
        == "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"
    )
    assert (
        find(a, "saml:Conditions/saml:AudienceRestriction/saml:Audience").text
        == "urn:ehdsi:assertions.audience:x-border"
    )
    cond = find(a, "saml:Conditions")
    assert cond.get("NotBefore") == a.get("IssueInstant")
    nb = datetime.fromisoformat(cond.get("NotBefore", ""))
    nooa = datetime.fromisoformat(cond.get("NotOnOrAfter", ""))
    assert nooa - nb == timedelta(hours=4)
    assert (
        find(a, "saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef").text
        == "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI"
    )


def test_hcp_attributes(fr_signer: AssertionSigner, t0: datetime) -> None:
    a = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    role = find(
        attribute(a, "urn:oasis:names:tc:xacml:2.0:subject:role"), "saml:AttributeValue/hl7:Role"
    )
    assert {str(k): str(v) for k, v in role.attrib.items()} == {
        "code": "221",
        "codeSystem": "2.16.840.1.113883.2.9.6.2.7",
        "codeSystemName": "ISCO",
        "displayName": "Medical Doctors",
    }
    pou = find(
        attribute(a, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"),
        "saml:AttributeValue/hl7:PurposeOfUse",
    )
    assert pou.get("code") == "TREATMENT"
    assert pou.get("codeSystem") == "3bc18518-d305-46c2-a8d6-94bd59856e9e"
    perms = attribute(a, "urn:oasis:names:tc:xspa:1.0:subject:hl7:permission")
    values = [v.text for v in perms.findall("saml:AttributeValue", NS)]
    assert values == [
        f"urn:oasis:names:tc:xspa:1.0:subject:hl7:permission:{p}" for p in doctor().permissions
    ]
    for name, value in [
        ("urn:oasis:names:tc:xspa:1.0:subject:subject-id", "Dr Claire Martin"),
        ("urn:oasis:names:tc:xspa:1.0:subject:organization", "AP-HP Hôpital Saint-Louis"),
        ("urn:oasis:names:tc:xspa:1.0:subject:organization-id",
         "urn:oid:1.2.250.1.71.4.2.2.750100125"),
        ("urn:ehdsi:names:subject:healthcare-facility-type", "Hospital"),
        ("urn:oasis:names:tc:xspa:1.0:environment:locality", "Hôpital Saint-Louis, Paris"),
        ("urn:ihe:iti:xca:2010:homeCommunityId", "urn:oid:2.16.17.710.790.1000.990.1"),
    ]:  # fmt: skip
        attr = attribute(a, name)
        assert attr.get("NameFormat") == "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
        assert find(attr, "saml:AttributeValue").text == value


def test_signature_is_enveloped_exclusive_rsa_sha256_after_issuer(
    fr_signer: AssertionSigner, t0: datetime
) -> None:
    a = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    sig = a[1]
    assert sig.tag == f"{{{DS}}}Signature"
    assert len(a.findall(f".//{{{DS}}}Signature")) == 1
    si = find(sig, "ds:SignedInfo")
    assert find(si, "ds:CanonicalizationMethod").get("Algorithm") == EXC_C14N
    assert (
        find(si, "ds:SignatureMethod").get("Algorithm")
        == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    ref = find(si, "ds:Reference")
    assert ref.get("URI") == f"#{a.get('ID')}"
    transforms = ref.findall("ds:Transforms/ds:Transform", NS)
    assert [t.get("Algorithm") for t in transforms] == [
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        EXC_C14N,
    ]
    # xsi:type="xsd:string" needs the xsd prefix kept by exclusive C14N (as OpenNCP does).
    inclusive = transforms[1].find(f"{{{EXC_C14N}}}InclusiveNamespaces")
    assert inclusive is not None and inclusive.get("PrefixList") == "xsd"
    assert (
        find(ref, "ds:DigestMethod").get("Algorithm") == "http://www.w3.org/2001/04/xmlenc#sha256"
    )
    assert len(sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)) == 1
    assert sig.find("ds:KeyInfo/ds:KeyValue", NS) is None


def test_assertion_ids_are_fresh_ncnames(fr_signer: AssertionSigner, t0: datetime) -> None:
    ids = {build_hcp_assertion(doctor(), signer=fr_signer, now=t0).get("ID") for _ in range(3)}
    assert len(ids) == 3
    assert all(i and i.startswith("_") for i in ids)
    with pytest.raises(AssertionBuildError, match="NCName"):
        build_hcp_assertion(doctor(), signer=fr_signer, now=t0, assertion_id="1abc")


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"role": Role("221", "Doctors")}, "role"),
        ({"role": Role("2211", "Generalist medical practitioners")}, "role"),
        ({"role": Role("44", "Other Clerical Support Workers")}, "on-behalf-of"),
        ({"authn_context": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"}, "two-factor"),
        ({"permissions": ("PRD-6",)}, "PRD-nnn"),
        ({"permissions": ()}, "PRD-nnn"),
        ({"facility_type": "Clinic"}, "facility"),
        ({"organization": None, "organization_id": None}, "organisation"),
        ({"locality": " "}, "locality"),
        ({"name_id": ""}, "NameID"),
        ({"subject_name": ""}, "subject-id"),
    ],
)
def test_builder_refuses_what_a_peer_would_reject(
    fr_signer: AssertionSigner, t0: datetime, overrides: dict[str, object], match: str
) -> None:
    with pytest.raises(AssertionBuildError, match=match):
        build_hcp_assertion(doctor(**overrides), signer=fr_signer, now=t0)


def test_clerical_worker_with_on_behalf_of(fr_signer: AssertionSigner, t0: datetime) -> None:
    identity = doctor(
        role=Role("44", "Other Clerical Support Workers"),
        on_behalf_of=Role("221", "Medical Doctors"),
    )
    a = build_hcp_assertion(identity, signer=fr_signer, now=t0)
    obo = attribute(a, "urn:ehdsi:names:subject:on-behalf-of")
    assert find(obo, "saml:AttributeValue/hl7:Role").get("code") == "221"


@pytest.mark.parametrize("hours", [0, 5])
def test_hcp_lifetime_is_at_most_four_hours(
    fr_signer: AssertionSigner, t0: datetime, hours: int
) -> None:
    with pytest.raises(AssertionBuildError, match="lifetime"):
        build_hcp_assertion(doctor(), signer=fr_signer, now=t0, lifetime=timedelta(hours=hours))


def test_naive_now_is_refused(fr_signer: AssertionSigner) -> None:
    with pytest.raises(AssertionBuildError, match="timezone"):
        build_hcp_assertion(doctor(), signer=fr_signer, now=datetime(2026, 1, 1))


def test_trc_assertion_shape(fr_signer: AssertionSigner, hcp: HcpAssertion, t0: datetime) -> None:
    t = build_trc_assertion(
        hcp, patient_id=PATIENT, signer=fr_signer, now=t0, prescription_id="RX-1"
    )
    assert _children(t) == [
        "Issuer", "Signature", "Subject", "Conditions", "Advice", "AuthnStatement",
        "AttributeStatement",
    ]  # fmt: skip
    issuer = find(t, "saml:Issuer")
    assert issuer.get("NameQualifier") == "urn:ehdsi:assertions:trc"
    assert issuer.text == "urn:initgw:FR:countryB"
    assert find(t, "saml:Subject/saml:NameID").text == hcp.name_id
    assert find(t, "saml:Advice/saml:AssertionIDRef").text == hcp.id
    assert (
        find(t, "saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef").text
        == "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession"
    )
    cond = find(t, "saml:Conditions")
    span = datetime.fromisoformat(cond.get("NotOnOrAfter", "")) - datetime.fromisoformat(
        cond.get("NotBefore", "")
    )
    assert span == timedelta(hours=2)
    patient = attribute(t, "urn:oasis:names:tc:xspa:1.0:subject:subject-id")
    assert find(patient, "saml:AttributeValue").text == PATIENT.to_cx()
    rx = attribute(t, "urn:ehdsi:names:document:document-id:prescriptionId")
    assert find(rx, "saml:AttributeValue").text == "RX-1"
    pou = attribute(t, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse")
    assert find(pou, f"saml:AttributeValue/{{{HL7}}}PurposeOfUse").get("code") == "TREATMENT"


def test_trc_purpose_of_use_can_differ(
    fr_signer: AssertionSigner, hcp: HcpAssertion, t0: datetime
) -> None:
    t = build_trc_assertion(
        hcp, patient_id=PATIENT, signer=fr_signer, now=t0, purpose_of_use=PurposeOfUse.EMERGENCY
    )
    pou = attribute(t, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse")
    assert find(pou, "saml:AttributeValue/hl7:PurposeOfUse").get("code") == "EMERGENCY"


def test_trc_lifetime_and_country(
    fr_signer: AssertionSigner, pt_signer: AssertionSigner, hcp: HcpAssertion, t0: datetime
) -> None:
    with pytest.raises(AssertionBuildError, match="lifetime"):
        build_trc_assertion(
            hcp, patient_id=PATIENT, signer=fr_signer, now=t0, lifetime=timedelta(hours=3)
        )
    with pytest.raises(AssertionBuildError, match="cannot be issued by PT"):
        build_trc_assertion(hcp, patient_id=PATIENT, signer=pt_signer, now=t0)


def test_signer_checks_key_and_certificate(pki: DemoPki) -> None:
    fr, pt = pki.nodes["FR"], pki.nodes["PT"]
    assert AssertionSigner.from_node_keys(fr).country == "FR"
    with pytest.raises(PkiError, match="does not match"):
        AssertionSigner.create(fr.signing.key, pt.signing.certificate)


def test_signer_refuses_an_assertion_without_id_or_issuer(fr_signer: AssertionSigner) -> None:
    with pytest.raises(AssertionBuildError, match="ID"):
        fr_signer.sign(etree.Element(f"{{{SAML}}}Assertion"))
    with pytest.raises(AssertionBuildError, match="Issuer"):
        fr_signer.sign(etree.Element(f"{{{SAML}}}Assertion", ID="_x"))


def test_identity_is_immutable() -> None:
    d = doctor()
    assert replace(d, locality="x").locality == "x"
    with pytest.raises(AttributeError):
        d.locality = "y"  # type: ignore[misc]


def test_signing_never_loads_a_pem_key(
    fr_signer: AssertionSigner, t0: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """house-style.md §3 rule 1: the key object is loaded once; no PEM parsing per signature."""
    import signxml.signer

    def forbidden(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("PEM key loaded during signing")

    monkeypatch.setattr(signxml.signer, "load_pem_private_key", forbidden)
    assert build_hcp_assertion(doctor(), signer=fr_signer, now=t0).get("ID")
