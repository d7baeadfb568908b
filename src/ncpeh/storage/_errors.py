"""Exceptions of the storage package (hierarchy drawn in ``ncpeh.storage``)."""

from __future__ import annotations

from ncpeh.errors import NcpehError

__all__ = ["AuditLogAppendOnlyError", "StorageError", "UnsupportedDatabaseError"]


class StorageError(NcpehError):
    code = "storage.error"


class UnsupportedDatabaseError(StorageError):
    """The URL names a backend other than SQLite or PostgreSQL."""

    code = "storage.unsupported-database"


class AuditLogAppendOnlyError(StorageError):
    """An update or delete of an access audit row was attempted through the ORM."""

    code = "storage.audit-append-only"
