"""The real signed OpenNCP SOAP headers of the conformance corpus (read in place).

Finding: as published, **no** signature in these files verifies, because the
files were re-indented after signing (they come from test resources, i.e. from
logs and editors, not from the wire):

* ``ds:SignedInfo`` gained indentation: RSA-decrypting each SignatureValue with
  its certificate yields the SHA-256 of the SignedInfo laid out the way Apache
  Santuario writes it (a bare newline between elements, none around
  ``ec:InclusiveNamespaces``), not of the indented one in the file;
* in ``…_namespace_bug_regression.xml`` the assertion bodies were pretty-printed
  too (whitespace-only text between elements; in the DK TRC also around text
  values), so even the reference digests differ.

Our verifier is strict and must stay so: a production verifier never
normalises signed content. These tests therefore (1) show the strict verifier
refuses the files as published, (2) undo *only* that re-indentation here, in
the test, and show that every genuine signature then verifies with the
certificate embedded in KeyInfo while both tampered ones in
``openncp_soap_header_bad.xml`` still fail, and (3) run the full semantic
checks on the restored assertions, at the time they were valid, with the
sample certificates pinned (we do not hold the eHDSI test CA).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from ncpeh.trust import (
    AssertionTimeError,
    HcpAssertion,
    IssuerCountryError,
    PatientId,
    PatientMismatchError,
    PurposeOfUse,
    Role,
    SignatureError,
    Transaction,
    TrustStore,
    select_assertions,
    verify_assertion_integrity,
    verify_hcp_assertion,
    verify_trc_assertion,
)
from ncpeh.xmlsafe import parse_xml

from ..conftest import CORPUS
from .factories import DS, SAML

pytestmark = pytest.mark.conformance

SAML_DIR = CORPUS / "wire" / "saml"
GOOD = "openncp_soap_header.xml"
BAD = "openncp_soap_header_bad.xml"
REGRESSION = "openncp_soap_header_namespace_bug_regression.xml"
DK_PATIENT = PatientId("1.2.208.176.1.2", "1011649927")


def _header(name: str) -> etree._Element:
    path = SAML_DIR / name
    if not path.is_file():
        pytest.skip(f"conformance corpus not found at {SAML_DIR} (../shared/conformance)")
    return parse_xml(path.read_bytes(), source=name).getroot()


def _assertions(name: str) -> list[etree._Element]:
    found = list(_header(name).iter(f"{{{SAML}}}Assertion"))
    assert len(found) == 2
    return found


def restore_signed_layout(assertion: etree._Element) -> etree._Element:
    """Undo the post-signing re-indentation of the corpus files (a copy; test-only).

    Outside ``ds:Signature``: whitespace-only text between elements is dropped
    and leaf text is stripped. Inside ``ds:SignedInfo``: Santuario's layout (a
    newline between elements, nothing inside ``ds:Transform``). Nothing else
    changes, so any altered *value* still breaks the digest.
    """
    el = etree.fromstring(etree.tostring(assertion, with_tail=False))
    sig = el.find(f"{{{DS}}}Signature")
    assert sig is not None
    in_signature = set(sig.iter())
    for e in el.iter():
        if e in in_signature and e is not sig:
            continue
        if e is not sig:
            if len(e) and e.text is not None and not e.text.strip():
                e.text = None
            elif not len(e) and e.text is not None:
                e.text = e.text.strip()
        if e is not el and e.tail is not None and not e.tail.strip():
            e.tail = None
    signed_info = sig.find(f"{{{DS}}}SignedInfo")
    assert signed_info is not None
    transform = f"{{{DS}}}Transform"
    for e in signed_info.iter():
        inside_transform = (parent := e.getparent()) is not None and parent.tag == transform
        if len(e) and e.text is not None and not e.text.strip():
            e.text = None if e.tag == transform else "\n"
        elif not len(e) and e.text is not None:
            e.text = e.text.strip()
        if e is not signed_info and e.tail is not None and not e.tail.strip():
            e.tail = None if inside_transform else "\n"
    return el


@pytest.mark.parametrize("name", [GOOD, BAD, REGRESSION])
def test_as_published_no_signature_verifies(name: str) -> None:
    for assertion in _assertions(name):
        with pytest.raises(SignatureError):
            verify_assertion_integrity(assertion)


@pytest.mark.parametrize("name", [GOOD, REGRESSION])
def test_genuine_signatures_verify_once_the_layout_is_restored(name: str) -> None:
    for assertion in _assertions(name):
        signed = verify_assertion_integrity(restore_signed_layout(assertion))
        assert signed.element.get("ID") == assertion.get("ID")


def test_the_tampered_header_fails_both_signatures() -> None:
    for assertion in _assertions(BAD):
        with pytest.raises(SignatureError, match="Digest mismatch"):
            verify_assertion_integrity(restore_signed_layout(assertion))


def test_restoration_does_not_mask_tampering() -> None:
    hcp_el = restore_signed_layout(_assertions(GOOD)[0])
    verify_assertion_integrity(hcp_el)
    locality = hcp_el.find(
        f".//{{{SAML}}}Attribute[@Name='urn:oasis:names:tc:xspa:1.0:environment:locality']/"
        f"{{{SAML}}}AttributeValue"
    )
    assert locality is not None
    locality.text = "Elsewhere"
    with pytest.raises(SignatureError):
        verify_assertion_integrity(hcp_el)


def _pinned(el: etree._Element) -> TrustStore:
    return TrustStore(pinned=[verify_assertion_integrity(el).certificate])


def test_dk_header_passes_the_full_checks_at_its_time() -> None:
    header = _header(GOOD)
    selected = select_assertions(header.iter(f"{{{SAML}}}Assertion"))
    hcp_el = restore_signed_layout(selected.hcp_or_raise())
    trc_el = restore_signed_layout(selected.trc_or_raise())
    at = datetime(2025, 7, 26, 12, 0, tzinfo=UTC)
    trust = _pinned(hcp_el)
    hcp = verify_hcp_assertion(
        hcp_el, trust=trust, expected_country="DK", transaction=Transaction.PATIENT_SUMMARY, now=at
    )
    assert hcp.id == "_882a0deb-4595-4279-a290-ab27ebb0c270"
    assert hcp.issuer_country == "DK"
    assert hcp.name_id == "house@ehdsi.eu"
    assert hcp.role == Role("221", "Medical Doctors")
    assert hcp.purpose_of_use is PurposeOfUse.TREATMENT
    assert hcp.facility_type == "Resident Physician"
    assert hcp.home_community_id == "urn:oid:1.2.208"
    assert {"PRD-003", "PRD-005", "PRD-010", "PRD-016", "PPD-046"} <= hcp.permissions
    trc = verify_trc_assertion(trc_el, trust=trust, hcp=hcp, patient_id=DK_PATIENT, now=at)
    assert trc.hcp_assertion_id == hcp.id
    assert trc.patient_id == DK_PATIENT
    with pytest.raises(PatientMismatchError) as err:
        verify_trc_assertion(
            trc_el, trust=trust, hcp=hcp, patient_id=PatientId("1.2.208.176.1.2", "0410009234"),
            now=at,
        )  # fmt: skip
    assert err.value.ehdsi_code == "4206"


def test_fi_pharmacist_passes_and_the_mixed_trc_is_refused() -> None:
    """The regression file pairs a FI HCP assertion with a DK TRC: a real negative case."""
    hcp_el, trc_el = (restore_signed_layout(a) for a in _assertions(REGRESSION))
    at = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    hcp: HcpAssertion = verify_hcp_assertion(
        hcp_el, trust=_pinned(hcp_el), expected_country="FI",
        transaction=Transaction.EPRESCRIPTION, now=at,
    )  # fmt: skip
    assert hcp.role == Role("2262", "Pharmacists")
    assert hcp.organization is None and hcp.organization_id == "urn:oid:1.2.246.556.13001.48"
    assert hcp.authn_context.endswith(":X509")
    with pytest.raises(IssuerCountryError):
        verify_trc_assertion(trc_el, trust=_pinned(trc_el), hcp=hcp, patient_id=DK_PATIENT, now=at)


def test_expired_samples_fail_the_time_checks_today() -> None:
    hcp_el = restore_signed_layout(_assertions(GOOD)[0])
    with pytest.raises(AssertionTimeError, match="expired") as err:
        verify_hcp_assertion(
            hcp_el, trust=_pinned(hcp_el), expected_country="DK",
            transaction=Transaction.PATIENT_SUMMARY, now=datetime.now(UTC),
        )  # fmt: skip
    assert err.value.ehdsi_code == "1001"


def test_corpus_location_is_outside_the_repository() -> None:
    repo = Path(__file__).resolve().parents[2]
    assert not SAML_DIR.resolve().is_relative_to(repo)
