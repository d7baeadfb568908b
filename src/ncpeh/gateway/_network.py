"""A multi-country MyHealth@EU network on one machine: PKI, signed registry, nodes.

Used by ``ncpeh demo`` and by the end-to-end tests. Each node has its own keys,
database (SQLite file) and national store seeded with deterministic synthetic
patients; the registry is signed by the demo CA (the "EU seal" of the demo).
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ncpeh.files import write_atomic
from ncpeh.gateway._node import Node, NodeConfig
from ncpeh.gateway.wire import country_profile
from ncpeh.national.seed import SeededPatient, seed_national_store
from ncpeh.registry import CountryEntry, Endpoints, sign_registry
from ncpeh.storage import make_engine, session_factory, upgrade_database
from ncpeh.terminology import Catalogue
from ncpeh.trust import create_demo_pki

__all__ = ["CountryPlan", "DEMO_PLAN", "Network", "build_network"]

PS = "60591-5"
EP = "57833-6"
_SHORT = {PS: "PS", EP: "EP"}


@dataclass(frozen=True, slots=True)
class CountryPlan:
    """What one country does in the network (the service matrix) and its consent model."""

    country: str
    exports: frozenset[str] = frozenset()
    consumes: frozenset[str] = frozenset()
    consent: str = "opt-out"


#: The realistic service matrix of the demo (issue: PT exports PS and eP; FR exports PS;
#: NO exports nothing and consumes PS and eP; FR consumes PS and, for the demo, eP).
DEMO_PLAN = (
    CountryPlan("FR", exports=frozenset({PS}), consumes=frozenset({PS, EP}), consent="opt-out"),
    CountryPlan("NO", exports=frozenset(), consumes=frozenset({PS, EP}), consent="point-of-care"),
    CountryPlan("PT", exports=frozenset({PS, EP}), consumes=frozenset(), consent="opt-in"),
)


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data, private=True)


@dataclass(slots=True)
class Network:
    directory: Path
    nodes: dict[str, Node]
    patients: dict[str, list[SeededPatient]]
    plan: tuple[CountryPlan, ...]
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def start(self) -> None:
        started: list[Node] = []
        try:
            for node in self.nodes.values():
                node.start()
                started.append(node)
        except BaseException:
            for node in started:
                node.stop()
            raise

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop()

    def info(self) -> dict[str, Any]:
        """What ``ncpeh demo info --json`` prints: nodes, URLs and seeded patients."""
        nodes = []
        for plan in self.plan:
            node = self.nodes[plan.country]
            roles = (["A"] if plan.exports else []) + (["B"] if plan.consumes else [])
            nodes.append(
                {
                    "country": plan.country,
                    "roles": roles,
                    "exports": sorted(_SHORT[c] for c in plan.exports),
                    "consumes": sorted(_SHORT[c] for c in plan.consumes),
                    "consent_policy": plan.consent,
                    "home_community_id": node.config.home_community_id,
                    "soap": {
                        "xcpd": f"{node.soap_base_url}/ncp/xcpd",
                        "xca": f"{node.soap_base_url}/ncp/xca",
                    },
                    "client_api": f"{node.api_url}/client/v1",
                    "api_token_file": str(self.directory / plan.country / "api-token"),
                }
            )
        patients = [
            {
                "country": p.country,
                "id": p.identifier.value,
                "domain": p.identifier.domain,
                "name": f"{' '.join(p.demographics.given_names)} {p.demographics.family_name}",
                "birth_date": p.demographics.birth_date.isoformat()
                if p.demographics.birth_date
                else None,
                "showcase": p.showcase,
                "documents": sorted(
                    {_SHORT.get(d.metadata.class_code, d.metadata.class_code) for d in p.documents}
                ),
            }
            for cc in sorted(self.patients)
            for p in self.patients[cc]
        ]
        return {
            "directory": str(self.directory),
            "started_at": self.started_at.isoformat(),
            "nodes": nodes,
            "patients": patients,
        }

    def write_info(self) -> Path:
        path = self.directory / "network.json"
        _write_private(path, orjson.dumps(self.info(), option=orjson.OPT_INDENT_2))
        return path


def build_network(
    directory: Path,
    *,
    catalogue: Catalogue,
    plan: Iterable[CountryPlan] = DEMO_PLAN,
    host: str = "127.0.0.1",
    ports: dict[str, tuple[int, int]] | None = None,
    fresh_databases: bool = True,
    clock: Callable[[], datetime] | None = None,
    database_urls: dict[str, str] | None = None,
) -> Network:
    """Create keys, registry, databases and (not yet started) nodes for ``plan``."""
    plans = tuple(plan)
    directory.mkdir(parents=True, exist_ok=True)
    countries = [p.country for p in plans]
    pki = create_demo_pki(directory / "pki", countries)
    chosen = {cc: (ports or {}).get(cc) or (_free_port(host), _free_port(host)) for cc in countries}
    entries = []
    for p in plans:
        keys = pki.nodes[p.country]
        soap_port = chosen[p.country][0]
        base = f"https://localhost:{soap_port}/ncp"
        entries.append(
            CountryEntry(
                country=p.country,
                home_community_id=country_profile(p.country).home_community_id,
                endpoints=Endpoints(xcpd=f"{base}/xcpd", xca=f"{base}/xca", xdr=f"{base}/xdr"),
                tls_server_cert=keys.tls_server.certificate,
                tls_client_cert=keys.tls_client.certificate,
                signing_cert=keys.signing.certificate,
                exports={_SHORT[c] for c in p.exports},
                consumes={_SHORT[c] for c in p.consumes},
            )
        )
    ca_key = serialization.load_pem_private_key(
        (directory / "pki" / "ca" / "ca.key.pem").read_bytes(), password=None
    )
    if not isinstance(ca_key, rsa.RSAPrivateKey):
        raise TypeError("demo CA key must be RSA")
    registry_path = directory / "registry.json"
    _write_private(registry_path, sign_registry(entries, ca_key, pki.ca_certificate))
    nodes: dict[str, Node] = {}
    patients: dict[str, list[SeededPatient]] = {}
    for p in plans:
        db_path = directory / p.country / "ncpeh.db"
        url = (database_urls or {}).get(p.country) or f"sqlite:///{db_path}"
        if fresh_databases and url.startswith("sqlite:///"):
            for suffix in ("", "-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        upgrade_database(url)
        engine = make_engine(url)
        try:
            with session_factory(engine).begin() as session:
                patients[p.country] = seed_national_store(session, p.country)
        finally:
            engine.dispose()
        token = secrets.token_urlsafe(24)
        _write_private(directory / p.country / "api-token", token.encode())
        # The audit pseudonymisation key must outlive restarts, or a patient's access
        # log could not be assembled across them: created once, kept private.
        key_file = directory / p.country / "audit-key"
        if not key_file.exists():
            _write_private(key_file, secrets.token_bytes(32))
        hcid = country_profile(p.country).home_community_id
        config = NodeConfig(
            country=p.country,
            home_community_id=hcid,
            repository_id=f"{hcid}.1",
            database_url=url,
            pki_dir=directory / "pki",
            registry_path=registry_path,
            exports=p.exports,
            consumes=p.consumes,
            consent=p.consent,
            host=host,
            soap_port=chosen[p.country][0],
            api_port=chosen[p.country][1],
            api_token=token,
            audit_key=key_file.read_bytes(),
        )
        nodes[p.country] = Node(config, catalogue=catalogue, **({"clock": clock} if clock else {}))
    return Network(directory, nodes, patients, plans)
