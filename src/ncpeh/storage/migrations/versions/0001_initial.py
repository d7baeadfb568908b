"""National store, consent registry and append-only access audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)

# The access audit log keeps every row for at least three years (EHDS Art. 9)
# and never changes one. The ORM refuses too, but only the database can stop a
# stray UPDATE from another tool. Note for later revisions: SQLite batch mode
# recreates a table and drops its triggers; recreate them after any batch
# operation on access_audit_log.
_PG_GUARD = """
CREATE FUNCTION access_audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'access_audit_log is append-only: UPDATE refused';
    END IF;
    IF OLD.occurred_at > now() - interval '3 years' THEN
        RAISE EXCEPTION 'access_audit_log keeps rows for three years: DELETE refused';
    END IF;
    RETURN OLD;
END
$$
"""
_PG_TRIGGER = """
CREATE TRIGGER access_audit_log_append_only
BEFORE UPDATE OR DELETE ON access_audit_log
FOR EACH ROW EXECUTE FUNCTION access_audit_log_guard()
"""
_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER access_audit_log_no_update BEFORE UPDATE ON access_audit_log
    BEGIN SELECT RAISE(ABORT, 'access_audit_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER access_audit_log_no_early_delete BEFORE DELETE ON access_audit_log
    WHEN OLD.occurred_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-3 years')
    BEGIN SELECT RAISE(ABORT, 'access_audit_log keeps rows for three years: DELETE refused');
    END
    """,
)


def upgrade() -> None:
    op.create_table(
        "national_patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_names", sa.JSON(), nullable=False),
        sa.Column("birth_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=2), nullable=True),
        sa.Column("birth_place", sa.String(length=64), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=16), nullable=True),
        sa.Column("address_country", sa.String(length=2), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.CheckConstraint("gender IN ('M', 'F', 'UN')", name=op.f("ck_national_patients_gender")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_patients")),
    )
    op.create_index("ix_national_patients_birth_date", "national_patients", ["birth_date"])

    op.create_table(
        "national_patient_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["national_patients.id"],
            ondelete="CASCADE",
            name=op.f("fk_national_patient_identifiers_patient_id_national_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_patient_identifiers")),
        sa.UniqueConstraint(
            "domain", "value", name=op.f("uq_national_patient_identifiers_domain_value")
        ),
    )
    op.create_index(
        op.f("ix_national_patient_identifiers_patient_id"),
        "national_patient_identifiers",
        ["patient_id"],
    )

    op.create_table(
        "national_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_unique_id", sa.String(length=128), nullable=False),
        sa.Column("repository_unique_id", sa.String(length=128), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("class_code", sa.String(length=32), nullable=False),
        sa.Column("format", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("mime_type", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("related_document_unique_id", sa.String(length=128), nullable=True),
        sa.Column("prescription_id", sa.String(length=128), nullable=True),
        sa.Column("ep_dispensable", sa.Boolean(), nullable=True),
        sa.Column("ep_atc_code", sa.String(length=16), nullable=True),
        sa.Column("ep_atc_display", sa.String(length=255), nullable=True),
        sa.Column("ep_product_name", sa.String(length=255), nullable=True),
        sa.Column("ep_dose_form", sa.String(length=255), nullable=True),
        sa.Column("ep_strength", sa.String(length=64), nullable=True),
        sa.Column("ep_substitution_allowed", sa.Boolean(), nullable=True),
        sa.CheckConstraint("format IN ('L3', 'L1')", name=op.f("ck_national_documents_format")),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["national_patients.id"],
            ondelete="CASCADE",
            name=op.f("fk_national_documents_patient_id_national_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_documents")),
        sa.UniqueConstraint(
            "document_unique_id", name=op.f("uq_national_documents_document_unique_id")
        ),
    )
    op.create_index(
        "ix_national_documents_patient_class", "national_documents", ["patient_id", "class_code"]
    )
    op.create_index(
        op.f("ix_national_documents_prescription_id"), "national_documents", ["prescription_id"]
    )

    op.create_table(
        "national_dispensations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dispensation_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescription_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("cancelled_at", _TS, nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "status IN ('submitted', 'cancelled')", name=op.f("ck_national_dispensations_status")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["national_patients.id"],
            ondelete="CASCADE",
            name=op.f("fk_national_dispensations_patient_id_national_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_national_dispensations")),
        sa.UniqueConstraint(
            "dispensation_id", name=op.f("uq_national_dispensations_dispensation_id")
        ),
        sa.UniqueConstraint(
            "idempotency_key", name=op.f("uq_national_dispensations_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_national_dispensations_patient_id"), "national_dispensations", ["patient_id"]
    )

    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("policy_kind", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=True),
        sa.Column("document_classes", sa.JSON(), nullable=True),
        sa.Column("valid_from", _TS, nullable=False),
        sa.Column("valid_until", _TS, nullable=True),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "policy_kind IN ('opt-in', 'opt-out', 'point-of-care')",
            name=op.f("ck_consent_records_kind"),
        ),
        sa.CheckConstraint(
            "decision IN ('granted', 'refused')", name=op.f("ck_consent_records_decision")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["national_patients.id"],
            ondelete="CASCADE",
            name=op.f("fk_consent_records_patient_id_national_patients"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(op.f("ix_consent_records_patient_id"), "consent_records", ["patient_id"])

    op.create_table(
        "access_audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("occurred_at", _TS, nullable=False),
        sa.Column("transaction", sa.String(length=32), nullable=False),
        sa.Column("requesting_country", sa.String(length=2), nullable=False),
        sa.Column("hp_id_hash", sa.String(length=64), nullable=False),
        sa.Column("patient_id_hash", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("document_class", sa.String(length=32), nullable=True),
        sa.Column("purpose_of_use", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('success', 'partial', 'refused', 'failure')",
            name=op.f("ck_access_audit_log_outcome"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_audit_log")),
    )
    op.create_index(op.f("ix_access_audit_log_occurred_at"), "access_audit_log", ["occurred_at"])
    op.create_index(
        op.f("ix_access_audit_log_patient_id_hash"), "access_audit_log", ["patient_id_hash"]
    )

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_GUARD)
        op.execute(_PG_TRIGGER)
    elif dialect == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS access_audit_log_append_only ON access_audit_log")
        op.execute("DROP FUNCTION IF EXISTS access_audit_log_guard()")
    op.drop_table("access_audit_log")
    op.drop_table("consent_records")
    op.drop_table("national_dispensations")
    op.drop_table("national_documents")
    op.drop_table("national_patient_identifiers")
    op.drop_table("national_patients")
