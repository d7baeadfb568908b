"""Engines and sessions for SQLite (default, demo) and PostgreSQL (production)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from ncpeh.storage._errors import UnsupportedDatabaseError

__all__ = ["make_engine", "session_factory"]

#: How long a SQLite writer waits for the lock before failing, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 5000


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Build the one engine of a process for ``url``.

    Args:
        url: ``sqlite:///var/ncpeh.db`` (relative to the working directory) or
            ``postgresql+psycopg://user@host/db``. A bare ``postgresql://`` uses
            psycopg 3, the only PostgreSQL driver we ship.
        echo: log SQL (development only: statements may hold identifiers).

    Returns:
        An engine; keep it for the process lifetime (its pool is the point).

    Raises:
        UnsupportedDatabaseError: neither SQLite nor PostgreSQL.

    SQLite gets foreign keys (off by default in SQLite, and our cascades and
    integrity depend on them), WAL journaling (readers do not block the writer)
    and ``BEGIN IMMEDIATE`` transactions: SQLite is the single-node demo store,
    and taking the write lock up front turns "two dispensations raced" into a
    short wait instead of a ``database is locked`` failure half-way through.
    The parent directory of a SQLite file is created, so that
    ``ncpeh db upgrade`` works on a fresh checkout. Bound parameters are kept
    out of error messages and logs (``hide_parameters``): they are patient
    identifiers and clinical documents.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabaseError("database URL is not a valid SQLAlchemy URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, echo=echo)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, echo=echo, pool_pre_ping=True, hide_parameters=True)
    raise UnsupportedDatabaseError(
        f"unsupported database backend {backend!r}: use sqlite or postgresql"
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``.

    ``expire_on_commit=False`` because adapters return plain dataclasses built
    inside the transaction and never touch ORM objects after commit; expiring
    would only cost a reload.
    """
    return sessionmaker(bind=engine, expire_on_commit=False)


def _sqlite_engine(url: URL, *, echo: bool) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:") or url.query.get("mode") == "memory"
    if not in_memory and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        conn: sqlite3.Connection = dbapi_connection
        # Let SQLAlchemy emit BEGIN itself (see the "begin" hook): the sqlite3
        # module's implicit transactions break SAVEPOINT and transactional DDL.
        conn.isolation_level = None
        cursor = conn.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
