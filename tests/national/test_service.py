"""Connector logic shared by all adapters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ncpeh.national import (
    DiscardWindowExpiredError,
    Gender,
    InvalidDispensationError,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
    check_discard_window_or_raise,
    matches_query,
    normalise_name,
    prescription_references_or_raise,
)
from ncpeh.national.seed import generate_patients
from ncpeh.national.testing import make_edispensation

from ..conftest import corpus_files

ID = PatientIdentifier("279036938304740", "1.2.250.1.213.1.4.10")
HELENE = PatientDemographics(
    identifiers=(ID,),
    family_name="Lefèvre-Dupont",
    given_names=("Hélène", "Marie"),
    birth_date=date(1979, 3, 14),
    gender=Gender.FEMALE,
    birth_name="Dubœuf",
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Lefèvre-Dupont", "LEFEVRE DUPONT"),
        ("O'Neill", "oneill"),
        ("Ødegård", "ødegard"),
        ("  Maria   Inês ", "maria ines"),
    ],
)
def test_names_compare_like_a_clerk_would(a: str, b: str) -> None:
    assert normalise_name(a) == normalise_name(b) or normalise_name(a).replace(" ", "") == (
        normalise_name(b).replace(" ", "")
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (PatientQuery(identifiers=(ID,)), True),
        (PatientQuery(identifiers=(PatientIdentifier(ID.value, "1.2.250.1.213.1.4.8"),)), False),
        (PatientQuery(identifiers=(ID,), family_name="lefevre dupont"), True),
        (PatientQuery(identifiers=(ID,), family_name="DUBOEUF"), True),  # birth name
        (PatientQuery(identifiers=(ID,), family_name="Dupont"), False),
        (PatientQuery(identifiers=(ID,), given_name="marie"), True),
        (PatientQuery(identifiers=(ID,), given_name="Hélène Marie"), True),
        (PatientQuery(identifiers=(ID,), given_name="Claire"), False),
        (PatientQuery(identifiers=(ID,), birth_date=date(1979, 3, 15)), False),
        (PatientQuery(identifiers=(ID,), gender=Gender.MALE), False),
        (PatientQuery(family_name="Lefevre-Dupont", birth_date=date(1979, 3, 14)), True),
    ],
)
def test_identifiers_select_and_traits_verify(query: PatientQuery, expected: bool) -> None:
    assert matches_query(HELENE, query) is expected


def test_prescription_references_of_our_edispensations() -> None:
    ep = generate_patients("PT")[0].documents[1].metadata
    assert ep.prescription is not None
    refs = prescription_references_or_raise(make_edispensation(ep))
    assert refs == (ep.prescription.prescription_id,)


@pytest.mark.parametrize("path", corpus_files("ed"), ids=lambda p: p.name)
def test_prescription_references_of_real_edispensations(path: Path) -> None:
    refs = prescription_references_or_raise(path.read_bytes())
    assert refs and all(r.startswith("1.2.208.176.7.2.2^") for r in refs)


@pytest.mark.parametrize("path", corpus_files("ps", "ep")[:6], ids=lambda p: p.name)
def test_other_documents_are_not_edispensations(path: Path) -> None:
    with pytest.raises(InvalidDispensationError):
        prescription_references_or_raise(path.read_bytes())


def test_oversized_edispensations_are_refused() -> None:
    ep = generate_patients("PT")[0].documents[1].metadata
    with pytest.raises(InvalidDispensationError):
        prescription_references_or_raise(make_edispensation(ep), max_bytes=100)


def test_discard_window_is_24_hours_inclusive() -> None:
    received = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    check_discard_window_or_raise(received, received + timedelta(hours=24))
    with pytest.raises(DiscardWindowExpiredError):
        check_discard_window_or_raise(received, received + timedelta(hours=24, microseconds=1))
    with pytest.raises(ValueError):
        check_discard_window_or_raise(received, datetime(2026, 1, 1, 9, 0))
