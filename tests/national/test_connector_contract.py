"""One contract, four implementations: fake, REST (over the reference server), SQL x2.

Every ``NationalConnector`` must answer the same questions the same way, so
NCPeH-A behaves identically whichever national system sits behind it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from ncpeh.national import (
    DiscardWindowExpiredError,
    DispensationNotFoundError,
    DispensationStatus,
    DocumentClass,
    DocumentNotFoundError,
    DuplicateDispensationError,
    InvalidDispensationError,
    InvalidRequestError,
    NationalConnector,
    NotDispensableError,
    PatientIdentifier,
    PatientNotFoundError,
    PatientQuery,
    PrescriptionNotIdentifiableError,
    UnsupportedClassCodeError,
    content_digest,
)
from ncpeh.national.seed import SeededPatient, generate_patients
from ncpeh.national.testing import make_edispensation

from .conftest import Clock, seeded_sessions
from .harness import Harness, fake_harness, rest_harness, sql_harness

IMPLS = ["fake", "rest", "sql-sqlite", "sql-postgresql"]
UNKNOWN = PatientIdentifier("999999999", "2.16.620.1.101.10.1.1")


@pytest.fixture(params=IMPLS)
def national(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    clock = Clock()
    kind = str(request.param)
    if kind == "fake":
        with fake_harness(clock) as harness:
            yield harness
    elif kind == "rest":
        with rest_harness(clock) as harness:
            yield harness
    else:
        backend_name = kind.removeprefix("sql-")
        with (
            seeded_sessions(backend_name, request, tmp_path) as sessions,
            sql_harness(backend_name, sessions, clock) as harness,
        ):
            yield harness


def _pt(index: int = 0) -> SeededPatient:
    return generate_patients("PT")[index]


def _ep(national: NationalConnector, patient: SeededPatient):  # type: ignore[no-untyped-def]
    found = national.list_documents(patient.identifier, DocumentClass.EPRESCRIPTION)
    assert found
    return found[0]


def _plain(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).upper()


# ------------------------------------------------------------------------- patients


def test_is_a_national_connector(national: Harness) -> None:
    assert isinstance(national.connector, NationalConnector)


@pytest.mark.parametrize("country", ["FR", "PT", "NO"])
def test_finds_a_patient_by_identifier(national: Harness, country: str) -> None:
    seeded = generate_patients(country)[1]
    found = national.connector.find_patients(PatientQuery(identifiers=(seeded.identifier,)))
    assert found == [seeded.demographics]


def test_traits_verify_and_ignore_case_and_accents(national: Harness) -> None:
    seeded = generate_patients("FR")[2]
    d = seeded.demographics
    ok = PatientQuery(
        identifiers=(seeded.identifier,),
        family_name=_plain(d.family_name),
        given_name=_plain(d.given_names[0]),
        birth_date=d.birth_date,
        gender=d.gender,
    )
    assert national.connector.find_patients(ok) == [d]
    assert d.birth_date is not None
    wrong = replace(ok, birth_date=d.birth_date + timedelta(days=1))
    assert national.connector.find_patients(wrong) == []


def test_finds_by_family_name_and_birth_date_without_identifier(national: Harness) -> None:
    d = generate_patients("NO")[4].demographics
    query = PatientQuery(family_name=d.family_name, birth_date=d.birth_date)
    assert d in national.connector.find_patients(query)


def test_unknown_patient_is_an_empty_answer(national: Harness) -> None:
    assert national.connector.find_patients(PatientQuery(identifiers=(UNKNOWN,))) == []


def test_a_query_without_identifier_or_traits_is_refused(national: Harness) -> None:
    with pytest.raises(InvalidRequestError):
        national.connector.find_patients(PatientQuery(family_name="Silva"))


# ------------------------------------------------------------------------- documents


@pytest.mark.parametrize("country", ["FR", "PT"])
def test_lists_the_patient_summary(national: Harness, country: str) -> None:
    seeded = generate_patients(country)[0]
    listed = national.connector.list_documents(seeded.identifier, DocumentClass.PATIENT_SUMMARY)
    expected = [
        d.metadata
        for d in seeded.documents
        if d.metadata.class_code == DocumentClass.PATIENT_SUMMARY
    ]
    assert listed == expected


def test_lists_eprescriptions_newest_first_with_dispensing_metadata(national: Harness) -> None:
    seeded = next(p for p in generate_patients("PT") if len(p.documents) == 3)
    listed = national.connector.list_documents(seeded.identifier, DocumentClass.EPRESCRIPTION)
    assert len(listed) == 2
    assert listed[0].created >= listed[1].created
    for m in listed:
        assert m.prescription is not None and m.prescription.dispensable
        assert m.prescription.atc_code


def test_norwegian_patients_have_no_documents(national: Harness) -> None:
    seeded = generate_patients("NO")[0]
    assert national.connector.list_documents(seeded.identifier, DocumentClass.PATIENT_SUMMARY) == []


def test_listing_for_an_unknown_patient_or_class(national: Harness) -> None:
    with pytest.raises(PatientNotFoundError):
        national.connector.list_documents(UNKNOWN, DocumentClass.PATIENT_SUMMARY)
    with pytest.raises(UnsupportedClassCodeError):
        national.connector.list_documents(_pt().identifier, DocumentClass.EDISPENSATION)


def test_retrieves_the_exact_bytes(national: Harness) -> None:
    seeded = _pt()
    document = seeded.documents[0]
    got = national.connector.retrieve_document(
        document.metadata.document_id, patient=seeded.identifier
    )
    assert got.content == document.content
    assert got.metadata == document.metadata
    assert content_digest(got.content).sha256 == got.metadata.sha256
    assert national.connector.retrieve_document(document.metadata.document_id) == document


def test_never_retrieves_another_patients_document(national: Harness) -> None:
    document = _pt(0).documents[0]
    with pytest.raises(DocumentNotFoundError):
        national.connector.retrieve_document(
            document.metadata.document_id, patient=_pt(1).identifier
        )
    with pytest.raises(DocumentNotFoundError):
        national.connector.retrieve_document("2.25.404")


# ------------------------------------------------------------------------- dispensations


def test_submit_is_idempotent(national: Harness) -> None:
    patient = _pt()
    ep = _ep(national.connector, patient)
    ed = make_edispensation(ep)
    first = national.connector.submit_dispensation(patient.identifier, ed, idempotency_key="eD-1")
    assert first.status is DispensationStatus.SUBMITTED
    assert ep.prescription is not None
    assert first.prescription_ids == (ep.prescription.prescription_id,)
    assert first.sha256 == content_digest(ed).sha256
    national.clock.advance(timedelta(minutes=5))
    again = national.connector.submit_dispensation(patient.identifier, ed, idempotency_key="eD-1")
    assert again == first
    after = _ep(national.connector, patient)
    assert after.prescription is not None and not after.prescription.dispensable


def test_same_key_with_other_content_or_patient_is_a_conflict(national: Harness) -> None:
    patient = _pt()
    ep = _ep(national.connector, patient)
    national.connector.submit_dispensation(
        patient.identifier, make_edispensation(ep), idempotency_key="eD-2"
    )
    with pytest.raises(DuplicateDispensationError):
        national.connector.submit_dispensation(
            patient.identifier, make_edispensation(ep, quantity=2), idempotency_key="eD-2"
        )
    with pytest.raises(DuplicateDispensationError):
        national.connector.submit_dispensation(
            _pt(1).identifier, make_edispensation(ep), idempotency_key="eD-2"
        )


def test_a_dispensed_prescription_is_not_dispensable_again(national: Harness) -> None:
    patient = _pt()
    ep = _ep(national.connector, patient)
    national.connector.submit_dispensation(
        patient.identifier, make_edispensation(ep), idempotency_key="eD-3"
    )
    with pytest.raises(NotDispensableError):
        national.connector.submit_dispensation(
            patient.identifier, make_edispensation(ep), idempotency_key="eD-4"
        )


def test_dispensations_must_identify_a_prescription_of_the_patient(national: Harness) -> None:
    ep_of_other = _ep(national.connector, _pt(1))
    with pytest.raises(PrescriptionNotIdentifiableError):
        national.connector.submit_dispensation(
            _pt(0).identifier, make_edispensation(ep_of_other), idempotency_key="eD-5"
        )
    with pytest.raises(PatientNotFoundError):
        national.connector.submit_dispensation(
            UNKNOWN, make_edispensation(ep_of_other), idempotency_key="eD-6"
        )


@pytest.mark.parametrize(
    "content",
    [
        b"not xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"><code code="60591-5"/></ClinicalDocument>',
    ],
)
def test_only_edispensations_are_accepted(national: Harness, content: bytes) -> None:
    with pytest.raises(InvalidDispensationError):
        national.connector.submit_dispensation(_pt().identifier, content, idempotency_key="eD-7")


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "é"])
def test_idempotency_keys_are_header_safe(national: Harness, key: str) -> None:
    ep = _ep(national.connector, _pt())
    with pytest.raises(InvalidRequestError):
        national.connector.submit_dispensation(
            _pt().identifier, make_edispensation(ep), idempotency_key=key
        )


def test_discard_within_24_hours_makes_the_prescription_dispensable(national: Harness) -> None:
    patient = _pt()
    ep = _ep(national.connector, patient)
    receipt = national.connector.submit_dispensation(
        patient.identifier, make_edispensation(ep), idempotency_key="eD-8"
    )
    national.clock.advance(timedelta(hours=24))  # inclusive boundary
    national.connector.cancel_dispensation(
        patient.identifier, receipt.dispensation_id, now=national.clock()
    )
    after = _ep(national.connector, patient)
    assert after.prescription is not None and after.prescription.dispensable
    # cancelling again is harmless, even later
    national.clock.advance(timedelta(days=3))
    national.connector.cancel_dispensation(
        patient.identifier, receipt.dispensation_id, now=national.clock()
    )
    replay = national.connector.submit_dispensation(
        patient.identifier, make_edispensation(ep), idempotency_key="eD-8"
    )
    assert replay.status is DispensationStatus.CANCELLED


def test_discard_after_24_hours_fails(national: Harness) -> None:
    patient = _pt()
    ep = _ep(national.connector, patient)
    receipt = national.connector.submit_dispensation(
        patient.identifier, make_edispensation(ep), idempotency_key="eD-9"
    )
    national.clock.advance(timedelta(hours=24, seconds=1))
    with pytest.raises(DiscardWindowExpiredError):
        national.connector.cancel_dispensation(
            patient.identifier, receipt.dispensation_id, now=national.clock()
        )
    still = _ep(national.connector, patient)
    assert still.prescription is not None and not still.prescription.dispensable


def test_discard_needs_the_owner_and_a_known_id(national: Harness) -> None:
    patient = _pt()
    ep = _ep(national.connector, patient)
    receipt = national.connector.submit_dispensation(
        patient.identifier, make_edispensation(ep), idempotency_key="eD-10"
    )
    with pytest.raises(DispensationNotFoundError):
        national.connector.cancel_dispensation(
            _pt(1).identifier, receipt.dispensation_id, now=national.clock()
        )
    with pytest.raises(DispensationNotFoundError):
        national.connector.cancel_dispensation(
            patient.identifier, "no-such-id", now=national.clock()
        )
