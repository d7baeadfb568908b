from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from ncpeh.net import HttpImplementation, MtlsServer, client_ssl_context, server_ssl_context

from .pki import Issued, make_ca, make_leaf


@dataclass(frozen=True)
class Pki:
    directory: Path
    ca: Issued  # issues partner TLS certificates, trusted on both sides
    rogue_ca: Issued  # trusted by nobody
    server: Issued  # NCP-A TLS server certificate (localhost, 127.0.0.1), C=PT
    client_fr: Issued  # NCP-B TLS client certificate, C=FR
    rogue_client: Issued  # C=FR, issued by rogue_ca
    server_ctx: ssl.SSLContext
    client_ctx: ssl.SSLContext


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("net-pki")
    ca = make_ca(d, "ca", "test partner CA")
    rogue_ca = make_ca(d, "rogue-ca", "rogue CA")
    server = make_leaf(d, "server-pt", ca, cn="NCP-PT server", country="PT", usage="server")
    client_fr = make_leaf(d, "client-fr", ca, cn="NCP-FR client", country="FR", usage="client")
    rogue = make_leaf(d, "rogue-fr", rogue_ca, cn="NCP-FR client", country="FR", usage="client")
    return Pki(
        directory=d,
        ca=ca,
        rogue_ca=rogue_ca,
        server=server,
        client_fr=client_fr,
        rogue_client=rogue,
        server_ctx=server_ssl_context(server.cert_path, server.key_path, [ca.cert_path]),
        client_ctx=client_ssl_context(client_fr.cert_path, client_fr.key_path, [ca.cert_path]),
    )


#: Both uvicorn HTTP parsers MtlsServer can run on (``MtlsServer(http=...)``).
HTTP_IMPLEMENTATIONS = ("h11", "httptools")


@pytest.fixture(scope="module", params=HTTP_IMPLEMENTATIONS)
def http(request: pytest.FixtureRequest) -> HttpImplementation:
    """Run a server test once per HTTP implementation."""
    return cast(HttpImplementation, request.param)


def no_cert_client_ctx(pki: Pki) -> ssl.SSLContext:
    """A well-behaved TLS client that simply has no certificate to present."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca.cert_path)
    return ctx


def start(app, ctx: ssl.SSLContext, **kwargs) -> Iterator[MtlsServer]:  # type: ignore[no-untyped-def]
    server = MtlsServer(app, ctx, graceful_shutdown_seconds=1.0, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()
