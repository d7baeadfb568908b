"""Alembic, driven from code: no ``alembic.ini`` is needed at run time.

The migration scripts live inside the package (``storage/migrations``) so that
an installed wheel can migrate its own database: ``ncpeh db upgrade`` calls
:func:`upgrade_database`, and the readiness probe compares
:func:`current_revision` with :func:`head_revision`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from ncpeh.storage._engine import make_engine

__all__ = ["alembic_config", "current_revision", "head_revision", "upgrade_database"]


def _script_location() -> str:
    return str(Path(str(resources.files("ncpeh.storage").joinpath("migrations"))))


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations.

    Developers generating a new revision can use it from Python::

        from alembic import command
        cfg = alembic_config(); cfg.attributes["url"] = "sqlite:///var/dev.db"
        command.revision(cfg, "add x", autogenerate=True)
    """
    cfg = Config()
    cfg.set_main_option("script_location", _script_location())
    # Keep revision files importable and sortable: 0001_initial.py, ...
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return cfg


def upgrade_database(url: str | URL, *, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest).

    Idempotent: on an up-to-date database it does nothing. The migration runs
    in one transaction on PostgreSQL and SQLite, so a failed upgrade leaves the
    previous schema intact.
    """
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def head_revision() -> str:
    """The newest revision the installed package knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships revisions
        raise RuntimeError("no migration revisions are packaged")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` for an unmigrated database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
