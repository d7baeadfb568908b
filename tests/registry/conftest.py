from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from ncpeh.registry import CountryEntry, Endpoints

from ..net.pki import NOW, Issued, make_ca, make_leaf

HCID = {"FR": "urn:oid:1.2.250.1.213.1.4.1", "PT": "2.16.620.1.101.10.1", "DE": "1.2.276.0.76.3"}


@dataclass(frozen=True)
class Node:
    tls_server: Issued
    tls_client: Issued
    signing: Issued


@dataclass(frozen=True)
class RegistryPki:
    directory: Path
    authority_rsa: Issued  # registry authority, RSA 2048 (RSA-PSS)
    authority_ec: Issued  # registry authority, EC P-256 (ECDSA)
    rogue_authority: Issued
    nodes: dict[str, Node]
    de_with_fr_client: Issued  # a DE node's client certificate that says C=FR


@pytest.fixture(scope="session")
def rpki(tmp_path_factory: pytest.TempPathFactory) -> RegistryPki:
    d = tmp_path_factory.mktemp("registry-pki")
    partner_ca = make_ca(d, "partner-ca", "test eDelivery CA")
    nodes = {}
    for cc in ("FR", "PT", "DE"):
        nodes[cc] = Node(
            tls_server=make_leaf(
                d,
                f"{cc}-sp",
                partner_ca,
                cn=f"NCP-{cc} SP",
                country=cc,
                usage="server",
                hosts=(f"ncp.{cc.lower()}.test",),
            ),
            tls_client=make_leaf(
                d, f"{cc}-sc", partner_ca, cn=f"NCP-{cc} SC", country=cc, usage="client"
            ),
            signing=make_leaf(
                d, f"{cc}-sig", partner_ca, cn=f"NCP-{cc} SIG", country=cc, usage="signing"
            ),
        )
    return RegistryPki(
        directory=d,
        authority_rsa=make_ca(d, "authority-rsa", "registry authority", kind="rsa"),
        authority_ec=make_ca(d, "authority-ec", "registry authority EC"),
        rogue_authority=make_ca(d, "rogue-authority", "registry authority"),
        nodes=nodes,
        de_with_fr_client=make_leaf(
            d, "DE-sc-says-FR", partner_ca, cn="NCP-DE SC", country="FR", usage="client"
        ),
    )


def entry(
    rpki: RegistryPki,
    cc: str,
    *,
    exports: set[str],
    consumes: set[str],
    tag: str = "v1",
    client: Issued | None = None,
) -> CountryEntry:
    node = rpki.nodes[cc]
    base = f"https://ncp.{cc.lower()}.test:8443"
    return CountryEntry(
        country=cc,
        home_community_id=HCID[cc],
        endpoints=Endpoints(
            xcpd=f"{base}/xcpd/{tag}",
            xca=f"{base}/xca/{tag}",
            xdr=f"{base}/xdr/{tag}" if cc != "DE" else None,
        ),
        tls_server_cert=node.tls_server.cert,
        tls_client_cert=(client or node.tls_client).cert,
        signing_cert=node.signing.cert,
        exports=exports,
        consumes=consumes,
    )


def entries(rpki: RegistryPki, tag: str = "v1") -> list[CountryEntry]:
    return [
        entry(rpki, "PT", exports={"PS", "EP"}, consumes={"PS"}, tag=tag),
        entry(rpki, "FR", exports=set(), consumes={"PS", "EP", "ED"}, tag=tag),
        entry(rpki, "DE", exports={"PS"}, consumes=set(), tag=tag),
    ]


# Inside every test certificate's validity, whatever day the tests run.
ISSUED = (NOW - dt.timedelta(minutes=5)).replace(microsecond=0)
