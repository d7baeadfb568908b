"""Alembic environment: configured from code, never from ``alembic.ini``.

:func:`ncpeh.storage.upgrade_database` passes an open connection in
``config.attributes["connection"]``; tooling may pass ``attributes["url"]``
instead. SQLite gets batch mode so that later ALTERs work there too.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ncpeh.storage._engine import make_engine
from ncpeh.storage._tables import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    attributes = context.config.attributes
    connection = attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = attributes.get("url")
    if not url:
        raise RuntimeError("pass config.attributes['connection'] or ['url'] to run migrations")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run_offline() -> None:
    url = context.config.attributes.get("url")
    if not url:
        raise RuntimeError("offline mode needs config.attributes['url'] (for the SQL dialect)")
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
