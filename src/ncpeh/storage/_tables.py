"""The relational schema: national store, consent registry, access audit log.

One declarative ``Base`` holds every table so that Alembic sees one metadata
(the migration test checks that the migrations and these classes agree).
Enumerations are strings with CHECK constraints rather than native ``ENUM``
types: adding a value is then a one-line migration on both SQLite and
PostgreSQL.

The national tables (``national_*``) are the store of a *demo* national
system: in production the country's own systems hold these data and NCPeH-A
reaches them through the REST national connector. Consent and the access audit
log belong to the NCPeH itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from ncpeh.storage._errors import AuditLogAppendOnlyError
from ncpeh.storage._types import UtcDateTime

__all__ = [
    "AccessAuditEntry",
    "Base",
    "ConsentRow",
    "DispensationRow",
    "DocumentRow",
    "PatientIdentifierRow",
    "PatientRow",
]

#: Deterministic constraint names, so that migrations can refer to them on
#: every backend (SQLite batch mode needs names to alter constraints).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}


# --------------------------------------------------------------------------- national store


class PatientRow(Base):
    """A patient of the demo national index, with the traits an ISM may ask for."""

    __tablename__ = "national_patients"
    __table_args__ = (
        CheckConstraint("gender IN ('M', 'F', 'UN')", name="gender"),
        Index("ix_national_patients_birth_date", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ISO 3166-1 alpha-2 of the affiliation country (the country that is "A")
    country: Mapped[str] = mapped_column(String(2))
    family_name: Mapped[str] = mapped_column(String(200))
    #: given names in order, as a JSON list (French INS keeps the whole list)
    given_names: Mapped[list[str]] = mapped_column(JSON)
    birth_name: Mapped[str | None] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: HL7 AdministrativeGender code: M, F or UN
    gender: Mapped[str | None] = mapped_column(String(2))
    #: INSEE COG code (France) or free text; optional elsewhere
    birth_place: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(16))
    address_country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=_utcnow)

    identifiers: Mapped[list[PatientIdentifierRow]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        order_by="PatientIdentifierRow.id",
        passive_deletes=True,
    )


class PatientIdentifierRow(Base):
    """One identifier of a patient: value plus assigning-authority OID.

    Identifiers are compared as (domain, value) pairs, never as substrings
    (ehdsi-flows.md §4), hence the unique pair.
    """

    __tablename__ = "national_patient_identifiers"
    __table_args__ = (UniqueConstraint("domain", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("national_patients.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str] = mapped_column(String(64))
    #: assigning authority OID, e.g. 1.2.250.1.213.1.4.8 (INS-NIR)
    domain: Mapped[str] = mapped_column(String(64))

    patient: Mapped[PatientRow] = relationship(back_populates="identifiers")


class DocumentRow(Base):
    """A document of the national store with the XDS metadata NCPeH-A lists.

    ``sha1`` is what XDS ``DocumentEntry.hash`` carries; ``sha256`` is what we
    trust. The ``ep_*`` columns are the CP-051 dispensing metadata listed with
    each ePrescription; they are null for other classes.
    """

    __tablename__ = "national_documents"
    __table_args__ = (
        CheckConstraint("format IN ('L3', 'L1')", name="format"),
        Index("ix_national_documents_patient_class", "patient_id", "class_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_unique_id: Mapped[str] = mapped_column(String(128), unique=True)
    repository_unique_id: Mapped[str] = mapped_column(String(128))
    patient_id: Mapped[int] = mapped_column(ForeignKey("national_patients.id", ondelete="CASCADE"))
    #: LOINC class code: 60591-5 PS, 57833-6 eP, OrCD codes
    class_code: Mapped[str] = mapped_column(String(32))
    #: L3 (structured CDA) or L1 (PDF in a CDA nonXMLBody)
    format: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    sha1: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: the other half of an L3/L1 pair (XDS association XFRM), when there is one
    related_document_unique_id: Mapped[str | None] = mapped_column(String(128))
    #: eP only: the prescription id an eDispensation refers to (inFulfillmentOf/order/id)
    prescription_id: Mapped[str | None] = mapped_column(String(128), index=True)
    ep_dispensable: Mapped[bool | None] = mapped_column(Boolean)
    ep_atc_code: Mapped[str | None] = mapped_column(String(16))
    ep_atc_display: Mapped[str | None] = mapped_column(String(255))
    ep_product_name: Mapped[str | None] = mapped_column(String(255))
    ep_dose_form: Mapped[str | None] = mapped_column(String(255))
    ep_strength: Mapped[str | None] = mapped_column(String(64))
    ep_substitution_allowed: Mapped[bool | None] = mapped_column(Boolean)

    patient: Mapped[PatientRow] = relationship()


class DispensationRow(Base):
    """An eDispensation received from abroad, keyed for idempotency.

    The idempotency key is the eD ``uniqueId`` end to end (trust-security.md
    §8); the unique constraint makes a concurrent replay fail instead of
    dispensing twice.
    """

    __tablename__ = "national_dispensations"
    __table_args__ = (CheckConstraint("status IN ('submitted', 'cancelled')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispensation_id: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("national_patients.id", ondelete="CASCADE"), index=True
    )
    #: the prescription ids the eD fulfils, as a JSON list
    prescription_ids: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))

    patient: Mapped[PatientRow] = relationship()


# --------------------------------------------------------------------------- consent


class ConsentRow(Base):
    """One consent decision of a patient, as a registry or point of care recorded it.

    ``countries`` and ``document_classes`` are JSON lists; null means "any".
    The policies in :mod:`ncpeh.consent` interpret them.
    """

    __tablename__ = "consent_records"
    __table_args__ = (
        CheckConstraint("policy_kind IN ('opt-in', 'opt-out', 'point-of-care')", name="kind"),
        CheckConstraint("decision IN ('granted', 'refused')", name="decision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("national_patients.id", ondelete="CASCADE"), index=True
    )
    policy_kind: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str] = mapped_column(String(8))
    countries: Mapped[list[str] | None] = mapped_column(JSON)
    document_classes: Mapped[list[str] | None] = mapped_column(JSON)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    recorded_at: Mapped[datetime]
    #: who recorded it (registry name, "point-of-care:FR"); never a person's name
    source: Mapped[str | None] = mapped_column(String(64))


# --------------------------------------------------------------------------- audit


class AccessAuditEntry(Base):
    """One access by a foreign health professional, as the gateway saw it.

    Append-only: database triggers refuse every UPDATE, and every DELETE of a
    row younger than three years (the patient's right to see accesses, EHDS
    Art. 9); the ORM refuses both outright. Identifiers are keyed hashes
    (:func:`ncpeh.storage.pseudonymise`), never the identifiers themselves.
    """

    __tablename__ = "access_audit_log"
    __table_args__ = (
        CheckConstraint("outcome IN ('success', 'partial', 'refused', 'failure')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    #: IHE transaction, e.g. ITI-55, ITI-38, ITI-39, ITI-41
    transaction: Mapped[str] = mapped_column(String(32))
    requesting_country: Mapped[str] = mapped_column(String(2))
    hp_id_hash: Mapped[str] = mapped_column(String(64))
    patient_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    document_class: Mapped[str | None] = mapped_column(String(32))
    purpose_of_use: Mapped[str | None] = mapped_column(String(16))


@event.listens_for(AccessAuditEntry, "before_update")
def _refuse_update(_mapper: Mapper[Any], _conn: Any, _target: AccessAuditEntry) -> None:
    raise AuditLogAppendOnlyError("the access audit log is append-only: update refused")


@event.listens_for(AccessAuditEntry, "before_delete")
def _refuse_delete(_mapper: Mapper[Any], _conn: Any, _target: AccessAuditEntry) -> None:
    raise AuditLogAppendOnlyError("the access audit log is append-only: delete refused")
