"""The SQL national store: atomic, idempotent under concurrency, honest when down."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from ncpeh.national import (
    DispensationReceipt,
    DocumentClass,
    NationalConnectorError,
    NotDispensableError,
    PatientQuery,
    RegistryUnavailableError,
    Service,
    ehdsi_code_for,
)
from ncpeh.national.adapters.sql import SqlNationalConnector
from ncpeh.national.seed import generate_patients, seed_national_store
from ncpeh.national.testing import make_edispensation
from ncpeh.storage import DispensationRow, DocumentRow, make_engine, session_factory

from ..storage.databases import Database

PATIENT = generate_patients("PT")[0]


@pytest.fixture
def store(database: Database) -> Iterator[SqlNationalConnector]:
    with database.sessions.begin() as session:
        seed_national_store(session, "PT")
    yield SqlNationalConnector(database.sessions, clock=lambda: datetime(2026, 2, 1, tzinfo=UTC))


def _ed(store: SqlNationalConnector) -> bytes:
    ep = store.list_documents(PATIENT.identifier, DocumentClass.EPRESCRIPTION)[0]
    return make_edispensation(ep)


def _counts(database: Database) -> tuple[int, bool]:
    with database.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(DispensationRow)) or 0
        dispensable = session.scalars(
            select(DocumentRow.ep_dispensable).where(
                DocumentRow.class_code == DocumentClass.EPRESCRIPTION.value,
                DocumentRow.prescription_id.is_not(None),
            )
        ).all()
    return rows, all(bool(d) for d in dispensable)


@pytest.mark.parametrize("failure", ["runtime", "database"])
def test_a_failure_half_way_stores_nothing(
    database: Database, store: SqlNationalConnector, failure: str
) -> None:
    ed = _ed(store)

    def explode(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # After the eD row is inserted, while the prescription is being marked dispensed.
        if statement.lstrip().upper().startswith("UPDATE NATIONAL_DOCUMENTS"):
            if failure == "runtime":
                raise RuntimeError("power cut")
            raise OperationalError(statement, {}, Exception("server closed the connection"))

    event.listen(database.engine, "before_cursor_execute", explode)
    try:
        expected = RuntimeError if failure == "runtime" else RegistryUnavailableError
        with pytest.raises(expected):
            store.submit_dispensation(PATIENT.identifier, ed, idempotency_key="k-1")
    finally:
        event.remove(database.engine, "before_cursor_execute", explode)
    assert _counts(database) == (0, True)
    # Nothing half-stored blocks the retry with the same key.
    receipt = store.submit_dispensation(PATIENT.identifier, ed, idempotency_key="k-1")
    assert receipt.idempotency_key == "k-1"
    assert _counts(database) == (1, False)


def test_concurrent_replays_store_one_dispensation(
    database: Database, store: SqlNationalConnector
) -> None:
    ed = _ed(store)
    barrier = threading.Barrier(4)
    receipts: list[DispensationReceipt] = []
    errors: list[BaseException] = []

    def submit() -> None:
        barrier.wait()
        try:
            receipts.append(
                store.submit_dispensation(PATIENT.identifier, ed, idempotency_key="same")
            )
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.dispensation_id for r in receipts}) == 1
    assert _counts(database)[0] == 1


def test_two_pharmacies_racing_for_one_prescription(
    database: Database, store: SqlNationalConnector
) -> None:
    ed = _ed(store)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit(key: str) -> None:
        barrier.wait()
        try:
            store.submit_dispensation(PATIENT.identifier, ed, idempotency_key=key)
            outcomes.append("stored")
        except NotDispensableError:
            outcomes.append("refused")

    threads = [threading.Thread(target=submit, args=(k,)) for k in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "stored"]
    assert _counts(database)[0] == 1


def test_an_unreachable_database_is_registry_unavailable() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    try:
        store = SqlNationalConnector(session_factory(engine))
        with pytest.raises(RegistryUnavailableError) as caught:
            store.find_patients(PatientQuery(identifiers=(PATIENT.identifier,)))
        assert caught.value.service is Service.IDENTIFICATION
        assert ehdsi_code_for(caught.value).code == "ERROR_PI_REGISTRY_NOT_AVAILABLE"
        assert caught.value.__cause__ is None  # the driver text stays out of the chain
        with pytest.raises(RegistryUnavailableError) as listed:
            store.list_documents(PATIENT.identifier, DocumentClass.EPRESCRIPTION)
        assert ehdsi_code_for(listed.value).code == "ERROR_EP_REGISTRY_NOT_AVAILABLE"
    finally:
        engine.dispose()


def test_errors_do_not_carry_identifiers(database: Database, store: SqlNationalConnector) -> None:
    with pytest.raises(NationalConnectorError) as caught:
        store.submit_dispensation(PATIENT.identifier, b"<nope", idempotency_key="k-2")
    assert PATIENT.identifier.value not in str(caught.value)
