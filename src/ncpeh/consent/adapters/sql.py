"""Consent records in the ``consent_records`` table.

Records hang off a patient of the national store, reached through any of the
patient's identifiers, so a consent registered under an INS-NIR applies when B
asks with another identifier of the same person.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from ncpeh.consent._errors import (
    ConsentError,
    ConsentStoreUnavailableError,
    UnknownConsentPatientError,
)
from ncpeh.consent.models import ConsentChoice, ConsentRecord, PolicyKind
from ncpeh.national.adapters.sql import find_patient_id
from ncpeh.national.models import PatientIdentifier
from ncpeh.storage import ConsentRow

__all__ = ["SqlConsentStore", "consent_row"]


class SqlConsentStore:
    """A :class:`~ncpeh.consent.ConsentStore` over ``consent_records``.

    Args:
        sessions: from :func:`ncpeh.storage.session_factory`.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def records_for(
        self, patient: PatientIdentifier, *, kind: PolicyKind
    ) -> Sequence[ConsentRecord]:
        with _guard(), self._sessions() as session:
            owner = find_patient_id(session, patient)
            if owner is None:
                return []
            rows = session.scalars(
                select(ConsentRow)
                .where(ConsentRow.patient_id == owner, ConsentRow.policy_kind == kind.value)
                .order_by(ConsentRow.recorded_at, ConsentRow.id)
            ).all()
            return [_record(row, patient) for row in rows]

    def add(self, record: ConsentRecord) -> None:
        with _guard(), self._sessions.begin() as session:
            owner = find_patient_id(session, record.patient)
            if owner is None:
                raise UnknownConsentPatientError(
                    "consent for a patient unknown to the national index"
                )
            session.add(consent_row(record, patient_id=owner))


def consent_row(record: ConsentRecord, *, patient_id: int) -> ConsentRow:
    """The table row for ``record`` (lists sorted, so equal scopes store equally)."""
    return ConsentRow(
        patient_id=patient_id,
        policy_kind=record.kind.value,
        decision=record.choice.value,
        countries=sorted(record.countries) if record.countries is not None else None,
        document_classes=(
            sorted(record.document_classes) if record.document_classes is not None else None
        ),
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        recorded_at=record.recorded_at,
        source=record.source,
    )


@contextmanager
def _guard() -> Iterator[None]:
    """Database failures as consent errors, without the driver's text (it can quote identifiers)."""
    try:
        yield
    except (OperationalError, InterfaceError, PoolTimeoutError) as exc:
        raise ConsentStoreUnavailableError(
            f"consent store unavailable ({type(exc).__name__})"
        ) from None
    except SQLAlchemyError as exc:
        raise ConsentError(f"consent store failed ({type(exc).__name__})") from None


def _record(row: ConsentRow, patient: PatientIdentifier) -> ConsentRecord:
    return ConsentRecord(
        patient=patient,
        kind=PolicyKind(row.policy_kind),
        choice=ConsentChoice(row.decision),
        valid_from=row.valid_from,
        recorded_at=row.recorded_at,
        valid_until=row.valid_until,
        countries=frozenset(row.countries) if row.countries is not None else None,
        document_classes=(
            frozenset(row.document_classes) if row.document_classes is not None else None
        ),
        source=row.source,
    )
