"""Alembic migration environment of ncpeh (see :mod:`ncpeh.storage`)."""
