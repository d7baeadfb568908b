"""A reference national system speaking ``docs/national-connector.md``, in process.

Written from the document, not from the adapter: it parses and builds plain
JSON dicts, maps failures to the documented problem+json types and statuses,
and keeps its data in the in-memory fake. Tests mount it with
``httpx.MockTransport`` and can inject faults (status, transport errors,
tampered bodies) to check that the adapter fails closed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import httpx

from ncpeh.national import (
    DiscardWindowExpiredError,
    DispensationNotFoundError,
    DocumentMetadata,
    DocumentNotFoundError,
    DuplicateDispensationError,
    Gender,
    InvalidDispensationError,
    InvalidRequestError,
    MultiplePatientsError,
    NationalConnectorError,
    NotDispensableError,
    PatientDemographics,
    PatientIdentifier,
    PatientNotFoundError,
    PatientQuery,
    PrescriptionNotIdentifiableError,
    RegistryUnavailableError,
    UnsupportedClassCodeError,
)
from ncpeh.national.testing import InMemoryNationalConnector

PREFIX = "urn:ncpeh:national:"

#: docs/national-connector.md §4: slug and HTTP status per failure
PROBLEMS: list[tuple[type[NationalConnectorError], str, int]] = [
    (InvalidRequestError, "invalid-request", 422),
    (PatientNotFoundError, "patient-not-found", 404),
    (MultiplePatientsError, "multiple-patients", 409),
    (UnsupportedClassCodeError, "unsupported-class-code", 422),
    (DocumentNotFoundError, "document-not-found", 404),
    (RegistryUnavailableError, "registry-unavailable", 503),
    (InvalidDispensationError, "invalid-dispensation", 422),
    (PrescriptionNotIdentifiableError, "prescription-not-identifiable", 422),
    (NotDispensableError, "not-dispensable", 409),
    (DuplicateDispensationError, "idempotency-conflict", 409),
    (DispensationNotFoundError, "dispensation-not-found", 404),
    (DiscardWindowExpiredError, "discard-window-expired", 409),
]


class ContractViolation(AssertionError):
    """The client broke the documented contract."""


class NationalApiServer:
    """Handles ``httpx.Request`` objects like a national system would.

    Attributes:
        requests: every request received, for assertions.
        fail_next: ``(status, body or None)`` answered to the next request.
        raise_next: an exception raised (transport failure) on the next request.
        tamper: a function applied to the next successful JSON body.
    """

    def __init__(self, fake: InMemoryNationalConnector, clock: Callable[[], datetime]) -> None:
        self.fake = fake
        self.clock = clock
        self.requests: list[httpx.Request] = []
        self.fail_next: tuple[int, dict[str, Any] | bytes | None] | None = None
        self.raise_next: Exception | None = None
        self.tamper: Callable[[dict[str, Any]], dict[str, Any]] | None = None

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    # ----------------------------------------------------------------- dispatch

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.raise_next is not None:
            exc, self.raise_next = self.raise_next, None
            raise exc
        if self.fail_next is not None:
            (status, body), self.fail_next = self.fail_next, None
            if isinstance(body, dict):
                return httpx.Response(
                    status, json=body, headers={"Content-Type": "application/problem+json"}
                )
            return httpx.Response(status, content=body or b"")
        if request.method != "POST":
            raise ContractViolation("every call is a POST")
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise ContractViolation("bodies are JSON")
        body = json.loads(request.content)
        path = request.url.path.removeprefix("/v1")
        try:
            status, payload = self._route(path, body, request)
        except NationalConnectorError as exc:
            return _problem(exc)
        if payload is None:
            return httpx.Response(status)
        if self.tamper is not None:
            payload, self.tamper = self.tamper(payload), None
        return httpx.Response(status, json=payload)

    def _route(
        self, path: str, body: dict[str, Any], request: httpx.Request
    ) -> tuple[int, dict[str, Any] | None]:
        if path == "/patients/search":
            return 200, {"patients": [_patient(p) for p in self.fake.find_patients(_query(body))]}
        if path == "/documents/search":
            found = self.fake.list_documents(_identifier(body["patient"]), body["classCode"])
            return 200, {"documents": [_metadata(m) for m in found]}
        if path == "/documents/retrieve":
            patient = _identifier(body["patient"]) if body.get("patient") else None
            document = self.fake.retrieve_document(body["documentId"], patient=patient)
            return 200, {
                "metadata": _metadata(document.metadata),
                "content": base64.b64encode(document.content).decode(),
            }
        if path == "/dispensations":
            key = request.headers.get("Idempotency-Key")
            if not key:
                raise ContractViolation("Idempotency-Key header is required")
            known = {r.idempotency_key for r in self.fake.receipts}
            receipt = self.fake.submit_dispensation(
                _identifier(body["patient"]),
                base64.b64decode(body["document"]),
                idempotency_key=key,
            )
            return (200 if key in known else 201), {
                "dispensationId": receipt.dispensation_id,
                "idempotencyKey": receipt.idempotency_key,
                "patient": _identifier_json(receipt.patient),
                "prescriptionIds": list(receipt.prescription_ids),
                "receivedAt": receipt.received_at.isoformat(),
                "sha256": receipt.sha256,
                "status": receipt.status.value,
            }
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "dispensations" and parts[3] == "cancel":
            datetime.fromisoformat(body["requestedAt"])  # must be RFC 3339 with offset
            # The national system decides with its own clock (contract §2.5).
            self.fake.cancel_dispensation(_identifier(body["patient"]), parts[2], now=self.clock())
            return 204, None
        raise ContractViolation(f"unknown endpoint {path}")


def _problem(exc: NationalConnectorError) -> httpx.Response:
    slug, status = next(
        ((s, c) for cls, s, c in PROBLEMS if isinstance(exc, cls)), ("system-error", 500)
    )
    return httpx.Response(
        status,
        json={"type": PREFIX + slug, "title": exc.message, "status": status},
        headers={"Content-Type": "application/problem+json"},
    )


def _identifier(data: dict[str, Any]) -> PatientIdentifier:
    return PatientIdentifier(value=data["value"], domain=data["domain"])


def _identifier_json(identifier: PatientIdentifier) -> dict[str, str]:
    return {"value": identifier.value, "domain": identifier.domain}


def _query(body: dict[str, Any]) -> PatientQuery:
    birth = body.get("birthDate")
    gender = body.get("gender")
    return PatientQuery(
        identifiers=tuple(_identifier(i) for i in body.get("identifiers", [])),
        family_name=body.get("familyName"),
        given_name=body.get("givenName"),
        birth_date=date.fromisoformat(birth) if birth else None,
        gender=Gender(gender) if gender else None,
    )


def _patient(p: PatientDemographics) -> dict[str, Any]:
    address = None
    if p.address is not None:
        address = {
            "street": p.address.street,
            "city": p.address.city,
            "postalCode": p.address.postal_code,
            "country": p.address.country,
        }
    return {
        "identifiers": [_identifier_json(i) for i in p.identifiers],
        "familyName": p.family_name,
        "givenNames": list(p.given_names),
        "birthName": p.birth_name,
        "birthDate": p.birth_date.isoformat() if p.birth_date else None,
        "gender": p.gender.value if p.gender else None,
        "birthPlace": p.birth_place,
        "address": address,
    }


def _metadata(m: DocumentMetadata) -> dict[str, Any]:
    p = m.prescription
    return {
        "documentId": m.document_id,
        "repositoryId": m.repository_id,
        "patient": _identifier_json(m.patient),
        "classCode": m.class_code,
        "format": m.format.value,
        "title": m.title,
        "created": m.created.isoformat(),
        "language": m.language,
        "mimeType": m.mime_type,
        "size": m.size,
        "sha256": m.sha256,
        "sha1": m.sha1,
        "relatedDocumentId": m.related_document_id,
        "prescription": None
        if p is None
        else {
            "prescriptionId": p.prescription_id,
            "dispensable": p.dispensable,
            "atcCode": p.atc_code,
            "atcDisplay": p.atc_display,
            "productName": p.product_name,
            "doseForm": p.dose_form,
            "strength": p.strength,
            "substitutionAllowed": p.substitution_allowed,
        },
    }
