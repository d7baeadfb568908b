"""Schema rules the adapters rely on: cascades, unique identifiers, checks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ncpeh.storage import DocumentRow, PatientIdentifierRow, PatientRow

from .databases import Database

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _patient(value: str = "1") -> PatientRow:
    return PatientRow(
        country="PT",
        family_name="Silva",
        given_names=["Ana", "Rita"],
        gender="F",
        identifiers=[PatientIdentifierRow(value=value, domain="2.16.620.1.101.10.1.1")],
    )


def _document(patient: PatientRow, fmt: str = "L3") -> DocumentRow:
    return DocumentRow(
        document_unique_id="2.25.1",
        repository_unique_id="2.25.2",
        patient=patient,
        class_code="60591-5",
        format=fmt,
        title="t",
        language="pt-PT",
        created_at=NOW,
        mime_type="text/xml",
        size=1,
        sha256="0" * 64,
        sha1="0" * 40,
        content=b"<x/>",
    )


def test_deleting_a_patient_cascades(database: Database) -> None:
    with database.sessions.begin() as session:
        patient = _patient()
        session.add(_document(patient))
    with database.sessions.begin() as session:
        session.delete(session.scalars(select(PatientRow)).one())
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PatientIdentifierRow)) == 0
        assert session.scalar(select(func.count()).select_from(DocumentRow)) == 0


def test_an_identifier_belongs_to_one_patient(database: Database) -> None:
    with database.sessions.begin() as session:
        session.add(_patient("123456789"))
    with pytest.raises(IntegrityError):
        with database.sessions.begin() as session:
            session.add(_patient("123456789"))


def test_document_format_is_l3_or_l1(database: Database) -> None:
    with pytest.raises(IntegrityError):
        with database.sessions.begin() as session:
            session.add(_document(_patient(), fmt="L2"))


def test_given_names_keep_their_order(database: Database) -> None:
    with database.sessions.begin() as session:
        session.add(_patient())
    with database.sessions() as session:
        assert session.scalars(select(PatientRow.given_names)).one() == ["Ana", "Rita"]
