"""Consent records in the database, read by the policies (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ncpeh.consent import (
    ConsentChoice,
    ConsentRecord,
    ConsentStoreUnavailableError,
    OptInRegistryPolicy,
    OptOutRegistryPolicy,
    PointOfCareConsentPolicy,
    PolicyKind,
    PurposeOfUse,
    UnknownConsentPatientError,
)
from ncpeh.consent.adapters.sql import SqlConsentStore
from ncpeh.national import DocumentClass, PatientIdentifier
from ncpeh.national.seed import SHOWCASE_COUNT, generate_patients, seed_national_store
from ncpeh.storage import PatientIdentifierRow, PatientRow, make_engine, session_factory

from ..storage.databases import Database

NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
PT = generate_patients("PT")


@pytest.fixture
def store(database: Database) -> SqlConsentStore:
    with database.sessions.begin() as session:
        seed_national_store(session, "PT")
    return SqlConsentStore(database.sessions)


def _decide(
    policy: OptInRegistryPolicy | OptOutRegistryPolicy, index: int, document_class: str | None
) -> bool:
    return policy.decide(
        PT[index].identifier,
        requesting_country="FR",
        document_class=document_class,
        purpose_of_use=PurposeOfUse.TREATMENT,
        now=NOW,
    ).granted


def test_seeded_consents_drive_the_policies(store: SqlConsentStore) -> None:
    opt_in, opt_out = OptInRegistryPolicy(store), OptOutRegistryPolicy(store)
    ps, ep = DocumentClass.PATIENT_SUMMARY.value, DocumentClass.EPRESCRIPTION.value
    for i in range(SHOWCASE_COUNT):
        assert _decide(opt_in, i, ps) and _decide(opt_in, i, None)
    assert not _decide(opt_in, SHOWCASE_COUNT, ps)
    assert not _decide(opt_out, SHOWCASE_COUNT, ps)
    assert not _decide(opt_out, SHOWCASE_COUNT, None)
    assert _decide(opt_out, SHOWCASE_COUNT + 1, ps)
    assert not _decide(opt_out, SHOWCASE_COUNT + 1, ep)
    assert _decide(opt_out, SHOWCASE_COUNT + 1, None)
    assert _decide(opt_out, 10, ep)


def test_records_round_trip_and_follow_the_person(
    database: Database, store: SqlConsentStore
) -> None:
    patient = PT[7]
    alias = PatientIdentifier("7777777", "1.2.3.4.5")
    with database.sessions.begin() as session:
        owner = (
            session.query(PatientIdentifierRow)
            .filter_by(value=patient.identifier.value)
            .one()
            .patient_id
        )
        session.add(PatientIdentifierRow(patient_id=owner, value=alias.value, domain=alias.domain))
    written = ConsentRecord(
        alias,
        PolicyKind.OPT_IN,
        ConsentChoice.GRANTED,
        valid_from=NOW,
        recorded_at=NOW,
        valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        countries=frozenset({"fr", "BE"}),
        document_classes=frozenset({"60591-5"}),
        source="registry:test",
    )
    store.add(written)
    (read,) = store.records_for(patient.identifier, kind=PolicyKind.OPT_IN)
    assert read == ConsentRecord(
        patient.identifier,
        PolicyKind.OPT_IN,
        ConsentChoice.GRANTED,
        valid_from=NOW,
        recorded_at=NOW,
        valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        countries=frozenset({"FR", "BE"}),
        document_classes=frozenset({"60591-5"}),
        source="registry:test",
    )


def test_point_of_care_records_through_sql(store: SqlConsentStore) -> None:
    policy = PointOfCareConsentPolicy(store)
    decision = policy.decide(
        PT[9].identifier,
        requesting_country="FR",
        document_class="60591-5",
        purpose_of_use=PurposeOfUse.TREATMENT,
        now=NOW,
        point_of_care_consent=True,
    )
    assert decision.granted
    assert len(store.records_for(PT[9].identifier, kind=PolicyKind.POINT_OF_CARE)) == 1


def test_unknown_patients(store: SqlConsentStore) -> None:
    stranger = PatientIdentifier("1", "1.2.3")
    assert store.records_for(stranger, kind=PolicyKind.OPT_OUT) == []
    with pytest.raises(UnknownConsentPatientError):
        store.add(
            ConsentRecord(
                stranger, PolicyKind.OPT_IN, ConsentChoice.GRANTED, valid_from=NOW, recorded_at=NOW
            )
        )


def test_a_dead_database_is_unavailable_not_granted() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        policy = OptOutRegistryPolicy(SqlConsentStore(session_factory(engine)))
        with pytest.raises(ConsentStoreUnavailableError):
            policy.decide(
                PT[0].identifier,
                requesting_country="FR",
                document_class=None,
                purpose_of_use=PurposeOfUse.TREATMENT,
                now=NOW,
            )
    finally:
        engine.dispose()


def test_patient_rows_are_the_consent_anchor(database: Database, store: SqlConsentStore) -> None:
    with database.sessions() as session:
        assert session.query(PatientRow).count() == len(PT)
