from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from ncpeh.national.seed import COUNTRIES, seed_national_store
from ncpeh.storage import make_engine, session_factory, upgrade_database

from ..storage.databases import (
    backend,
    database,
    postgres_module_url,
    postgres_schema,
    sqlite_template,
)

__all__ = [
    "Clock",
    "backend",
    "database",
    "postgres_module_url",
    "seeded_postgres_url",
    "seeded_sessions",
    "seeded_sqlite_template",
    "sqlite_template",
]


@dataclass
class Clock:
    """A settable clock shared by a connector and the test."""

    now: datetime = field(default_factory=lambda: datetime(2026, 2, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def _seed(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_factory(engine).begin() as session:
            for country in COUNTRIES:
                seed_national_store(session, country)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def seeded_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    upgrade_database(f"sqlite:///{path}")
    _seed(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def seeded_postgres_url() -> Iterator[str]:
    with postgres_schema() as url:
        upgrade_database(url)
        _seed(url)
        yield url


@contextmanager
def seeded_sessions(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database holding every synthetic patient; changes vanish afterwards.

    SQLite copies a seeded file; PostgreSQL runs the test inside one outer
    transaction that is rolled back (the connector's own transactions become
    savepoints), so seeding happens once per module.
    """
    if kind == "sqlite":
        template: Path = request.getfixturevalue("seeded_sqlite_template")
        path = tmp_path / "seeded.db"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield session_factory(engine)
        finally:
            engine.dispose()
        return
    url: str = request.getfixturevalue("seeded_postgres_url")
    engine = make_engine(url)
    connection = engine.connect()
    outer = connection.begin()
    try:
        yield sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
    finally:
        outer.rollback()
        connection.close()
        engine.dispose()
