"""Database fixtures shared by the storage, national and consent tests.

Every DB test runs on SQLite and on PostgreSQL. PostgreSQL comes from
``NCPEH_TEST_POSTGRES_URL``; without it (or when it does not answer) those
tests skip with the reason. Each test module gets its own randomly named
PostgreSQL schema (``search_path``), dropped afterwards, so pytest-xdist
workers never share tables. SQLite tests copy a migrated template file, so
each test starts from an empty, migrated database in a few milliseconds.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ncpeh.storage import Base, make_engine, session_factory, upgrade_database

BACKENDS = ["sqlite", "postgresql"]
ENV = "NCPEH_TEST_POSTGRES_URL"


@dataclass
class Database:
    backend: str
    url: str
    engine: Engine
    sessions: sessionmaker[Session]


@cache
def _postgres_problem(url: str) -> str | None:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not usable here"
        return f"{type(exc).__name__}"
    finally:
        engine.dispose()
    return None


def postgres_url_or_skip() -> str:
    url = os.environ.get(ENV)
    if not url:
        pytest.skip(f"{ENV} is not set: PostgreSQL tests skipped")
    problem = _postgres_problem(url)
    if problem is not None:
        pytest.skip(f"PostgreSQL at {ENV} is not reachable ({problem}): tests skipped")
    return url


def _with_search_path(url: str, schema: str) -> str:
    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema; yields a URL whose ``search_path`` points at it."""
    base = postgres_url_or_skip()
    schema = f"ncpeh_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _with_search_path(base, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """URL of an empty, unmigrated database on ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def postgres_module_url(backend: str) -> Iterator[str | None]:
    if backend != "postgresql":
        yield None
        return
    with postgres_schema() as url:
        upgrade_database(url)
        yield url


@pytest.fixture
def database(
    backend: str, postgres_module_url: str | None, sqlite_template: Path, tmp_path: Path
) -> Iterator[Database]:
    """An empty, migrated database on the backend of the current parameter."""
    if backend == "sqlite":
        path = tmp_path / "ncpeh.db"
        shutil.copyfile(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        assert postgres_module_url is not None
        url = postgres_module_url
    engine = make_engine(url)
    try:
        yield Database(backend, url, engine, session_factory(engine))
    finally:
        if backend == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with engine.begin() as conn:
                # TRUNCATE fires no row triggers: the audit log guard does not apply.
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
