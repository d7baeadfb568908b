from __future__ import annotations

from ..storage.databases import backend, database, postgres_module_url, sqlite_template

__all__ = ["backend", "database", "postgres_module_url", "sqlite_template"]
