"""Migrations: they create the whole schema, agree with the models, and run twice."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from ncpeh.storage import (
    Base,
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    upgrade_database,
)

from .databases import BACKENDS, empty_database


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_upgrade_creates_every_table_and_matches_the_models(
    backend_name: str, tmp_path: Path
) -> None:
    with empty_database(backend_name, tmp_path) as url:
        engine = make_engine(url)
        try:
            assert current_revision(engine) is None
            upgrade_database(url)
            tables = set(inspect(engine).get_table_names())
            assert set(Base.metadata.tables) | {"alembic_version"} == tables
            assert current_revision(engine) == head_revision()
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == [], f"models and migrations disagree: {diff}"
            upgrade_database(url)  # idempotent
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_downgrade_to_base_removes_everything(backend_name: str, tmp_path: Path) -> None:
    with empty_database(backend_name, tmp_path) as url:
        upgrade_database(url)
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                cfg = alembic_config()
                cfg.attributes["connection"] = conn
                command.downgrade(cfg, "base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        finally:
            engine.dispose()


def test_migrations_ship_inside_the_package_without_alembic_ini() -> None:
    location = Path(alembic_config().get_main_option("script_location") or "")
    assert (location / "env.py").is_file()
    assert any((location / "versions").glob("0001_*.py"))
    assert not (location / "alembic.ini").exists()
    assert head_revision() == "0001"
