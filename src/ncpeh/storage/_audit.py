"""Writing and reading the access audit log (the patient-visible access trail).

The gateway appends one row per access, in the same transaction as the access
itself (trust-security.md §5.1 "outbox" rule): if the row cannot be written,
the access did not happen. Direct identifiers never reach the table; the HP and
patient ids are keyed hashes, so that a patient (or the DPO) can still find
their own rows by hashing their identifier with the same key, while a leaked
table does not reveal who was treated. An unkeyed hash would not do: a French
NIR has ~10^13 values and is brute-forced in hours.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ncpeh.storage._tables import AccessAuditEntry

__all__ = [
    "AUDIT_RETENTION",
    "AccessOutcome",
    "access_events_for_patient",
    "append_access_event",
    "pseudonymise",
    "purge_expired_access_events",
]

#: Minimum retention of an access row: three years (EHDS Art. 9), counted
#: generously so that leap days never shorten it.
AUDIT_RETENTION = timedelta(days=3 * 366)


class AccessOutcome(StrEnum):
    """How an access ended; maps onto ATNA EventOutcomeIndicator 0/4/8/12."""

    SUCCESS = "success"
    #: served with a warning, e.g. a missing translation
    PARTIAL = "partial"
    #: denied by consent or authorisation (ASVS 16.3.2: denials are logged too)
    REFUSED = "refused"
    FAILURE = "failure"


def pseudonymise(value: str, *, key: bytes) -> str:
    """HMAC-SHA-256 of an identifier, hex encoded (64 characters).

    Pass the identifier in a canonical form, e.g. the CX string
    ``value^^^&oid&ISO``, so that the same person always hashes the same.
    """
    if len(key) < 16:
        raise ValueError("the pseudonymisation key must be at least 16 bytes")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def append_access_event(
    session: Session,
    *,
    occurred_at: datetime,
    transaction: str,
    requesting_country: str,
    hp_id_hash: str,
    patient_id_hash: str | None,
    outcome: AccessOutcome,
    error_code: str | None = None,
    document_class: str | None = None,
    purpose_of_use: str | None = None,
) -> AccessAuditEntry:
    """Add one access row to ``session``; the caller's transaction commits it.

    Args:
        session: the session of the access being audited (same transaction).
        occurred_at: aware timestamp of the access.
        transaction: IHE transaction, e.g. ``ITI-55``, ``ITI-38``, ``ITI-39``, ``ITI-41``.
        requesting_country: ISO 3166-1 alpha-2 of the HP's country (country B).
        hp_id_hash: :func:`pseudonymise` of the HP identifier from the HCP assertion.
        patient_id_hash: :func:`pseudonymise` of the patient CX; ``None`` when
            identification failed and there is no patient.
        outcome: how the access ended.
        error_code: the eHDSI error code answered, if any.
        document_class: LOINC class of the documents concerned, if any.
        purpose_of_use: ``TREATMENT`` or ``EMERGENCY`` (break-glass is reviewed).
    """
    entry = AccessAuditEntry(
        occurred_at=occurred_at,
        transaction=transaction,
        requesting_country=requesting_country.upper(),
        hp_id_hash=hp_id_hash,
        patient_id_hash=patient_id_hash,
        outcome=outcome.value,
        error_code=error_code,
        document_class=document_class,
        purpose_of_use=purpose_of_use,
    )
    session.add(entry)
    return entry


def access_events_for_patient(session: Session, patient_id_hash: str) -> Sequence[AccessAuditEntry]:
    """Every access to one patient, oldest first: the patient's own access log."""
    stmt = (
        select(AccessAuditEntry)
        .where(AccessAuditEntry.patient_id_hash == patient_id_hash)
        .order_by(AccessAuditEntry.occurred_at, AccessAuditEntry.id)
    )
    return session.scalars(stmt).all()


def purge_expired_access_events(session: Session, *, now: datetime) -> int:
    """Delete rows older than :data:`AUDIT_RETENTION`; return how many went.

    The database triggers refuse to delete younger rows whatever the caller
    asks, so a wrong ``now`` cannot shorten the retention.
    """
    cutoff = now - AUDIT_RETENTION
    result = session.execute(
        delete(AccessAuditEntry)
        .where(AccessAuditEntry.occurred_at < cutoff)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
