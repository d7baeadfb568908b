"""Relational storage: schema, migrations, engines and the access audit log.

SQLite by default (``sqlite:///var/ncpeh.db``: one file, WAL, foreign keys on),
PostgreSQL with psycopg 3 in production. The schema is defined once as typed
SQLAlchemy 2 declarative classes; Alembic migrations shipped inside the package
create it (:func:`upgrade_database`), and a test keeps the two in step.

Tables:

* ``national_patients``, ``national_patient_identifiers``,
  ``national_documents``, ``national_dispensations``: the demo national store
  behind :class:`ncpeh.national.adapters.sql.SqlNationalConnector`;
* ``consent_records``: what :mod:`ncpeh.consent` policies read;
* ``access_audit_log``: one append-only row per access by a foreign HP.

Exception hierarchy::

    NcpehError
     └── StorageError
          ├── UnsupportedDatabaseError   URL is neither SQLite nor PostgreSQL
          └── AuditLogAppendOnlyError    ORM update/delete of an audit row
"""

from ncpeh.storage._audit import (
    AUDIT_RETENTION,
    AccessOutcome,
    access_events_for_patient,
    append_access_event,
    pseudonymise,
    purge_expired_access_events,
)
from ncpeh.storage._engine import make_engine, session_factory
from ncpeh.storage._errors import AuditLogAppendOnlyError, StorageError, UnsupportedDatabaseError
from ncpeh.storage._migrate import (
    alembic_config,
    current_revision,
    head_revision,
    upgrade_database,
)
from ncpeh.storage._tables import (
    AccessAuditEntry,
    Base,
    ConsentRow,
    DispensationRow,
    DocumentRow,
    PatientIdentifierRow,
    PatientRow,
)
from ncpeh.storage._types import UtcDateTime

__all__ = [
    "AUDIT_RETENTION",
    "AccessAuditEntry",
    "AccessOutcome",
    "AuditLogAppendOnlyError",
    "Base",
    "ConsentRow",
    "DispensationRow",
    "DocumentRow",
    "PatientIdentifierRow",
    "PatientRow",
    "StorageError",
    "UnsupportedDatabaseError",
    "UtcDateTime",
    "access_events_for_patient",
    "alembic_config",
    "append_access_event",
    "current_revision",
    "head_revision",
    "make_engine",
    "pseudonymise",
    "purge_expired_access_events",
    "session_factory",
    "upgrade_database",
]
