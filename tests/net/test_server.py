"""MtlsServer: real mutual-TLS handshakes on 127.0.0.1, the app sees the peer certificate."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import asynccontextmanager

import pytest
from starlette.applications import Starlette
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from ncpeh.net import (
    HttpImplementation,
    MtlsServer,
    PartnerClient,
    PartnerConnectionError,
    ServerError,
    TlsH11Protocol,
    client_ssl_context,
    peer_certificate_from_der,
)
from ncpeh.net._httptools import TlsHttpToolsProtocol

from .apps import CALLS, make_app
from .conftest import Pki, no_cert_client_ctx, start
from .pki import make_leaf


@pytest.fixture(scope="module")
def server(pki: Pki, http: HttpImplementation) -> Iterator[MtlsServer]:
    yield from start(make_app(), pki.server_ctx, http=http)


PROTOCOLS = {"h11": TlsH11Protocol, "httptools": TlsHttpToolsProtocol}


def test_server_runs_the_chosen_http_implementation(
    server: MtlsServer, http: HttpImplementation
) -> None:
    assert server.http_protocol is PROTOCOLS[http]


def test_http_implementation_choice(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    def chosen(**kwargs: str) -> type:
        return MtlsServer(make_app(), pki.server_ctx, **kwargs).http_protocol  # type: ignore[arg-type]

    assert chosen() is TlsH11Protocol  # httptools was not measurably faster end to end
    assert chosen(http="h11") is TlsH11Protocol
    assert chosen(http="httptools") is TlsHttpToolsProtocol
    assert chosen(http="auto") is TlsHttpToolsProtocol
    with pytest.raises(ServerError, match="unknown HTTP implementation"):
        chosen(http="zttp")
    monkeypatch.setitem(sys.modules, "ncpeh.net._httptools", None)  # httptools missing
    assert chosen(http="auto") is TlsH11Protocol
    with pytest.raises(ServerError, match="httptools is not available"):
        chosen(http="httptools")


def _raw_exchange(server: MtlsServer, ctx: ssl.SSLContext) -> bytes:
    """Handshake, send one request, return whatever comes back (TLS 1.3 reports a
    refused client certificate only after the client's handshake has finished)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
            return tls.recv(4096)


def _refused(server: MtlsServer, ctx: ssl.SSLContext) -> bool:
    """True when the server ends the connection without any HTTP answer: either an
    alert (SSLError) or a close (asyncio may drop the connection before the alert)."""
    try:
        return _raw_exchange(server, ctx) == b""
    except (ssl.SSLError, ConnectionError):
        return True


def test_mtls_handshake_and_app_sees_verified_client_certificate(
    pki: Pki, server: MtlsServer
) -> None:
    with PartnerClient("PT", pki.client_ctx) as client:
        reply = client.post_soap(
            f"{server.url}/echo", b"<env/>", "urn:ihe:iti:2007:CrossGatewayQuery"
        )
    seen = json.loads(reply)
    assert base64.b64decode(seen["der_b64"]) == pki.client_fr.der
    assert seen["sha256"] == hashlib.sha256(pki.client_fr.der).hexdigest()
    assert seen["country"] == "FR"
    assert seen["helper_country"] == "FR"
    assert "C=FR" in seen["name"]
    assert seen["chain"][0].startswith("-----BEGIN CERTIFICATE-----")
    assert seen["tls_version"] in (0x0303, 0x0304)
    assert isinstance(seen["cipher_suite"], int)
    assert seen["body_len"] == len(b"<env/>")


def test_tls12_client_negotiates_a_forward_secret_suite(pki: Pki, server: MtlsServer) -> None:
    ctx = client_ssl_context(pki.client_fr.cert_path, pki.client_fr.key_path, [pki.ca.cert_path])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with PartnerClient("PT", ctx) as client:
        seen = json.loads(client.post_soap(f"{server.url}/echo", b"", "urn:a"))
    assert seen["tls_version"] == 0x0303
    assert seen["cipher_suite"] in (0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9)
    assert seen["country"] == "FR"


def test_client_without_certificate_is_refused_before_the_app(pki: Pki, server: MtlsServer) -> None:
    before = len(CALLS)
    assert _refused(server, no_cert_client_ctx(pki))
    with PartnerClient("PT", no_cert_client_ctx(pki)) as client:
        with pytest.raises(PartnerConnectionError) as err:
            client.post_soap(f"{server.url}/echo", b"", "urn:a")
    assert err.value.ehdsi_code == "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"
    assert len(CALLS) == before


def test_client_certificate_from_unknown_ca_is_refused(pki: Pki, server: MtlsServer) -> None:
    before = len(CALLS)
    rogue = client_ssl_context(
        pki.rogue_client.cert_path, pki.rogue_client.key_path, [pki.ca.cert_path]
    )
    assert _refused(server, rogue)
    with PartnerClient("PT", rogue) as client, pytest.raises(PartnerConnectionError):
        client.post_soap(f"{server.url}/echo", b"", "urn:a")
    assert len(CALLS) == before


def _legacy_client_ctx(pki: Pki, version: ssl.TLSVersion) -> ssl.SSLContext:
    """A client that *can* speak old TLS, so a refusal provably comes from the server."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca.cert_path)
    ctx.load_cert_chain(pki.client_fr.cert_path, pki.client_fr.key_path)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = version
        ctx.maximum_version = version
    return ctx


def test_tls_1_1_is_refused_by_the_server(pki: Pki, server: MtlsServer) -> None:
    # Control: the same permissive client set to TLS 1.2 is served.
    assert _raw_exchange(server, _legacy_client_ctx(pki, ssl.TLSVersion.TLSv1_2)).startswith(
        b"HTTP/1.1 200"
    )
    try:
        legacy = _legacy_client_ctx(pki, ssl.TLSVersion.TLSv1_1)
    except (ssl.SSLError, ValueError):  # pragma: no cover - OpenSSL built without TLS 1.1
        pytest.skip("this OpenSSL cannot speak TLS 1.1 at all")
    # asyncio may drop the connection before flushing the protocol_version alert, so the
    # client sees either that alert or an EOF during the handshake.
    with pytest.raises(ssl.SSLError, match="(?i)protocol version|unsupported protocol|EOF"):
        _raw_exchange(server, legacy)


def test_non_forward_secret_cipher_is_refused(pki: Pki, server: MtlsServer) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki.ca.cert_path)
    ctx.load_cert_chain(pki.client_fr.cert_path, pki.client_fr.key_path)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("kRSA:!aNULL")  # static-RSA key exchange only: no forward secrecy
    with pytest.raises(ssl.SSLError):
        _raw_exchange(server, ctx)


def test_plain_http_gets_no_answer(server: MtlsServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        try:
            data = raw.recv(4096)
        except ConnectionError:
            data = b""
    assert b"HTTP/1.1" not in data


def test_server_requires_a_client_certificate_context(pki: Pki) -> None:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server.cert_path, pki.server.key_path)
    with pytest.raises(ServerError, match="require client certificates"):
        MtlsServer(make_app(), ctx)


def test_port_zero_start_stop_leaves_no_thread_and_closes_port(
    pki: Pki, http: HttpImplementation
) -> None:
    server = MtlsServer(make_app(), pki.server_ctx, http=http)
    with pytest.raises(ServerError):
        _ = server.port
    server.start()
    port = server.port
    assert port > 0 and server.running and server.ready.is_set()
    assert server.url == f"https://127.0.0.1:{port}"
    with pytest.raises(ServerError, match="already started"):
        server.start()
    server.stop()
    server.stop()  # idempotent
    assert not server.running
    assert not [t for t in threading.enumerate() if t.name == f"ncpeh-mtls-{port}"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_silent_peer_is_dropped_after_the_idle_timeout(pki: Pki, http: HttpImplementation) -> None:
    # Handshake, then say nothing: the server must not keep the connection forever.
    for srv in start(make_app(), pki.server_ctx, keep_alive_seconds=1, http=http):
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5) as raw:
            with pki.client_ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                started = time.monotonic()
                try:
                    assert tls.recv(1) == b""
                except (ssl.SSLError, ConnectionError):
                    pass
                assert time.monotonic() - started < 3.5


def test_server_can_restart(pki: Pki, http: HttpImplementation) -> None:
    server = MtlsServer(make_app(), pki.server_ctx, http=http)
    for _ in range(2):
        server.start()
        with PartnerClient("PT", pki.client_ctx) as client:
            client.post_soap(f"{server.url}/echo", b"", "urn:a")
        server.stop()


def test_stop_drops_idle_keep_alive_connections_at_once(pki: Pki, http: HttpImplementation) -> None:
    # An idle pooled client never sends close_notify: stop() must not wait for it.
    server = MtlsServer(make_app(), pki.server_ctx, graceful_shutdown_seconds=5.0, http=http)
    server.start()
    with PartnerClient("PT", pki.client_ctx) as client:
        client.post_soap(f"{server.url}/echo", b"", "urn:a")
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 2.0
        assert not server.running


def test_bind_failure_is_a_server_error(pki: Pki, server: MtlsServer) -> None:
    clash = MtlsServer(make_app(), pki.server_ctx, port=server.port)
    with pytest.raises(ServerError, match="cannot bind"):
        clash.start()


def test_app_start_up_failure_is_a_server_error(pki: Pki, http: HttpImplementation) -> None:
    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        raise RuntimeError("catalogue missing")
        yield

    server = MtlsServer(Starlette(lifespan=lifespan), pki.server_ctx, http=http)
    with pytest.raises(ServerError, match="SystemExit"):
        server.start(timeout=5)
    assert not server.running


def test_hostname_mismatch_is_refused_by_the_client(pki: Pki, http: HttpImplementation) -> None:
    wrong = make_leaf(
        pki.directory,
        "server-wrong-name",
        pki.ca,
        cn="elsewhere",
        country="PT",
        usage="server",
        hosts=("elsewhere.example",),
    )
    from ncpeh.net import server_ssl_context

    ctx = server_ssl_context(wrong.cert_path, wrong.key_path, [pki.ca.cert_path])
    for srv in start(make_app(), ctx, http=http):
        with PartnerClient("PT", pki.client_ctx) as client:
            with pytest.raises(PartnerConnectionError, match="(?i)hostname|IP address"):
                client.post_soap(f"{srv.url}/echo", b"", "urn:a")


class _FakeTransport:
    def __init__(self, sock: socket.socket, ssl_object: object | None) -> None:
        self._extra = {"socket": sock, "ssl_object": ssl_object, "sslcontext": None}
        self.closed = False

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self._extra.get(name, default)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class _FakeSslObject:
    def __init__(self, der: bytes | None, context: ssl.SSLContext) -> None:
        self._der = der
        self.context = context

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        return self._der

    def cipher(self) -> tuple[str, str, int]:
        return ("TLS_AES_128_GCM_SHA256", "TLSv1.3", 128)

    def version(self) -> str:
        return "TLSv1.3"


@pytest.fixture()
def tcp_pair() -> Iterator[socket.socket]:
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
    try:
        yield accepted
    finally:
        for s in (accepted, client, listener):
            s.close()


@pytest.fixture()
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


def _protocol(
    loop: asyncio.AbstractEventLoop, http: HttpImplementation
) -> TlsH11Protocol | TlsHttpToolsProtocol:
    cls = PROTOCOLS[http]
    config = Config(
        make_app(),
        http=cls,
        ws="none",
        log_config=None,
        lifespan="off",
        interface="asgi3",
    )
    config.load()
    return cls(config=config, server_state=ServerState(), app_state={}, _loop=loop)


def test_protocols_subclass_uvicorns_own() -> None:
    assert issubclass(TlsH11Protocol, H11Protocol)
    assert issubclass(TlsHttpToolsProtocol, HttpToolsProtocol)


def test_protocol_sets_tcp_nodelay_and_wraps_the_app(
    pki: Pki, tcp_pair: socket.socket, loop: asyncio.AbstractEventLoop, http: HttpImplementation
) -> None:
    protocol = _protocol(loop, http)
    transport = _FakeTransport(tcp_pair, _FakeSslObject(pki.client_fr.der, pki.server_ctx))
    protocol.connection_made(transport)  # type: ignore[arg-type]
    assert tcp_pair.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert not transport.closed
    assert type(protocol.app).__name__ == "_TlsScopeApp"
    assert protocol.timeout_keep_alive_task is not None  # idle timer armed at once
    protocol.timeout_keep_alive_task.cancel()


def test_protocol_closes_a_connection_without_peer_certificate(
    pki: Pki, tcp_pair: socket.socket, loop: asyncio.AbstractEventLoop, http: HttpImplementation
) -> None:
    for ssl_object in (None, _FakeSslObject(None, pki.server_ctx)):
        protocol = _protocol(loop, http)
        transport = _FakeTransport(tcp_pair, ssl_object)
        protocol.connection_made(transport)  # type: ignore[arg-type]
        assert transport.closed


def test_peer_certificate_country_rules(pki: Pki) -> None:
    peer = peer_certificate_from_der(pki.client_fr.der)
    assert peer.country == "FR"
    assert peer.sha256 == hashlib.sha256(pki.client_fr.der).hexdigest()
    two = make_leaf(
        pki.directory,
        "two-countries",
        pki.ca,
        cn="x",
        country="FR",
        usage="client",
        extra_country="DE",
    )
    none = make_leaf(pki.directory, "no-country", pki.ca, cn="x", country=None, usage="client")
    assert peer_certificate_from_der(two.der).country is None  # ambiguous: refuse to pick
    assert peer_certificate_from_der(none.der).country is None


_CTRL_C_SCRIPT = textwrap.dedent("""
    import sys, threading, time
    from ncpeh.net import MtlsServer, server_ssl_context

    async def app(scope, receive, send):
        pass

    ctx = server_ssl_context(sys.argv[1], sys.argv[2], [sys.argv[3]])
    try:
        with MtlsServer(app, ctx) as server:
            print(server.port, flush=True)
            while True:
                time.sleep(0.05)
    except KeyboardInterrupt:
        print("stopped", threading.active_count(), flush=True)
""")


def test_ctrl_c_stops_the_server_and_leaves_no_thread(pki: Pki) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CTRL_C_SCRIPT,
            str(pki.server.cert_path),
            str(pki.server.key_path),
            str(pki.ca.cert_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        proc.send_signal(2)  # SIGINT, what Ctrl-C sends
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 0, err
    assert out.strip() == "stopped 1", err
