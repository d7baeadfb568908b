"""Verification: each check of trust-security.md §2.4, one failure at a time.

Negative cases are *validly signed* (``resign``): a peer can sign anything, so
every semantic rule must hold on its own, not only because tampering breaks the
signature.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from ncpeh.trust import (
    CLOCK_SKEW,
    AssertionMissingError,
    AssertionRejected,
    AssertionSigner,
    AssertionTimeError,
    HcpAssertion,
    HpInformationError,
    InsufficientRightsError,
    InvalidAssertionError,
    IssuerCountryError,
    OrganisationMissingError,
    ParameterMismatchError,
    PatientMismatchError,
    PointOfCareMissingError,
    PurposeOfUse,
    Role,
    SignatureError,
    Transaction,
    TrcBindingError,
    TrustStore,
    UntrustedIssuerError,
    WeakAuthenticationError,
    build_hcp_assertion,
    build_trc_assertion,
    check_permissions_or_raise,
    create_demo_pki,
    select_assertions,
    verify_hcp_assertion,
    verify_trc_assertion,
)

from .factories import (
    NS,
    OTHER_PATIENT,
    PATIENT,
    SAML,
    attribute,
    doctor,
    find,
    in_header,
    resign,
)

Mutation = Callable[[etree._Element], None]


def _verify(xml: etree._Element, trust: TrustStore, t0: datetime, **kw: object) -> HcpAssertion:
    args: dict[str, object] = {
        "trust": trust,
        "expected_country": "FR",
        "transaction": Transaction.PATIENT_SUMMARY,
        "now": t0,
    }
    args.update(kw)
    return verify_hcp_assertion(xml, **args)  # type: ignore[arg-type]


def test_a_fresh_hcp_assertion_verifies(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    hcp = _verify(xml, trust, t0)
    assert hcp.id == xml.get("ID")
    assert hcp.issuer == "urn:idp:FR:countryB"
    assert hcp.issuer_country == "FR"
    assert hcp.name_id == "810002345678"
    assert hcp.subject_name == "Dr Claire Martin"
    assert hcp.role == Role("221", "Medical Doctors")
    assert hcp.purpose_of_use is PurposeOfUse.TREATMENT
    assert hcp.permissions == frozenset(doctor().permissions)
    assert hcp.organization == "AP-HP Hôpital Saint-Louis"
    assert hcp.facility_type == "Hospital"
    assert hcp.locality == "Hôpital Saint-Louis, Paris"
    assert hcp.home_community_id == "urn:oid:2.16.17.710.790.1000.990.1"
    assert hcp.not_on_or_after - hcp.not_before == timedelta(hours=4)
    assert hcp.signed_element.get("ID") == hcp.id
    assert hcp.signed_element.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None


def test_verification_inside_a_soap_header(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    header = in_header(xml)
    selected = select_assertions(header.iter(f"{{{SAML}}}Assertion"))
    assert selected.trc is None
    assert _verify(selected.hcp_or_raise(), trust, t0).id == xml.get("ID")
    with pytest.raises(AssertionMissingError) as err:
        selected.trc_or_raise()
    assert err.value.ehdsi_code == "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED"
    with pytest.raises(AssertionMissingError):
        select_assertions([]).hcp_or_raise()


def test_tampering_breaks_the_signature(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    find(xml, "saml:Subject/saml:NameID").text = "someone-else"
    with pytest.raises(SignatureError, match="Digest mismatch") as err:
        _verify(xml, trust, t0)
    assert err.value.ehdsi_code == "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"


def test_signature_value_tampering(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    value = find(xml, "ds:Signature/ds:SignatureValue")
    text = value.text or ""
    # Change the first character for sure (a fixed "A" was a no-op 1 time in 64).
    value.text = ("B" if text.startswith("A") else "A") + text[1:]
    with pytest.raises(SignatureError):
        _verify(xml, trust, t0)


def test_other_ca_is_untrusted(trust: TrustStore, t0: datetime, tmp_path: Path) -> None:
    rogue = create_demo_pki(tmp_path / "rogue", ["FR"])
    signer = AssertionSigner.from_node_keys(rogue.nodes["FR"])
    xml = build_hcp_assertion(doctor(), signer=signer, now=t0)
    with pytest.raises(UntrustedIssuerError) as err:
        _verify(xml, trust, t0)
    assert err.value.ehdsi_code == "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"


# ------------------------------------------------------------------ time


@pytest.mark.parametrize(
    ("offset", "ok"),
    [
        (timedelta(0), True),
        (-CLOCK_SKEW + timedelta(seconds=1), True),  # peer clock 59 s ahead
        (-CLOCK_SKEW - timedelta(seconds=1), False),  # 61 s ahead: not yet valid
        (timedelta(hours=4) + CLOCK_SKEW - timedelta(seconds=1), True),  # 59 s after expiry
        (timedelta(hours=4) + CLOCK_SKEW, False),  # 60 s after expiry
        (timedelta(days=1), False),
    ],
)
def test_validity_window_with_sixty_seconds_skew(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime, offset: timedelta, ok: bool
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    if ok:
        _verify(xml, trust, t0 + offset)
    else:
        with pytest.raises(AssertionTimeError) as err:
            _verify(xml, trust, t0 + offset)
        assert err.value.ehdsi_code == "1001"


def _set_times(issue: datetime, nb: datetime, nooa: datetime) -> Mutation:
    def mutate(el: etree._Element) -> None:
        el.set("IssueInstant", issue.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
        cond = find(el, "saml:Conditions")
        cond.set("NotBefore", nb.strftime("%Y-%m-%dT%H:%M:%SZ"))
        cond.set("NotOnOrAfter", nooa.strftime("%Y-%m-%dT%H:%M:%S+00:00"))

    return mutate


def test_hcp_lifetime_over_four_hours_is_refused(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    long = resign(xml, fr_signer, _set_times(t0, t0, t0 + timedelta(hours=4, seconds=1)))
    with pytest.raises(AssertionTimeError, match="exceeds"):
        _verify(long, trust, t0)
    exact = resign(xml, fr_signer, _set_times(t0, t0, t0 + timedelta(hours=4)))
    _verify(exact, trust, t0)


def test_issue_instant_in_the_future_is_refused(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    future = t0 + timedelta(minutes=5)
    bad = resign(xml, fr_signer, _set_times(future, t0, t0 + timedelta(hours=1)))
    with pytest.raises(AssertionTimeError, match="future"):
        _verify(bad, trust, t0)


def test_inverted_or_missing_conditions(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    inverted = resign(xml, fr_signer, _set_times(t0, t0, t0 - timedelta(seconds=1)))
    with pytest.raises(AssertionTimeError):
        _verify(inverted, trust, t0)

    def drop(el: etree._Element) -> None:
        del find(el, "saml:Conditions").attrib["NotBefore"]

    with pytest.raises(AssertionTimeError, match="malformed"):
        _verify(resign(xml, fr_signer, drop), trust, t0)


# ------------------------------------------------------------------ structure


def _attr_value(name: str, value: str) -> Mutation:
    def mutate(el: etree._Element) -> None:
        find(attribute(el, name), "saml:AttributeValue").text = value

    return mutate


def _remove_attr(name: str) -> Mutation:
    def mutate(el: etree._Element) -> None:
        a = attribute(el, name)
        parent = a.getparent()
        assert parent is not None
        parent.remove(a)

    return mutate


def _set(path: str, attr: str | None, value: str) -> Mutation:
    def mutate(el: etree._Element) -> None:
        target = el if path == "." else find(el, path)
        if attr is None:
            target.text = value
        else:
            target.set(attr, value)

    return mutate


def _role(code: str, display: str) -> Mutation:
    def mutate(el: etree._Element) -> None:
        role = find(
            attribute(el, "urn:oasis:names:tc:xacml:2.0:subject:role"),
            "saml:AttributeValue/hl7:Role",
        )
        role.set("code", code)
        role.set("displayName", display)

    return mutate


def _duplicate(name: str) -> Mutation:
    def mutate(el: etree._Element) -> None:
        a = attribute(el, name)
        a.addnext(etree.fromstring(etree.tostring(a)))

    return mutate


ROLE = "urn:oasis:names:tc:xacml:2.0:subject:role"
POU = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
SUBJECT_ID = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"


@pytest.mark.parametrize(
    ("mutation", "error", "code"),
    [
        (_set(".", "Version", "1.1"), InvalidAssertionError, "1001"),
        (_set("saml:Issuer", "NameQualifier", "urn:ehdsi:assertions:trc"),
         InvalidAssertionError, "1001"),
        (_set("saml:Issuer", None, "urn:idp:FR:countryA"), InvalidAssertionError, "1001"),
        (_set("saml:Issuer", None, "urn:idp:PT:countryB"), IssuerCountryError, "1001"),
        (_set("saml:Conditions/saml:AudienceRestriction/saml:Audience", None, "urn:other"),
         InvalidAssertionError, "1001"),
        (_set("saml:Subject/saml:SubjectConfirmation", "Method",
              "urn:oasis:names:tc:SAML:2.0:cm:bearer"), InvalidAssertionError, "1001"),
        (_set("saml:Subject/saml:NameID", None, " "), InvalidAssertionError, "1001"),
        (_set("saml:AuthnStatement/saml:AuthnContext/saml:AuthnContextClassRef", None,
              "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"),
         WeakAuthenticationError, "4702"),
        (_role("221", "Medical doctors"), HpInformationError, "ERROR_HPI_INSUFFICIENT_INFORMATION"),
        (_role("2211", "Medical Doctors"), HpInformationError,
         "ERROR_HPI_INSUFFICIENT_INFORMATION"),
        (_role("44", "Other Clerical Support Workers"), HpInformationError,
         "ERROR_HPI_INSUFFICIENT_INFORMATION"),
        (_remove_attr(ROLE), HpInformationError, "ERROR_HPI_INSUFFICIENT_INFORMATION"),
        (_remove_attr(POU), InsufficientRightsError, "4703"),
        (_remove_attr("urn:oasis:names:tc:xspa:1.0:environment:locality"),
         PointOfCareMissingError, "ERROR_HPI_POC_NO_INFORMATION"),
        (_attr_value("urn:ehdsi:names:subject:healthcare-facility-type", "Spa"),
         HpInformationError, "ERROR_HPI_INSUFFICIENT_INFORMATION"),
        (_duplicate(SUBJECT_ID), InvalidAssertionError, "1001"),
        (_remove_attr(SUBJECT_ID), HpInformationError, "ERROR_HPI_INSUFFICIENT_INFORMATION"),
        (_remove_attr("urn:ehdsi:names:subject:healthcare-facility-type"), HpInformationError,
         "ERROR_HPI_INSUFFICIENT_INFORMATION"),
    ],
)  # fmt: skip
def test_signed_but_unacceptable_hcp_assertions(
    fr_signer: AssertionSigner,
    trust: TrustStore,
    t0: datetime,
    mutation: Mutation,
    error: type[AssertionRejected],
    code: str,
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    with pytest.raises(error) as err:
        _verify(resign(xml, fr_signer, mutation), trust, t0)
    assert err.value.ehdsi_code == code


def test_organisation_name_or_id_is_required(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(organization=None), signer=fr_signer, now=t0)
    assert _verify(xml, trust, t0).organization is None  # the id alone is enough (FI sample)
    bad = resign(
        xml, fr_signer, _remove_attr("urn:oasis:names:tc:xspa:1.0:subject:organization-id")
    )
    with pytest.raises(OrganisationMissingError) as err:
        _verify(bad, trust, t0)
    assert err.value.ehdsi_code == "ERROR_HPI_HAI_NO_INFORMATION"


@pytest.mark.parametrize("code", ["PUBLICHEALTH", "", "treatment"])
def test_purpose_of_use_outside_treatment_emergency(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime, code: str
) -> None:
    def mutate(el: etree._Element) -> None:
        find(attribute(el, POU), "saml:AttributeValue/hl7:PurposeOfUse").set("code", code)

    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    with pytest.raises(InsufficientRightsError) as err:
        _verify(resign(xml, fr_signer, mutate), trust, t0)
    assert err.value.xcpd_code == "InsufficientRights"


def test_emergency_is_accepted(fr_signer: AssertionSigner, trust: TrustStore, t0: datetime) -> None:
    xml = build_hcp_assertion(
        doctor(purpose_of_use=PurposeOfUse.EMERGENCY), signer=fr_signer, now=t0
    )
    assert _verify(xml, trust, t0).purpose_of_use is PurposeOfUse.EMERGENCY


def test_legacy_facility_type_name_is_read(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    def mutate(el: etree._Element) -> None:
        attribute(el, "urn:ehdsi:names:subject:healthcare-facility-type").set(
            "Name", "urn:epsos:names:wp3.4:subject:healthcare-facility-type"
        )

    xml = resign(build_hcp_assertion(doctor(), signer=fr_signer, now=t0), fr_signer, mutate)
    assert _verify(xml, trust, t0).facility_type == "Hospital"


def test_clerical_worker_on_behalf_of_a_doctor(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    identity = doctor(
        role=Role("44", "Other Clerical Support Workers"),
        on_behalf_of=Role("221", "Medical Doctors"),
    )
    hcp = _verify(build_hcp_assertion(identity, signer=fr_signer, now=t0), trust, t0)
    assert hcp.on_behalf_of == Role("221", "Medical Doctors")


# ------------------------------------------------------------------ country binding


def test_issuer_country_must_be_the_tls_peer(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    with pytest.raises(IssuerCountryError):
        _verify(xml, trust, t0, expected_country="PT")
    assert _verify(xml, trust, t0, expected_country="fr").issuer_country == "FR"


def test_certificate_country_must_match_the_issuer(
    fr_signer: AssertionSigner, pt_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    """PT signs an assertion claiming to come from FR's IdP."""
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    forged = resign(xml, pt_signer, lambda el: None)
    with pytest.raises(IssuerCountryError, match="certificate country is PT"):
        _verify(forged, trust, t0)


# ------------------------------------------------------------------ permissions


PERMISSION_CASES = [
    (Transaction.PATIENT_DISCOVERY, ("PRD-006",), ()),
    (Transaction.PATIENT_SUMMARY, ("PRD-003", "PRD-005", "PRD-010", "PRD-016"), ("PRD-006",)),
    (Transaction.ORIGINAL_CLINICAL_DOCUMENTS, ("PRD-003", "PRD-005", "PRD-010", "PRD-016"), ()),
    (Transaction.EPRESCRIPTION, ("PRD-004", "PRD-010"), ("PRD-006",)),
    (Transaction.EDISPENSATION, ("PPD-046",), ("PRD-004", "PRD-010")),
    (Transaction.CONSENT, ("PPD-032",), ()),
]


@pytest.mark.parametrize(("transaction", "needed", "extra"), PERMISSION_CASES)
def test_permissions_per_transaction(
    fr_signer: AssertionSigner,
    trust: TrustStore,
    t0: datetime,
    transaction: Transaction,
    needed: tuple[str, ...],
    extra: tuple[str, ...],
) -> None:
    full = build_hcp_assertion(doctor(permissions=needed + extra), signer=fr_signer, now=t0)
    _verify(full, trust, t0, transaction=transaction)
    for missing in needed:
        kept = tuple(p for p in needed if p != missing) + extra
        if not kept:
            kept = ("PPD-033",)
        xml = build_hcp_assertion(doctor(permissions=kept), signer=fr_signer, now=t0)
        with pytest.raises(InsufficientRightsError, match=missing) as err:
            _verify(xml, trust, t0, transaction=transaction)
        assert err.value.ehdsi_code == "4703"


def test_nurse_with_prd006_only_can_discover_but_not_read(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    nurse = doctor(role=Role("2221", "Nursing professionals"), permissions=("PRD-006",))
    xml = build_hcp_assertion(nurse, signer=fr_signer, now=t0)
    hcp = _verify(xml, trust, t0, transaction=Transaction.PATIENT_DISCOVERY)
    with pytest.raises(InsufficientRightsError):
        check_permissions_or_raise(hcp, Transaction.PATIENT_SUMMARY)
    # The TRC-STS verifies without a transaction.
    assert _verify(xml, trust, t0, transaction=None).id == hcp.id


# ------------------------------------------------------------------ TRC


def _trc(signer: AssertionSigner, hcp: HcpAssertion, t0: datetime, **kw: object) -> etree._Element:
    return build_trc_assertion(hcp, patient_id=PATIENT, signer=signer, now=t0, **kw)  # type: ignore[arg-type]


def test_trc_verifies_against_hcp_and_patient(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = _trc(fr_signer, hcp, t0, prescription_id="RX-1", dispensation_pin_code="1234")
    trc = verify_trc_assertion(
        xml, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0, prescription_id="RX-1",
        dispensation_pin_code="1234",
    )  # fmt: skip
    assert trc.hcp_assertion_id == hcp.id
    assert trc.patient_id == PATIENT
    assert trc.issuer_country == "FR"
    assert trc.purpose_of_use is PurposeOfUse.TREATMENT
    assert trc.prescription_id == "RX-1"
    assert trc.authn_context == "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession"


def test_trc_patient_must_be_the_queried_patient(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = _trc(fr_signer, hcp, t0)
    with pytest.raises(PatientMismatchError) as err:
        verify_trc_assertion(xml, trust=trust, hcp=hcp, patient_id=OTHER_PATIENT, now=t0)
    assert err.value.ehdsi_code == "4206"


def test_trc_must_reference_this_hcp_assertion(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = _trc(fr_signer, hcp, t0)
    other = resign(xml, fr_signer, _set("saml:Advice/saml:AssertionIDRef", None, "_other"))
    with pytest.raises(TrcBindingError) as err:
        verify_trc_assertion(other, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)
    assert err.value.ehdsi_code == "1002"
    renamed = resign(xml, fr_signer, _set("saml:Subject/saml:NameID", None, "someone-else"))
    with pytest.raises(TrcBindingError, match="NameID"):
        verify_trc_assertion(renamed, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)

    def no_advice(el: etree._Element) -> None:
        el.remove(find(el, "saml:Advice"))

    with pytest.raises(TrcBindingError, match="AssertionIDRef"):
        verify_trc_assertion(
            resign(xml, fr_signer, no_advice), trust=trust, hcp=hcp, patient_id=PATIENT, now=t0
        )


def test_trc_extra_parameters_must_match(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = _trc(fr_signer, hcp, t0, prescription_id="RX-1")
    for asked in ("RX-2", None):
        with pytest.raises(ParameterMismatchError) as err:
            verify_trc_assertion(
                xml, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0, prescription_id=asked
            )
        assert err.value.ehdsi_code == "4207"


def test_trc_lifetime_is_two_hours(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = _trc(fr_signer, hcp, t0)
    with pytest.raises(AssertionTimeError, match="expired"):
        verify_trc_assertion(
            xml, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0 + timedelta(hours=2, minutes=2)
        )
    long = resign(xml, fr_signer, _set_times(t0, t0, t0 + timedelta(hours=2, seconds=1)))
    with pytest.raises(AssertionTimeError, match="exceeds"):
        verify_trc_assertion(long, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)


def test_trc_must_come_from_the_hcp_country(
    fr_signer: AssertionSigner, pt_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion,
    t0: datetime,
) -> None:  # fmt: skip
    xml = _trc(fr_signer, hcp, t0)
    forged = resign(xml, pt_signer, _set("saml:Issuer", None, "urn:initgw:PT:countryB"))
    with pytest.raises(IssuerCountryError):
        verify_trc_assertion(forged, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)


def test_trc_with_bad_patient_or_purpose(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = _trc(fr_signer, hcp, t0)
    bad_patient = resign(xml, fr_signer, _attr_value(SUBJECT_ID, "0410009234"))
    with pytest.raises(InvalidAssertionError, match="CX"):
        verify_trc_assertion(bad_patient, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)

    def plain_pou(el: etree._Element) -> None:
        value = find(attribute(el, POU), "saml:AttributeValue")
        for child in list(value):
            value.remove(child)
        value.text = "PUBLICHEALTH"

    with pytest.raises(InsufficientRightsError):
        verify_trc_assertion(
            resign(xml, fr_signer, plain_pou), trust=trust, hcp=hcp, patient_id=PATIENT, now=t0
        )
    no_pou = resign(xml, fr_signer, _remove_attr(POU))
    trc = verify_trc_assertion(no_pou, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)
    assert trc.purpose_of_use is None


def test_hcp_assertion_is_not_a_trc(
    fr_signer: AssertionSigner, trust: TrustStore, hcp: HcpAssertion, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    with pytest.raises(InvalidAssertionError, match="NameQualifier"):
        verify_trc_assertion(xml, trust=trust, hcp=hcp, patient_id=PATIENT, now=t0)


def test_naive_now_is_a_programming_error(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    with pytest.raises(ValueError, match="timezone"):
        _verify(xml, trust, t0.replace(tzinfo=None))


def test_select_assertions_refuses_unknown_kinds(fr_signer: AssertionSigner, t0: datetime) -> None:
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    odd = etree.fromstring(etree.tostring(xml))
    find(odd, "saml:Issuer").set("NameQualifier", "urn:something")
    with pytest.raises(InvalidAssertionError, match="unknown"):
        select_assertions([odd])
    with pytest.raises(InvalidAssertionError, match="not a SAML"):
        select_assertions([etree.Element("Assertion")])
    assert NS["saml"] == SAML
