"""Engines: SQLite pragmas, backend choice, UTC timestamps, no parameters in errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from ncpeh.storage import (
    AccessAuditEntry,
    PatientIdentifierRow,
    PatientRow,
    UnsupportedDatabaseError,
    make_engine,
    session_factory,
    upgrade_database,
)

from .databases import Database


def test_sqlite_file_gets_wal_foreign_keys_and_its_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'nested' / 'ncpeh.db'}"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    finally:
        engine.dispose()
    assert (tmp_path / "var" / "nested").is_dir()


def test_relative_sqlite_url_is_relative_to_the_working_directory(tmp_path: Path) -> None:
    # conftest chdirs into tmp_path: this is how `sqlite:///var/ncpeh.db` behaves.
    upgrade_database("sqlite:///var/ncpeh.db")
    assert (tmp_path / "var" / "ncpeh.db").is_file()


def test_in_memory_sqlite_keeps_foreign_keys() -> None:
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["mysql://u@h/db", "oracle://u@h/db", "not a url"])
def test_other_backends_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseError):
        make_engine(url)


def test_bare_postgresql_url_uses_psycopg_3() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:1/none")
    try:
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_timestamps_come_back_aware_in_utc(database: Database) -> None:
    paris = timezone(timedelta(hours=1))
    moment = datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=paris)
    with database.sessions.begin() as session:
        session.add(
            AccessAuditEntry(
                occurred_at=moment,
                transaction="ITI-55",
                requesting_country="FR",
                hp_id_hash="h" * 64,
                patient_id_hash=None,
                outcome="success",
            )
        )
    with database.sessions() as session:
        stored = session.scalars(select(AccessAuditEntry.occurred_at)).one()
    assert stored == moment
    assert stored.tzinfo == UTC


def test_naive_timestamps_are_refused(database: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        with database.sessions.begin() as session:
            session.add(
                AccessAuditEntry(
                    occurred_at=datetime(2026, 3, 1),
                    transaction="ITI-55",
                    requesting_country="FR",
                    hp_id_hash="h" * 64,
                    patient_id_hash=None,
                    outcome="success",
                )
            )


def test_error_messages_never_carry_bound_parameters(database: Database) -> None:
    secret = "279036938304740"

    def add() -> None:
        with database.sessions.begin() as session:
            session.add(
                PatientRow(
                    country="FR",
                    family_name="X",
                    given_names=["Y"],
                    identifiers=[PatientIdentifierRow(value=secret, domain="1.2.250.1.213.1.4.10")],
                )
            )

    add()
    with pytest.raises(IntegrityError) as caught:
        add()
    message = str(caught.value)
    assert "parameters hidden" in message
    # PostgreSQL's own DETAIL line still names the key: adapters must not chain
    # these errors into what they raise (see the national and consent adapters).
    if database.backend == "sqlite":
        assert secret not in message


def test_session_factory_does_not_expire_on_commit(database: Database) -> None:
    sessions = session_factory(database.engine)
    with sessions.begin() as session:
        row = PatientRow(country="PT", family_name="Silva", given_names=["Ana"])
        session.add(row)
    assert row.family_name == "Silva"  # readable after commit without a reload
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM national_patients")).scalar() == 1
