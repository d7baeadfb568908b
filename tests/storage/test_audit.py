"""The access audit log: append-only, kept three years, identifiers pseudonymised."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ncpeh.storage import (
    AUDIT_RETENTION,
    AccessAuditEntry,
    AccessOutcome,
    AuditLogAppendOnlyError,
    access_events_for_patient,
    append_access_event,
    pseudonymise,
    purge_expired_access_events,
)

from .databases import Database

KEY = b"k" * 32
NOW = datetime.now(UTC)


def _append(database: Database, when: datetime, patient: str | None = "p1") -> int:
    with database.sessions.begin() as session:
        entry = append_access_event(
            session,
            occurred_at=when,
            transaction="ITI-38",
            requesting_country="fr",
            hp_id_hash=pseudonymise("hp-1", key=KEY),
            patient_id_hash=pseudonymise(patient, key=KEY) if patient else None,
            outcome=AccessOutcome.REFUSED,
            error_code="ERROR_PS_NO_CONSENT",
            document_class="60591-5",
            purpose_of_use="TREATMENT",
        )
        session.flush()
        return entry.id


def test_events_are_written_and_read_back_per_patient(database: Database) -> None:
    _append(database, NOW - timedelta(minutes=5))
    _append(database, NOW - timedelta(minutes=10))
    _append(database, NOW, patient="someone-else")
    _append(database, NOW, patient=None)
    with database.sessions() as session:
        events = access_events_for_patient(session, pseudonymise("p1", key=KEY))
        assert [e.occurred_at for e in events] == sorted(e.occurred_at for e in events)
        assert len(events) == 2
        assert events[0].requesting_country == "FR"
        assert events[0].outcome == "refused"
        assert events[0].error_code == "ERROR_PS_NO_CONSENT"


def test_orm_refuses_update_and_delete(database: Database) -> None:
    entry_id = _append(database, NOW)
    with pytest.raises(AuditLogAppendOnlyError):
        with database.sessions.begin() as session:
            entry = session.get_one(AccessAuditEntry, entry_id)
            entry.outcome = "success"
    with pytest.raises(AuditLogAppendOnlyError):
        with database.sessions.begin() as session:
            session.delete(session.get_one(AccessAuditEntry, entry_id))


def test_database_refuses_update_and_early_delete(database: Database) -> None:
    entry_id = _append(database, NOW - timedelta(days=400))
    with pytest.raises(DBAPIError, match="append-only"):
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE access_audit_log SET outcome = 'success'"))
    with pytest.raises(DBAPIError, match="three years"):
        with database.engine.begin() as conn:
            conn.execute(text("DELETE FROM access_audit_log WHERE id = :id"), {"id": entry_id})
    with database.sessions() as session:
        assert session.scalars(select(AccessAuditEntry.outcome)).one() == "refused"


def test_purge_removes_only_rows_past_retention(database: Database) -> None:
    _append(database, NOW - AUDIT_RETENTION - timedelta(days=2))
    recent = _append(database, NOW - timedelta(days=3 * 365 - 10))
    with database.sessions.begin() as session:
        assert purge_expired_access_events(session, now=NOW) == 1
    with database.sessions() as session:
        assert session.scalars(select(AccessAuditEntry.id)).all() == [recent]
    # A clock far in the future cannot shorten the retention: the trigger refuses.
    with pytest.raises(DBAPIError):
        with database.sessions.begin() as session:
            purge_expired_access_events(session, now=NOW + timedelta(days=5000))


def test_outcome_is_constrained(database: Database) -> None:
    with pytest.raises(IntegrityError):
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO access_audit_log (occurred_at, "transaction", requesting_country,'
                    " hp_id_hash, outcome) VALUES (:t, 'ITI-55', 'FR', 'h', 'maybe')"
                ),
                {"t": NOW},
            )


def test_pseudonyms_are_keyed_and_stable() -> None:
    a = pseudonymise("279036938304740^^^&1.2.250.1.213.1.4.8&ISO", key=KEY)
    assert a == pseudonymise("279036938304740^^^&1.2.250.1.213.1.4.8&ISO", key=KEY)
    assert a != pseudonymise("279036938304740^^^&1.2.250.1.213.1.4.8&ISO", key=b"x" * 32)
    assert len(a) == 64 and "279036938304740" not in a
    with pytest.raises(ValueError):
        pseudonymise("x", key=b"short")
