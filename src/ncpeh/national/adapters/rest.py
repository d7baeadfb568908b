"""A country's own national system over HTTP JSON (contract: ``docs/national-connector.md``).

NCPeH-A forwards each connector call to the national system as one JSON
request. The contract is deliberately small (five endpoints, one error format,
RFC 9457 problem+json) so that a country can implement it as a thin shim over
its patient index, document registry and prescription system, as Denmark does
with OpenNCP's Java interfaces.

Design points:

* **One pooled client**, built once (house style performance rules 2 to 4:
  a fresh client costs ~58 ms of TLS setup) or passed in ready-made (mTLS,
  auth). ``TCP_NODELAY`` is set on sockets we create.
* **Timeouts always**: 30 s per call by default (OpenNCP waits 180 s; our
  budget per hop is 30 to 60 s, ehdsi-flows.md §10).
* **Identifiers never in URLs**: every call that names a patient is a POST
  with a JSON body, so national access logs and proxies do not collect them.
* **Fail closed**: a response that does not match the contract (bad JSON, a
  document of another patient or class, content whose digest differs from its
  metadata) is a :class:`NationalSystemError`, never passed on.
* **No retries here**: the gateway decides; only keyed calls (dispensations
  with their idempotency key) are safe to repeat, and the contract makes them so.
"""

from __future__ import annotations

import base64
import binascii
import socket
import ssl
from collections.abc import Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from ncpeh import __version__
from ncpeh.national._errors import (
    DispensationError,
    DispensationNotFoundError,
    DocumentNotFoundError,
    InvalidRequestError,
    NationalConnectorError,
    NationalSystemError,
    PatientNotFoundError,
    RegistryUnavailableError,
    Service,
    error_class_for_code,
)
from ncpeh.national._service import (
    check_idempotency_key_or_raise,
    check_listable_class_or_raise,
    check_query_or_raise,
    content_digest,
    require_aware,
    service_for_class,
)
from ncpeh.national.models import (
    Address,
    DispensationReceipt,
    DispensationStatus,
    DocumentFormat,
    DocumentMetadata,
    Gender,
    NationalDocument,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
    PrescriptionDetails,
)

__all__ = ["PROBLEM_TYPE_PREFIX", "RestNationalConnector"]

#: problem+json ``type`` of contract errors: this prefix + the error slug,
#: e.g. ``urn:ncpeh:national:patient-not-found`` (see ``error_class_for_code``).
PROBLEM_TYPE_PREFIX = "urn:ncpeh:national:"
DEFAULT_TIMEOUT = 30.0
_HEX64 = r"^[0-9a-f]{64}$"
_HEX40 = r"^[0-9a-f]{40}$"


# --------------------------------------------------------------------------- wire models


class _Wire(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", frozen=True
    )


class _Identifier(_Wire):
    value: str
    domain: str


class _Address(_Wire):
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


class _Patient(_Wire):
    identifiers: list[_Identifier] = Field(min_length=1)
    family_name: str
    given_names: list[str] = []
    birth_date: date | None = None
    gender: Literal["M", "F", "UN"] | None = None
    birth_name: str | None = None
    birth_place: str | None = None
    address: _Address | None = None


class _Prescription(_Wire):
    prescription_id: str
    dispensable: bool
    atc_code: str | None = None
    atc_display: str | None = None
    product_name: str | None = None
    dose_form: str | None = None
    strength: str | None = None
    substitution_allowed: bool | None = None


class _Metadata(_Wire):
    document_id: str
    repository_id: str
    patient: _Identifier
    class_code: str
    format: Literal["L3", "L1"]
    title: str
    created: AwareDatetime
    language: str
    mime_type: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=_HEX64)
    sha1: str = Field(pattern=_HEX40)
    related_document_id: str | None = None
    prescription: _Prescription | None = None


class _Patients(_Wire):
    patients: list[_Patient]


class _Documents(_Wire):
    documents: list[_Metadata]


class _Retrieved(_Wire):
    metadata: _Metadata
    content: str


class _Receipt(_Wire):
    dispensation_id: str
    idempotency_key: str
    patient: _Identifier
    prescription_ids: list[str]
    received_at: AwareDatetime
    sha256: str = Field(pattern=_HEX64)
    status: Literal["submitted", "cancelled"]


# --------------------------------------------------------------------------- adapter


class RestNationalConnector:
    """:class:`~ncpeh.national.NationalConnector` over the documented HTTP JSON API.

    Args:
        base_url: the national system's API root, e.g. ``https://ncp-a.example.pt/national/v1``.
        client: a configured client to reuse (mTLS, proxies, auth). When
            omitted one is built here, once, with pooling and ``TCP_NODELAY``;
            :meth:`close` closes only a client built here.
        timeout: seconds per call (connect at most 5 s) for a client built here.
        ssl_context: shared TLS context (mTLS to the national system) for a
            client built here.
        headers: static headers sent on every call (e.g. an API key).

    Example::

        with RestNationalConnector("https://national.example/ncpeh/v1") as national:
            patients = national.find_patients(PatientQuery(identifiers=(pid,)))
    """

    def __init__(
        self,
        base_url: str,
        *,
        client: httpx.Client | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not base_url.startswith(("https://", "http://")):
            raise ValueError("base_url must be an http(s) URL")
        self._base = base_url.rstrip("/")
        self._headers = {"Accept": "application/json", **(headers or {})}
        self._owns_client = client is None
        if client is None:
            transport = httpx.HTTPTransport(
                verify=ssl_context if ssl_context is not None else True,
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
                limits=httpx.Limits(
                    max_connections=20, max_keepalive_connections=10, keepalive_expiry=60.0
                ),
            )
            client = httpx.Client(
                transport=transport,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                headers={"User-Agent": f"ncpeh/{__version__}"},
            )
        self._client = client

    # ----------------------------------------------------------------- lifecycle

    def close(self) -> None:
        """Close the pooled client if this connector built it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> RestNationalConnector:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- the port

    def find_patients(self, query: PatientQuery) -> list[PatientDemographics]:
        check_query_or_raise(query)
        body: dict[str, Any] = {"identifiers": [_identifier_json(i) for i in query.identifiers]}
        if query.family_name is not None:
            body["familyName"] = query.family_name
        if query.given_name is not None:
            body["givenName"] = query.given_name
        if query.birth_date is not None:
            body["birthDate"] = query.birth_date.isoformat()
        if query.gender is not None:
            body["gender"] = query.gender.value
        response = self._post(
            "/patients/search", body, service=Service.IDENTIFICATION, not_found=PatientNotFoundError
        )
        wire = _parse(_Patients, response, Service.IDENTIFICATION)
        patients = [_demographics(p, Service.IDENTIFICATION) for p in wire.patients]
        wanted = set(query.identifiers)
        if wanted and any(not wanted & set(p.identifiers) for p in patients):
            # Identifying the wrong person is the worst failure an NCP can have.
            raise NationalSystemError(
                "national system returned a patient without a queried identifier",
                service=Service.IDENTIFICATION,
            )
        return patients

    def list_documents(self, patient: PatientIdentifier, class_code: str) -> list[DocumentMetadata]:
        check_listable_class_or_raise(class_code)
        service = service_for_class(class_code)
        body = {"patient": _identifier_json(patient), "classCode": class_code}
        response = self._post(
            "/documents/search", body, service=service, not_found=PatientNotFoundError
        )
        wire = _parse(_Documents, response, service)
        documents = [_metadata(m, service) for m in wire.documents]
        for m in documents:
            if m.class_code != class_code or m.patient != patient:
                raise NationalSystemError(
                    "national system listed a document of another class or patient",
                    service=service,
                )
        return documents

    def retrieve_document(
        self, document_id: str, *, patient: PatientIdentifier | None = None
    ) -> NationalDocument:
        body: dict[str, Any] = {
            "documentId": document_id,
            "patient": _identifier_json(patient) if patient else None,
        }
        response = self._post(
            "/documents/retrieve", body, service=None, not_found=DocumentNotFoundError
        )
        wire = _parse(_Retrieved, response, None)
        metadata = _metadata(wire.metadata, None)
        service = service_for_class(metadata.class_code)
        try:
            content = base64.b64decode(wire.content, validate=True)
        except (binascii.Error, ValueError):
            raise NationalSystemError(
                "document content is not valid base64", service=service
            ) from None
        digest = content_digest(content)
        if metadata.document_id != document_id:
            raise NationalSystemError("national system returned another document", service=service)
        if patient is not None and metadata.patient != patient:
            raise NationalSystemError(
                "national system returned another patient's document", service=service
            )
        if (digest.size, digest.sha256, digest.sha1) != (
            metadata.size,
            metadata.sha256,
            metadata.sha1,
        ):
            raise NationalSystemError(
                "document content does not match its size and hashes", service=service
            )
        return NationalDocument(metadata=metadata, content=content)

    def submit_dispensation(
        self, patient: PatientIdentifier, document: bytes, *, idempotency_key: str
    ) -> DispensationReceipt:
        check_idempotency_key_or_raise(idempotency_key)
        body = {
            "patient": _identifier_json(patient),
            "document": base64.b64encode(document).decode("ascii"),
        }
        response = self._post(
            "/dispensations",
            body,
            service=Service.DISPENSATION,
            not_found=PatientNotFoundError,
            headers={"Idempotency-Key": idempotency_key},
        )
        wire = _parse(_Receipt, response, Service.DISPENSATION)
        receipt = DispensationReceipt(
            dispensation_id=wire.dispensation_id,
            idempotency_key=wire.idempotency_key,
            patient=_identifier(wire.patient, Service.DISPENSATION),
            prescription_ids=tuple(wire.prescription_ids),
            received_at=wire.received_at,
            sha256=wire.sha256,
            status=DispensationStatus(wire.status),
        )
        if receipt.idempotency_key != idempotency_key or (
            receipt.sha256 != content_digest(document).sha256
        ):
            raise NationalSystemError(
                "receipt does not match the submitted eDispensation", service=Service.DISPENSATION
            )
        return receipt

    def cancel_dispensation(
        self, patient: PatientIdentifier, dispensation_id: str, *, now: datetime
    ) -> None:
        require_aware(now)
        path = f"/dispensations/{quote(dispensation_id, safe='')}/cancel"
        body = {"patient": _identifier_json(patient), "requestedAt": now.isoformat()}
        self._post(path, body, service=Service.DISCARD, not_found=DispensationNotFoundError)

    # ----------------------------------------------------------------- transport

    def _post(
        self,
        path: str,
        body: Mapping[str, Any],
        *,
        service: Service | None,
        not_found: type[NationalConnectorError],
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.post(
                self._base + path, json=body, headers={**self._headers, **(headers or {})}
            )
        except httpx.TimeoutException:
            raise RegistryUnavailableError("national system timed out", service=service) from None
        except httpx.TransportError as exc:
            raise RegistryUnavailableError(
                f"national system unreachable ({type(exc).__name__})", service=service
            ) from None
        if response.status_code >= 400:
            raise _error(response, service=service, not_found=not_found)
        return response


def _error(
    response: httpx.Response, *, service: Service | None, not_found: type[NationalConnectorError]
) -> NationalConnectorError:
    """Turn an error response into our exception (problem ``type`` first, then status)."""
    title = f"HTTP {response.status_code}"
    cls: type[NationalConnectorError] | None = None
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        kind = problem.get("type")
        if isinstance(kind, str) and kind.startswith(PROBLEM_TYPE_PREFIX):
            cls = error_class_for_code("national." + kind.removeprefix(PROBLEM_TYPE_PREFIX))
        if isinstance(problem.get("title"), str):
            title = problem["title"][:200]
    if cls is None:
        status = response.status_code
        if status in (400, 422):
            cls = InvalidRequestError
        elif status == 404:
            cls = not_found
        elif status == 409:
            cls = DispensationError
        elif status in (408, 429, 502, 503, 504):
            cls = RegistryUnavailableError
        else:
            cls = NationalSystemError
    return cls(f"national system: {title}", service=service)


_M = TypeVar("_M", bound=_Wire)


def _parse(model: type[_M], response: httpx.Response, service: Service | None) -> _M:
    try:
        return model.model_validate_json(response.content)
    except ValidationError:
        # Never echo the body: it may hold identifiers or clinical content.
        raise NationalSystemError(
            "national system answered outside the contract", service=service
        ) from None


def _identifier_json(identifier: PatientIdentifier) -> dict[str, str]:
    return {"value": identifier.value, "domain": identifier.domain}


def _identifier(wire: _Identifier, service: Service | None) -> PatientIdentifier:
    try:
        return PatientIdentifier(value=wire.value, domain=wire.domain)
    except ValueError:
        raise NationalSystemError(
            "national system sent a malformed patient identifier", service=service
        ) from None


def _demographics(wire: _Patient, service: Service | None) -> PatientDemographics:
    address = None
    if wire.address is not None:
        address = Address(
            wire.address.street, wire.address.city, wire.address.postal_code, wire.address.country
        )
    return PatientDemographics(
        identifiers=tuple(_identifier(i, service) for i in wire.identifiers),
        family_name=wire.family_name,
        given_names=tuple(wire.given_names),
        birth_date=wire.birth_date,
        gender=Gender(wire.gender) if wire.gender else None,
        birth_name=wire.birth_name,
        birth_place=wire.birth_place,
        address=address,
    )


def _metadata(wire: _Metadata, service: Service | None) -> DocumentMetadata:
    p = wire.prescription
    return DocumentMetadata(
        document_id=wire.document_id,
        repository_id=wire.repository_id,
        patient=_identifier(wire.patient, service),
        class_code=wire.class_code,
        format=DocumentFormat(wire.format),
        title=wire.title,
        created=wire.created,
        language=wire.language,
        mime_type=wire.mime_type,
        size=wire.size,
        sha256=wire.sha256,
        sha1=wire.sha1,
        related_document_id=wire.related_document_id,
        prescription=None
        if p is None
        else PrescriptionDetails(
            prescription_id=p.prescription_id,
            dispensable=p.dispensable,
            atc_code=p.atc_code,
            atc_display=p.atc_display,
            product_name=p.product_name,
            dose_form=p.dose_form,
            strength=p.strength,
            substitution_allowed=p.substitution_allowed,
        ),
    )
