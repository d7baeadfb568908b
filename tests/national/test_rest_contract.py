"""The REST adapter against the reference server of docs/national-connector.md.

The shared behaviour is in test_connector_contract.py; here: the wire itself
(methods, headers, no identifiers in URLs), the error table, and failing closed
on answers that break the contract.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ncpeh.national import (
    DispensationError,
    DocumentClass,
    DocumentNotFoundError,
    InvalidRequestError,
    NationalConnectorError,
    NationalSystemError,
    PatientIdentifier,
    PatientNotFoundError,
    PatientQuery,
    RegistryUnavailableError,
    Service,
    ehdsi_code_for,
)
from ncpeh.national.adapters.rest import PROBLEM_TYPE_PREFIX, RestNationalConnector
from ncpeh.national.seed import generate_patients
from ncpeh.national.testing import make_edispensation

from .conftest import Clock
from .harness import BASE_URL, Harness, rest_harness
from .rest_server import PROBLEMS

PATIENT = generate_patients("PT")[0]
QUERY = PatientQuery(identifiers=(PATIENT.identifier,))


@pytest.fixture
def rest() -> Iterator[Harness]:
    with rest_harness(Clock()) as harness:
        yield harness


def _connector(h: Harness) -> RestNationalConnector:
    assert isinstance(h.connector, RestNationalConnector)
    return h.connector


def _server(h: Harness):  # type: ignore[no-untyped-def]
    assert h.server is not None
    return h.server


def test_every_call_is_a_json_post_without_identifiers_in_the_url(rest: Harness) -> None:
    c = _connector(rest)
    c.find_patients(QUERY)
    listed = c.list_documents(PATIENT.identifier, DocumentClass.EPRESCRIPTION)
    c.retrieve_document(listed[0].document_id, patient=PATIENT.identifier)
    receipt = c.submit_dispensation(
        PATIENT.identifier, make_edispensation(listed[0]), idempotency_key="k-1"
    )
    c.cancel_dispensation(PATIENT.identifier, receipt.dispensation_id, now=rest.clock())
    requests = _server(rest).requests
    assert [r.url.path for r in requests] == [
        "/v1/patients/search",
        "/v1/documents/search",
        "/v1/documents/retrieve",
        "/v1/dispensations",
        f"/v1/dispensations/{receipt.dispensation_id}/cancel",
    ]
    for r in requests:
        assert r.method == "POST"
        assert r.headers["accept"] == "application/json"
        assert PATIENT.identifier.value not in str(r.url)
    assert requests[3].headers["idempotency-key"] == "k-1"
    body = json.loads(requests[4].content)
    assert body["requestedAt"].endswith("+00:00")


def test_first_submit_is_201_and_a_replay_200_with_the_same_receipt(rest: Harness) -> None:
    c = _connector(rest)
    ep = c.list_documents(PATIENT.identifier, DocumentClass.EPRESCRIPTION)[0]
    ed = make_edispensation(ep)
    first = c.submit_dispensation(PATIENT.identifier, ed, idempotency_key="k-2")
    again = c.submit_dispensation(PATIENT.identifier, ed, idempotency_key="k-2")
    assert first == again
    assert len(_server(rest).fake.receipts) == 1


@pytest.mark.parametrize(("cls", "slug", "status"), PROBLEMS, ids=[p[1] for p in PROBLEMS])
def test_problem_types_become_their_exceptions(
    rest: Harness, cls: type[NationalConnectorError], slug: str, status: int
) -> None:
    _server(rest).fail_next = (
        status,
        {"type": PROBLEM_TYPE_PREFIX + slug, "title": "x", "status": status},
    )
    with pytest.raises(cls) as caught:
        _connector(rest).list_documents(PATIENT.identifier, DocumentClass.PATIENT_SUMMARY)
    assert type(caught.value) is cls
    assert caught.value.service is Service.PATIENT_SUMMARY


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (422, InvalidRequestError),
        (404, DocumentNotFoundError),
        (409, DispensationError),
        (429, RegistryUnavailableError),
        (502, RegistryUnavailableError),
        (503, RegistryUnavailableError),
        (504, RegistryUnavailableError),
        (500, NationalSystemError),
        (403, NationalSystemError),
    ],
)
def test_without_a_problem_type_the_status_decides(
    rest: Harness, status: int, cls: type[NationalConnectorError]
) -> None:
    _server(rest).fail_next = (status, b"<html>oops</html>")
    with pytest.raises(cls):
        _connector(rest).retrieve_document("2.25.1")


def test_unknown_patient_on_search_endpoints_is_patient_not_found(rest: Harness) -> None:
    _server(rest).fail_next = (404, None)
    with pytest.raises(PatientNotFoundError):
        _connector(rest).list_documents(PATIENT.identifier, DocumentClass.PATIENT_SUMMARY)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("reset"),
    ],
)
def test_transport_failures_are_registry_unavailable(rest: Harness, failure: Exception) -> None:
    _server(rest).raise_next = failure
    with pytest.raises(RegistryUnavailableError) as caught:
        _connector(rest).find_patients(QUERY)
    assert ehdsi_code_for(caught.value).code == "ERROR_PI_REGISTRY_NOT_AVAILABLE"


def test_answers_outside_the_contract_are_refused_without_echo(rest: Harness) -> None:
    leaked = PATIENT.identifier.value
    _server(rest).fail_next = (200, json.dumps({"patients": [{"id": leaked}]}).encode())
    with pytest.raises(NationalSystemError) as caught:
        _connector(rest).find_patients(QUERY)
    assert leaked not in str(caught.value)
    assert ehdsi_code_for(caught.value).code == "ERROR_PI_INTERNAL_ERROR"


def test_a_patient_without_the_queried_identifier_is_refused(rest: Harness) -> None:
    def tamper(body: dict[str, Any]) -> dict[str, Any]:
        body["patients"][0]["identifiers"] = [{"value": "1", "domain": "1.2.3"}]
        return body

    _server(rest).tamper = tamper
    with pytest.raises(NationalSystemError):
        _connector(rest).find_patients(QUERY)


def _other_patient(body: dict[str, Any]) -> dict[str, Any]:
    for doc in body["documents"]:
        doc["patient"] = {"value": "123456789", "domain": "2.16.620.1.101.10.1.1"}
    return body


def _other_class(body: dict[str, Any]) -> dict[str, Any]:
    for doc in body["documents"]:
        doc["classCode"] = "57833-6"
    return body


@pytest.mark.parametrize("tamper", [_other_patient, _other_class])
def test_a_list_with_foreign_documents_is_refused(rest: Harness, tamper: Any) -> None:
    _server(rest).tamper = tamper
    with pytest.raises(NationalSystemError):
        _connector(rest).list_documents(PATIENT.identifier, DocumentClass.PATIENT_SUMMARY)


def _flip_byte(body: dict[str, Any]) -> dict[str, Any]:
    import base64

    raw = bytearray(base64.b64decode(body["content"]))
    raw[-2] ^= 1
    body["content"] = base64.b64encode(bytes(raw)).decode()
    return body


def _not_base64(body: dict[str, Any]) -> dict[str, Any]:
    body["content"] = "***"
    return body


def _naive_timestamp(body: dict[str, Any]) -> dict[str, Any]:
    body["metadata"]["created"] = "2026-01-01T10:00:00"
    return body


def _other_document(body: dict[str, Any]) -> dict[str, Any]:
    body["metadata"]["documentId"] = "2.25.42"
    return body


@pytest.mark.parametrize("tamper", [_flip_byte, _not_base64, _naive_timestamp, _other_document])
def test_a_retrieved_document_must_match_its_metadata(rest: Harness, tamper: Any) -> None:
    document = PATIENT.documents[0]
    _server(rest).tamper = tamper
    with pytest.raises(NationalSystemError):
        _connector(rest).retrieve_document(
            document.metadata.document_id, patient=PATIENT.identifier
        )


def test_a_receipt_for_other_content_is_refused(rest: Harness) -> None:
    ep = _connector(rest).list_documents(PATIENT.identifier, DocumentClass.EPRESCRIPTION)[0]

    def tamper(body: dict[str, Any]) -> dict[str, Any]:
        body["sha256"] = "0" * 64
        return body

    _server(rest).tamper = tamper
    with pytest.raises(NationalSystemError):
        _connector(rest).submit_dispensation(
            PATIENT.identifier, make_edispensation(ep), idempotency_key="k-3"
        )


def test_client_lifecycle() -> None:
    own = RestNationalConnector(BASE_URL, timeout=2.0)
    client = own._client
    assert client.timeout.read == 2.0 and client.timeout.connect == 2.0
    own.close()
    assert client.is_closed
    shared = httpx.Client()
    with RestNationalConnector(BASE_URL, client=shared) as borrowed:
        assert borrowed._client is shared
    assert not shared.is_closed
    shared.close()
    with pytest.raises(ValueError):
        RestNationalConnector("ftp://national.test")


def test_static_headers_are_sent(rest: Harness) -> None:
    server = _server(rest)
    client = httpx.Client(transport=server.transport())
    with RestNationalConnector(BASE_URL, client=client, headers={"X-Api-Key": "k"}) as c:
        c.find_patients(PatientQuery(identifiers=(PatientIdentifier("1", "1.2.3"),)))
    assert server.requests[-1].headers["x-api-key"] == "k"
    client.close()
