"""One country's NCPeH: both roles, its keys, database, national store and servers.

A node serves NCP-to-NCP SOAP over mutual TLS (NCPeH-A) and a loopback JSON
client-connector API for the national portal and integrators (NCPeH-B). Every
key, the catalogue and the trust registry are loaded once at start-up.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ncpeh.consent import (
    ConsentPolicy,
    OptInRegistryPolicy,
    OptOutRegistryPolicy,
    PointOfCareConsentPolicy,
)
from ncpeh.consent.adapters.sql import SqlConsentStore
from ncpeh.gateway._initiator import GatewayError, HpSession, InitiatingGateway
from ncpeh.gateway._responder import (
    AccessEvent,
    ResponderSettings,
    RespondingGateway,
)
from ncpeh.gateway.wire import DocumentEntry
from ncpeh.national.adapters.sql import SqlNationalConnector
from ncpeh.net import (
    MtlsServer,
    PartnerTimeouts,
    client_ssl_context,
    peer_certificate_or_none,
    server_ssl_context,
)
from ncpeh.registry import RegistryStore
from ncpeh.storage import (
    AccessOutcome,
    append_access_event,
    make_engine,
    pseudonymise,
    session_factory,
    upgrade_database,
)
from ncpeh.terminology import Catalogue
from ncpeh.trust import (
    AssertionSigner,
    HcpIdentity,
    PatientId,
    PurposeOfUse,
    ReplayCache,
    Role,
    TrustStore,
    load_node_keys,
)

__all__ = ["Node", "NodeConfig", "demo_hp_identity"]

SOAP_TYPE = "application/soap+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class NodeConfig:
    country: str
    home_community_id: str
    repository_id: str
    database_url: str
    pki_dir: Path
    registry_path: Path
    exports: frozenset[str] = frozenset()
    consumes: frozenset[str] = frozenset()
    consent: str = "opt-out"  # opt-in | opt-out | point-of-care
    host: str = "127.0.0.1"
    soap_port: int = 0
    api_port: int = 0
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    audit_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    timeouts: PartnerTimeouts = field(default_factory=PartnerTimeouts)


class _SqlAudit:
    """Audit sink over the append-only ``access_audit_log`` table (pseudonymised ids)."""

    def __init__(self, sessions: sessionmaker[Session], key: bytes) -> None:
        self._sessions = sessions
        self._key = key

    def record(self, event: AccessEvent) -> None:
        with self._sessions.begin() as session:
            append_access_event(
                session,
                occurred_at=event.occurred_at,
                transaction=event.transaction,
                requesting_country=event.requesting_country,
                hp_id_hash=pseudonymise(event.hp_id or "-", key=self._key),
                patient_id_hash=(
                    pseudonymise(event.patient_id, key=self._key) if event.patient_id else None
                ),
                outcome=_outcome(event),
                error_code=event.error_code,
                document_class=event.document_class,
                purpose_of_use=event.purpose_of_use,
            )


_REFUSAL_MARKERS = (
    "NO_CONSENT",
    "4701",
    "4703",
    "InsufficientRights",
    "_SEC_",
    "HPI",
    "1001",
    "1002",
    "4206",
    "4207",
)


def _outcome(event: AccessEvent) -> AccessOutcome:
    if event.granted:
        return AccessOutcome.PARTIAL if event.error_code else AccessOutcome.SUCCESS
    code = event.error_code or ""
    if any(marker in code for marker in _REFUSAL_MARKERS):
        return AccessOutcome.REFUSED
    return AccessOutcome.FAILURE


def _consent_policy(kind: str, sessions: sessionmaker[Session]) -> ConsentPolicy:
    store = SqlConsentStore(sessions)
    if kind == "opt-in":
        return OptInRegistryPolicy(store)
    if kind == "opt-out":
        return OptOutRegistryPolicy(store)
    if kind == "point-of-care":
        return PointOfCareConsentPolicy(store)
    raise ValueError(f"unknown consent policy {kind!r}")


def demo_hp_identity(country: str, *, name: str = "Dr Camille Martin") -> HcpIdentity:
    """A test medical doctor of ``country`` with the permissions PS and eP need."""
    return HcpIdentity(
        name_id=f"{country.lower()}-hp-0001",
        subject_name=name,
        role=Role("221", "Medical Doctors"),
        purpose_of_use=PurposeOfUse.TREATMENT,
        permissions=("PRD-006", "PRD-003", "PRD-005", "PRD-010", "PRD-016", "PRD-004"),
        facility_type="Hospital",
        locality="Emergency department",
        organization=f"Demo hospital {country.upper()}",
        organization_id=f"urn:oid:1.2.3.{ord(country[0])}{ord(country[1])}",
    )


class _ThreadedUvicorn:
    """A plain-HTTP uvicorn server on loopback in a background thread (client API)."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = datetime.now(UTC).timestamp() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or datetime.now(UTC).timestamp() > deadline:
                raise RuntimeError("client API server did not start")
            threading.Event().wait(0.01)

    @property
    def port(self) -> int:
        servers = getattr(self._server, "servers", [])
        for server in servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        raise RuntimeError("client API server has no socket")

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)


class Node:
    """Assemble and run one country's NCPeH."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        catalogue: Catalogue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        cc = config.country.upper()
        self.keys = load_node_keys(config.pki_dir, cc)
        self.trust = TrustStore([self.keys.ca_certificate])
        self.engine = make_engine(config.database_url)
        upgrade_database(config.database_url)
        self.sessions = session_factory(self.engine)
        self.registry = RegistryStore(config.registry_path, self.keys.ca_certificate)
        self.responder = RespondingGateway(
            settings=ResponderSettings(
                country=cc,
                home_community_id=config.home_community_id,
                repository_id=config.repository_id,
                exports=config.exports,
            ),
            trust=self.trust,
            replay=ReplayCache(),
            national=SqlNationalConnector(self.sessions),
            consent=_consent_policy(config.consent, self.sessions),
            catalogue=catalogue,
            audit=_SqlAudit(self.sessions, config.audit_key),
            clock=clock,
        )
        self.initiator = InitiatingGateway(
            country=cc,
            signer=AssertionSigner.from_node_keys(self.keys),
            trust=self.trust,
            registry=self.registry,
            client_ssl_context=client_ssl_context(
                self.keys.tls_client.certificate_path,
                self.keys.tls_client.key_path,
                [self.keys.ca_path],
            ),
            catalogue=catalogue,
            timeouts=config.timeouts,
            clock=clock,
        )
        self._sessions: dict[str, HpSession] = {}
        self._lock = threading.Lock()
        self.soap_server = MtlsServer(
            self.soap_app(),
            server_ssl_context(
                self.keys.tls_server.certificate_path,
                self.keys.tls_server.key_path,
                [self.keys.ca_path],
            ),
            host=config.host,
            port=config.soap_port,
        )
        self.api_server = _ThreadedUvicorn(self.api_app(), config.host, config.api_port)

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        self.soap_server.start()
        self.api_server.start()

    def stop(self) -> None:
        self.api_server.stop()
        self.soap_server.stop()
        self.initiator.close()
        self.engine.dispose()

    @property
    def soap_base_url(self) -> str:
        return f"https://localhost:{self.soap_server.port}"

    @property
    def api_url(self) -> str:
        return f"http://{self.config.host}:{self.api_server.port}"

    # -- NCP-to-NCP SOAP (NCPeH-A) -------------------------------------------------
    def soap_app(self) -> Starlette:
        async def soap(request: Request) -> Response:
            peer = peer_certificate_or_none(request.scope)
            country = None
            if peer is not None:
                self.registry.refresh_if_changed()
                country = self.registry.country_of_client_certificate(peer.der)
            body = await request.body()
            status, answer = await run_in_threadpool(
                self.responder.handle_with_status, body, peer_country=country
            )
            return Response(answer, status_code=status, media_type=SOAP_TYPE)

        async def health(_: Request) -> Response:
            return JSONResponse({"status": "ok", "country": self.config.country})

        return Starlette(
            routes=[
                Route("/ncp/xcpd", soap, methods=["POST"]),
                Route("/ncp/xca", soap, methods=["POST"]),
                # XDR (eDispensation) is a later service: answered with an eHDSI fault
                # (service signifier unknown) rather than a bare HTTP 404.
                Route("/ncp/xdr", soap, methods=["POST"]),
                Route("/healthz", health, methods=["GET"]),
            ]
        )

    # -- client connector (NCPeH-B) ------------------------------------------------
    def api_app(self) -> Starlette:
        token = self.config.api_token.encode()

        def authorised(request: Request) -> bool:
            given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
            return hmac.compare_digest(given, token)

        def endpoint(
            op: Callable[[dict[str, Any]], dict[str, Any]],
        ) -> Callable[[Request], Any]:
            async def handler(request: Request) -> Response:
                if not authorised(request):
                    return _problem(401, "unauthorised", "missing or wrong bearer token")
                try:
                    data = orjson.loads(await request.body())
                    if not isinstance(data, dict):
                        raise ValueError("expected a JSON object")
                except (orjson.JSONDecodeError, ValueError) as exc:
                    return _problem(400, "bad-request", str(exc))
                try:
                    result = await run_in_threadpool(op, data)
                except GatewayError as exc:
                    return _problem(502, exc.ehdsi_code, str(exc))
                except (KeyError, TypeError, ValueError) as exc:
                    return _problem(400, "bad-request", f"invalid request: {exc}")
                return Response(orjson.dumps(result), media_type="application/json")

            return handler

        async def health(_: Request) -> Response:
            return JSONResponse({"status": "ok", "country": self.config.country})

        return Starlette(
            routes=[
                Route("/client/v1/sessions", endpoint(self._api_login), methods=["POST"]),
                Route("/client/v1/patients/search", endpoint(self._api_identify), methods=["POST"]),
                Route("/client/v1/trc", endpoint(self._api_trc), methods=["POST"]),
                Route(
                    "/client/v1/documents/search", endpoint(self._api_documents), methods=["POST"]
                ),
                Route(
                    "/client/v1/documents/retrieve", endpoint(self._api_retrieve), methods=["POST"]
                ),
                Route("/healthz", health, methods=["GET"]),
            ]
        )

    def _session(self, data: dict[str, Any]) -> HpSession:
        with self._lock:
            session = self._sessions.get(str(data["session"]))
        if session is None or session.expired(datetime.now(UTC)):
            raise GatewayError(
                "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED", "unknown or expired session"
            )
        return session

    def _api_login(self, data: dict[str, Any]) -> dict[str, Any]:
        name = str(data.get("name") or "Dr Camille Martin")
        identity = demo_hp_identity(self.config.country, name=name)
        session = self.initiator.login(identity)
        sid = secrets.token_urlsafe(18)
        now = datetime.now(UTC)
        with self._lock:
            # Forget sessions whose HCP assertion is over: the table stays bounded.
            for old in [k for k, v in self._sessions.items() if v.expired(now)]:
                del self._sessions[old]
            self._sessions[sid] = session
        return {
            "session": sid,
            "hcp_assertion_id": session.hcp.id,
            "expires": session.hcp.not_on_or_after.isoformat(),
        }

    def _api_identify(self, data: dict[str, Any]) -> dict[str, Any]:
        session = self._session(data)
        pid = PatientId(root=str(data["domain"]), extension=str(data["id"]))
        matches = self.initiator.query_patient(
            session, country=str(data["country"]), patient_ids=[pid]
        )
        out = []
        for m in matches:
            d = m.demographics
            out.append(
                {
                    "ids": [{"root": i.root, "extension": i.extension} for i in d.ids],
                    "family": [n for name in d.names for n in name.family],
                    "given": [n for name in d.names for n in name.given],
                    "gender": d.gender,
                    "birth_date": d.birth_time,
                }
            )
        return {"patients": out}

    def _api_trc(self, data: dict[str, Any]) -> dict[str, Any]:
        session = self._session(data)
        patient = PatientId(
            root=str(data["patient"]["root"]), extension=str(data["patient"]["extension"])
        )
        purpose = PurposeOfUse(str(data.get("purpose", "TREATMENT")))
        trc = self.initiator.confirm_treatment(session, patient=patient, purpose=purpose)
        return {"trc_assertion_id": trc.get("ID"), "purpose": purpose.value}

    def _api_documents(self, data: dict[str, Any]) -> dict[str, Any]:
        session = self._session(data)
        patient = PatientId(
            root=str(data["patient"]["root"]), extension=str(data["patient"]["extension"])
        )
        entries = self.initiator.query_documents(
            session,
            country=str(data["country"]),
            patient=patient,
            class_code=str(data.get("class_code", "60591-5")),
            purpose=PurposeOfUse(str(data.get("purpose", "TREATMENT"))),
        )
        return {"documents": [_entry_json(e) for e in entries]}

    def _api_retrieve(self, data: dict[str, Any]) -> dict[str, Any]:
        session = self._session(data)
        patient = PatientId(
            root=str(data["patient"]["root"]), extension=str(data["patient"]["extension"])
        )
        doc = data["document"]
        entry = DocumentEntry(
            entry_uuid="",
            unique_id=str(doc["unique_id"]),
            mime_type="text/xml",
            repository_unique_id=str(doc["repository_unique_id"]),
            home_community_id=doc.get("home_community_id"),
        )
        got = self.initiator.retrieve_document(
            session,
            country=str(data["country"]),
            patient=patient,
            entry=entry,
            target_language=str(data.get("lang", "en")),
            purpose=PurposeOfUse(str(data.get("purpose", "TREATMENT"))),
        )
        return {
            "translated": base64.b64encode(got.translated).decode(),
            "report": got.report.to_json(),
            "warnings": list(got.warnings),
        }


def _entry_json(e: DocumentEntry) -> dict[str, Any]:
    return {
        "unique_id": e.unique_id,
        "repository_unique_id": e.repository_unique_id,
        "home_community_id": e.home_community_id,
        "title": e.title,
        "class_code": e.class_code.code if e.class_code else None,
        "format_code": e.format_code.code if e.format_code else None,
        "creation_time": e.creation_time,
        "language": e.language_code,
    }


def _problem(status: int, code: str, detail: str) -> Response:
    body = {
        "type": f"urn:ncpeh:problem:{code}",
        "title": code,
        "status": status,
        "detail": " ".join(detail.split()),
    }
    return Response(orjson.dumps(body), status_code=status, media_type="application/problem+json")
