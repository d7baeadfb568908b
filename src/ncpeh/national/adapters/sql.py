"""A national store in our own database (SQLite or PostgreSQL): the demo's "country A".

Real countries keep patients, documents and dispensations in their own systems
and plug in through :mod:`ncpeh.national.adapters.rest`. This adapter is the
stand-in used by the demo and by countries that want NCPeH-A to host a copy.

Every call runs in its own short transaction. Database failures become
:class:`RegistryUnavailableError` (cannot reach or lock the store: retry) or
:class:`NationalSystemError` (anything else), tagged with the service so the
gateway answers the right eHDSI code.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, defer, selectinload, sessionmaker

from ncpeh.national._errors import (
    DispensationNotFoundError,
    DocumentNotFoundError,
    DuplicateDispensationError,
    NationalConnectorError,
    NationalSystemError,
    NotDispensableError,
    PatientNotFoundError,
    PrescriptionNotIdentifiableError,
    RegistryUnavailableError,
    Service,
)
from ncpeh.national._service import (
    check_discard_window_or_raise,
    check_idempotency_key_or_raise,
    check_listable_class_or_raise,
    check_query_or_raise,
    content_digest,
    matches_query,
    prescription_references_or_raise,
    require_aware,
    service_for_class,
)
from ncpeh.national.models import (
    Address,
    DispensationReceipt,
    DispensationStatus,
    DocumentClass,
    DocumentFormat,
    DocumentMetadata,
    Gender,
    NationalDocument,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
    PrescriptionDetails,
)
from ncpeh.storage import DispensationRow, DocumentRow, PatientIdentifierRow, PatientRow
from ncpeh.xmlsafe import DEFAULT_MAX_BYTES

__all__ = ["SqlNationalConnector", "find_patient_id", "store_document", "store_patient"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _KeyRace(Exception):
    """Another transaction stored the same idempotency key first."""


class SqlNationalConnector:
    """:class:`~ncpeh.national.NationalConnector` over the ``national_*`` tables.

    Args:
        sessions: from :func:`ncpeh.storage.session_factory`.
        clock: "now" for dispensation receipts; inject a fixed clock in tests.
        max_document_bytes: ceiling for a submitted eDispensation.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = _utcnow,
        max_document_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._max_bytes = max_document_bytes

    # ----------------------------------------------------------------- patients

    def find_patients(self, query: PatientQuery) -> list[PatientDemographics]:
        check_query_or_raise(query)
        with _guard(Service.IDENTIFICATION), self._sessions() as session:
            if query.identifiers:
                wanted = or_(
                    *(
                        and_(
                            PatientIdentifierRow.domain == i.domain,
                            PatientIdentifierRow.value == i.value,
                        )
                        for i in query.identifiers
                    )
                )
                ids = select(PatientIdentifierRow.patient_id).where(wanted)
                stmt = select(PatientRow).where(PatientRow.id.in_(ids))
            else:
                stmt = select(PatientRow).where(PatientRow.birth_date == query.birth_date)
            stmt = stmt.options(selectinload(PatientRow.identifiers)).order_by(PatientRow.id)
            candidates = [_demographics(row) for row in session.scalars(stmt)]
        found = [p for p in candidates if matches_query(p, query)]
        return sorted(
            found, key=lambda p: (p.primary_identifier.domain, p.primary_identifier.value)
        )

    # ----------------------------------------------------------------- documents

    def list_documents(self, patient: PatientIdentifier, class_code: str) -> list[DocumentMetadata]:
        check_listable_class_or_raise(class_code)
        service = service_for_class(class_code)
        with _guard(service), self._sessions() as session:
            owner = find_patient_id(session, patient)
            if owner is None:
                raise PatientNotFoundError("unknown patient", service=service)
            rows = session.scalars(
                select(DocumentRow)
                .where(DocumentRow.patient_id == owner, DocumentRow.class_code == class_code)
                .options(defer(DocumentRow.content))
                .order_by(DocumentRow.created_at.desc(), DocumentRow.document_unique_id)
            ).all()
            return [_metadata(row, patient) for row in rows]

    def retrieve_document(
        self, document_id: str, *, patient: PatientIdentifier | None = None
    ) -> NationalDocument:
        with _guard(None), self._sessions() as session:
            row = session.scalar(
                select(DocumentRow).where(DocumentRow.document_unique_id == document_id)
            )
            if row is None:
                raise DocumentNotFoundError("no such document")
            if patient is None:
                shown = _primary_identifier(session, row.patient_id)
            elif find_patient_id(session, patient) == row.patient_id:
                shown = patient
            else:
                raise DocumentNotFoundError(
                    "no such document for this patient", service=service_for_class(row.class_code)
                )
            return NationalDocument(metadata=_metadata(row, shown), content=row.content)

    # ----------------------------------------------------------------- dispensations

    def submit_dispensation(
        self, patient: PatientIdentifier, document: bytes, *, idempotency_key: str
    ) -> DispensationReceipt:
        check_idempotency_key_or_raise(idempotency_key)
        for _attempt in range(2):
            try:
                with _guard(Service.DISPENSATION), self._sessions.begin() as session:
                    return self._submit(session, patient, document, idempotency_key)
            except _KeyRace:
                continue  # the other writer committed; the next pass replays or refuses
        raise DuplicateDispensationError("idempotency key is being used concurrently")

    def _submit(
        self, session: Session, patient: PatientIdentifier, document: bytes, key: str
    ) -> DispensationReceipt:
        digest = content_digest(document)
        replay = self._replay(session, patient, key, digest.sha256)
        if replay is not None:
            return replay
        owner = find_patient_id(session, patient)
        if owner is None:
            raise PatientNotFoundError("unknown patient", service=Service.DISPENSATION)
        refs = prescription_references_or_raise(document, max_bytes=self._max_bytes)
        prescriptions = session.scalars(
            select(DocumentRow)
            .where(
                DocumentRow.patient_id == owner,
                DocumentRow.class_code == DocumentClass.EPRESCRIPTION.value,
                DocumentRow.prescription_id.in_(refs),
            )
            .options(defer(DocumentRow.content))
            .with_for_update()
        ).all()
        if not prescriptions:
            raise PrescriptionNotIdentifiableError(
                "the eDispensation refers to no prescription of this patient"
            )
        # Under the prescription lock, look again: a concurrent request with the
        # same key may have committed while we waited, and must be replayed.
        replay = self._replay(session, patient, key, digest.sha256)
        if replay is not None:
            return replay
        if not all(p.ep_dispensable for p in prescriptions):
            raise NotDispensableError("the prescription is not dispensable")
        row = DispensationRow(
            dispensation_id=str(uuid.uuid4()),
            idempotency_key=key,
            patient_id=owner,
            prescription_ids=list(refs),
            status=DispensationStatus.SUBMITTED.value,
            created_at=require_aware(self._clock(), "clock()"),
            cancelled_at=None,
            content=document,
            sha256=digest.sha256,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise _KeyRace from None
        # Second write of the same transaction: the eD and "dispensed" commit together.
        for p in prescriptions:
            p.ep_dispensable = False
        session.flush()
        return _receipt(row, patient)

    @staticmethod
    def _replay(
        session: Session, patient: PatientIdentifier, key: str, sha256: str
    ) -> DispensationReceipt | None:
        existing = session.scalar(
            select(DispensationRow)
            .where(DispensationRow.idempotency_key == key)
            .options(defer(DispensationRow.content))
        )
        if existing is None:
            return None
        if existing.sha256 != sha256 or find_patient_id(session, patient) != existing.patient_id:
            raise DuplicateDispensationError(
                "idempotency key already used for another eDispensation"
            )
        return _receipt(existing, patient)

    def cancel_dispensation(
        self, patient: PatientIdentifier, dispensation_id: str, *, now: datetime
    ) -> None:
        require_aware(now)
        with _guard(Service.DISCARD), self._sessions.begin() as session:
            row = session.scalar(
                select(DispensationRow)
                .where(DispensationRow.dispensation_id == dispensation_id)
                .options(defer(DispensationRow.content))
                .with_for_update()
            )
            if row is None or find_patient_id(session, patient) != row.patient_id:
                raise DispensationNotFoundError("no such dispensation for this patient")
            if row.status == DispensationStatus.CANCELLED.value:
                return
            check_discard_window_or_raise(row.created_at, now)
            row.status = DispensationStatus.CANCELLED.value
            row.cancelled_at = now
            session.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.patient_id == row.patient_id,
                    DocumentRow.class_code == DocumentClass.EPRESCRIPTION.value,
                    DocumentRow.prescription_id.in_(row.prescription_ids),
                )
                .values(ep_dispensable=True)
                .execution_options(synchronize_session=False)
            )


# --------------------------------------------------------------------------- loading


def store_patient(session: Session, patient: PatientDemographics, *, country: str) -> PatientRow:
    """Add a patient and their identifiers to ``session`` (the caller commits)."""
    address = patient.address or Address()
    row = PatientRow(
        country=country.upper(),
        family_name=patient.family_name,
        given_names=list(patient.given_names),
        birth_name=patient.birth_name,
        birth_date=patient.birth_date,
        gender=patient.gender.value if patient.gender else None,
        birth_place=patient.birth_place,
        street=address.street,
        city=address.city,
        postal_code=address.postal_code,
        address_country=address.country,
        identifiers=[
            PatientIdentifierRow(value=i.value, domain=i.domain) for i in patient.identifiers
        ],
    )
    session.add(row)
    return row


def store_document(
    session: Session, document: NationalDocument, *, patient: PatientRow
) -> DocumentRow:
    """Add a document of ``patient`` to ``session``; digests are recomputed from the bytes."""
    m = document.metadata
    digest = content_digest(document.content)
    p = m.prescription
    row = DocumentRow(
        document_unique_id=m.document_id,
        repository_unique_id=m.repository_id,
        patient=patient,
        class_code=m.class_code,
        format=m.format.value,
        title=m.title,
        language=m.language,
        created_at=m.created,
        mime_type=m.mime_type,
        size=digest.size,
        sha256=digest.sha256,
        sha1=digest.sha1,
        content=document.content,
        related_document_unique_id=m.related_document_id,
        prescription_id=p.prescription_id if p else None,
        ep_dispensable=p.dispensable if p else None,
        ep_atc_code=p.atc_code if p else None,
        ep_atc_display=p.atc_display if p else None,
        ep_product_name=p.product_name if p else None,
        ep_dose_form=p.dose_form if p else None,
        ep_strength=p.strength if p else None,
        ep_substitution_allowed=p.substitution_allowed if p else None,
    )
    session.add(row)
    return row


# --------------------------------------------------------------------------- helpers


@contextmanager
def _guard(service: Service | None) -> Iterator[None]:
    """Database failures as connector errors, without the driver's text.

    The driver's message can quote the offending row (PostgreSQL's ``DETAIL:
    Key (domain, value)=(…, 279036938304740)``), so the original is dropped from
    the chain; the message keeps its class name for diagnosis.
    """
    try:
        yield
    except NationalConnectorError:
        raise
    except (OperationalError, InterfaceError, PoolTimeoutError) as exc:
        raise RegistryUnavailableError(
            f"national store unavailable ({_cause(exc)})", service=service
        ) from None
    except SQLAlchemyError as exc:
        raise NationalSystemError(
            f"national store failed ({_cause(exc)})", service=service
        ) from None


def _cause(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return type(orig if orig is not None else exc).__name__


def find_patient_id(session: Session, identifier: PatientIdentifier) -> int | None:
    return session.scalar(
        select(PatientIdentifierRow.patient_id).where(
            PatientIdentifierRow.domain == identifier.domain,
            PatientIdentifierRow.value == identifier.value,
        )
    )


def _primary_identifier(session: Session, patient_id: int) -> PatientIdentifier:
    row = session.scalars(
        select(PatientIdentifierRow)
        .where(PatientIdentifierRow.patient_id == patient_id)
        .order_by(PatientIdentifierRow.id)
        .limit(1)
    ).one()
    return PatientIdentifier(value=row.value, domain=row.domain)


def _demographics(row: PatientRow) -> PatientDemographics:
    address = None
    if any((row.street, row.city, row.postal_code, row.address_country)):
        address = Address(row.street, row.city, row.postal_code, row.address_country)
    return PatientDemographics(
        identifiers=tuple(PatientIdentifier(i.value, i.domain) for i in row.identifiers),
        family_name=row.family_name,
        given_names=tuple(row.given_names),
        birth_date=row.birth_date,
        gender=Gender(row.gender) if row.gender else None,
        birth_name=row.birth_name,
        birth_place=row.birth_place,
        address=address,
    )


def _metadata(row: DocumentRow, patient: PatientIdentifier) -> DocumentMetadata:
    prescription = None
    if row.prescription_id is not None:
        prescription = PrescriptionDetails(
            prescription_id=row.prescription_id,
            dispensable=bool(row.ep_dispensable),
            atc_code=row.ep_atc_code,
            atc_display=row.ep_atc_display,
            product_name=row.ep_product_name,
            dose_form=row.ep_dose_form,
            strength=row.ep_strength,
            substitution_allowed=row.ep_substitution_allowed,
        )
    return DocumentMetadata(
        document_id=row.document_unique_id,
        repository_id=row.repository_unique_id,
        patient=patient,
        class_code=row.class_code,
        format=DocumentFormat(row.format),
        title=row.title,
        created=row.created_at,
        language=row.language,
        mime_type=row.mime_type,
        size=row.size,
        sha256=row.sha256,
        sha1=row.sha1,
        related_document_id=row.related_document_unique_id,
        prescription=prescription,
    )


def _receipt(row: DispensationRow, patient: PatientIdentifier) -> DispensationReceipt:
    return DispensationReceipt(
        dispensation_id=row.dispensation_id,
        idempotency_key=row.idempotency_key,
        patient=patient,
        prescription_ids=tuple(row.prescription_ids),
        received_at=row.created_at,
        sha256=row.sha256,
        status=DispensationStatus(row.status),
    )
