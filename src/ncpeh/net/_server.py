from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import socket
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Protocol, cast

import uvicorn
from cryptography import x509
from cryptography.x509.oid import NameOID
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from ncpeh.net._errors import ServerError

_log = logging.getLogger(__name__)

#: Key of the ASGI TLS extension (asgiref "TLS Extension"); we add our own fields
#: to the standard ones so a Starlette app reads one place.
TLS_EXTENSION = "tls"

_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """The verified TLS client certificate of the partner NCP on this connection.

    Attributes:
        der: the certificate exactly as presented (DER).
        sha256: lower-case hex SHA-256 of ``der``; the registry pins partners by it.
        country: the subject ``C=`` (two upper-case letters) or ``None`` when absent,
            repeated or malformed. trust-security.md §1: "The caller's country is the
            ``C=`` of the TLS client-certificate DN".
        subject: RFC 4514 subject, for audit ``ServiceConsumer`` UserID (§5.1).
    """

    der: bytes
    sha256: str
    country: str | None
    subject: str


def certificate_country(certificate: x509.Certificate) -> str | None:
    """Return the single two-letter ``C=`` of the subject, else ``None``.

    Two ``C=`` attributes are ambiguous, so they count as none: a caller must never
    be able to pick which country it is.
    """
    values = certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if len(values) != 1:
        return None
    value = values[0].value
    if isinstance(value, str) and len(value) == 2 and value.isascii() and value.isupper():
        return value
    return None


def peer_certificate_from_der(der: bytes) -> PeerCertificate:
    """Parse a DER certificate into a :class:`PeerCertificate` (once per connection)."""
    certificate = x509.load_der_x509_certificate(der)
    return PeerCertificate(
        der=der,
        sha256=hashlib.sha256(der).hexdigest(),
        country=certificate_country(certificate),
        subject=certificate.subject.rfc4514_string(),
    )


def peer_certificate_or_none(scope: Mapping[str, Any]) -> PeerCertificate | None:
    """Read the verified client certificate that :class:`MtlsServer` put in the scope.

    ``None`` means the app runs behind something other than :class:`MtlsServer`
    (e.g. an in-process test client); a gateway route must then refuse, never fall
    back to the assertion certificate (trust-security.md §3, "mTLS is mandatory").

    Example:
        >>> async def app(scope, receive, send):  # doctest: +SKIP
        ...     peer = peer_certificate_or_none(scope)
        ...     country = peer.country if peer else None
    """
    tls = (scope.get("extensions") or {}).get(TLS_EXTENSION)
    if not isinstance(tls, Mapping):
        return None
    der = tls.get("client_cert_der")
    if not isinstance(der, bytes):
        return None
    return PeerCertificate(
        der=der,
        sha256=str(tls["client_cert_sha256"]),
        country=tls.get("client_country"),
        subject=str(tls.get("client_cert_name", "")),
    )


@functools.lru_cache(maxsize=8)
def _cipher_ids(context: ssl.SSLContext) -> dict[str, int]:
    # get_ciphers() ids are 0x03000000 | IANA id; the ASGI extension wants the IANA id.
    return {c["name"]: c["id"] & 0xFFFF for c in context.get_ciphers()}


def _tls_extension(ssl_object: ssl.SSLObject, der: bytes) -> dict[str, Any]:
    peer = peer_certificate_from_der(der)
    cipher = ssl_object.cipher()
    version = ssl_object.version()
    return {
        # Standard ASGI TLS extension fields.
        "server_cert": None,
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)],
        "client_cert_name": peer.subject,
        "client_cert_error": None,
        "tls_version": _TLS_VERSIONS.get(version or ""),
        "cipher_suite": _cipher_ids(ssl_object.context).get(cipher[0]) if cipher else None,
        # ncpeh fields: what the gateway decides on (trust-security.md §1).
        "client_cert_der": peer.der,
        "client_cert_sha256": peer.sha256,
        "client_country": peer.country,
    }


class _TlsScopeApp:
    """Per-connection wrapper that adds the connection's TLS facts to every scope."""

    __slots__ = ("_app", "_tls")

    def __init__(self, app: ASGIApp, tls: dict[str, Any]) -> None:
        self._app = app
        self._tls = tls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            extensions = scope.get("extensions")
            if extensions is None:
                extensions = scope["extensions"] = {}
            # A copy per request: one handler mutating it cannot affect the next request.
            extensions[TLS_EXTENSION] = dict(self._tls)
        await self._app(scope, receive, send)


class _UvicornHttp(Protocol):
    """What the shared helpers use of uvicorn's HTTP protocols (h11 and httptools)."""

    app: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport
    cycle: Any
    timeout_keep_alive: int
    timeout_keep_alive_task: asyncio.TimerHandle | None

    def timeout_keep_alive_handler(self) -> None: ...


def _admit_peer(protocol: _UvicornHttp, transport: asyncio.Transport) -> None:
    """``connection_made`` tail shared by both TLS protocols: bind the verified peer.

    Neither uvicorn nor hypercorn puts the TLS peer certificate into the ASGI scope
    (trust-security.md §1, "Getting the client certificate into the app", verified
    approach). asyncio calls ``connection_made`` only after the TLS handshake has
    completed, so the certificate read here has been verified against the client CA
    bundle by OpenSSL. A connection without one (impossible with ``CERT_REQUIRED``,
    checked again here as defence in depth) is closed before any request is read.
    """
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # house-style.md §3 rule 3: Nagle + delayed ACK stall a 100 KB reply ~44 ms.
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover - not a TCP socket
            pass
    ssl_object: ssl.SSLObject | None = transport.get_extra_info("ssl_object")
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if ssl_object is None or not der:
        _log.warning("closing connection without a verified TLS client certificate")
        transport.close()
        return
    try:
        tls = _tls_extension(ssl_object, der)
    except ValueError:  # pragma: no cover - OpenSSL accepted what cryptography cannot parse
        _log.warning("closing connection: unparsable TLS client certificate")
        transport.close()
        return
    # protocol.app is uvicorn's typed ASGI3Application; ours is structurally the same.
    protocol.app = _TlsScopeApp(cast(ASGIApp, protocol.app), tls)
    # uvicorn arms its idle timer only after a first response; arm it now so a peer
    # that completes the handshake and then stays silent cannot hold the connection.
    # The first request cancels it, as it does between keep-alive requests.
    protocol.timeout_keep_alive_task = protocol.loop.call_later(
        protocol.timeout_keep_alive, protocol.timeout_keep_alive_handler
    )


def _abort_if_idle(protocol: _UvicornHttp) -> bool:
    """Server shutdown: drop an idle keep-alive connection at once (``True`` if done).

    A TLS ``close()`` waits for the peer's ``close_notify``, which an idle pooled
    client never sends: uvicorn would then wait out its whole graceful period.
    Connections with a request in progress are left to uvicorn's own shutdown.
    """
    if protocol.cycle is None or protocol.cycle.response_complete:
        protocol.transport.abort()
        return True
    return False


class TlsH11Protocol(H11Protocol):
    """uvicorn's h11 (pure-Python) protocol that hands the verified peer certificate
    to the app in ``scope["extensions"]["tls"]``; see :func:`_admit_peer`.

    The default of :class:`MtlsServer`, and the fallback of ``http="auto"`` when
    ``httptools`` is not installed.
    """

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        super().connection_made(transport)
        _admit_peer(self, transport)

    def shutdown(self) -> None:
        """Drop idle keep-alive connections at once; running requests finish."""
        if not _abort_if_idle(self):
            super().shutdown()


#: ``MtlsServer(http=...)``; ``"auto"`` is httptools when importable, else h11.
HttpImplementation = Literal["auto", "httptools", "h11"]


def _http_protocol(http: HttpImplementation) -> type[asyncio.Protocol]:
    """The TLS-aware uvicorn protocol class for ``http`` (see :class:`MtlsServer`)."""
    if http == "h11":
        return TlsH11Protocol
    if http not in ("auto", "httptools"):
        raise ServerError(f"unknown HTTP implementation {http!r}: auto, httptools or h11")
    try:
        from ncpeh.net._httptools import TlsHttpToolsProtocol
    except ImportError as exc:
        if http == "httptools":
            raise ServerError(f"httptools is not available: {exc}") from exc
        return TlsH11Protocol
    return TlsHttpToolsProtocol


class _UvicornServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._ready.set()


class MtlsServer:
    """Serve an ASGI app over mutual TLS with uvicorn in a background thread.

    Used by NCP-A to answer partner NCPs and by tests and the demo to stand up a
    loopback partner. The app finds the verified caller certificate in
    ``scope["extensions"]["tls"]`` (see :func:`peer_certificate_or_none`).

    The listening socket is bound in :meth:`start` before the thread runs, so
    ``port=0`` yields a free port that :attr:`port` reports immediately, with no race.
    The thread is a daemon and :meth:`stop` joins it, so a Ctrl-C in the main thread
    (``KeyboardInterrupt`` leaving a ``with`` block) stops the server and leaves no
    thread behind. uvicorn installs no signal handlers off the main thread.

    Args:
        app: the ASGI application.
        ssl_context: from :func:`server_ssl_context`; must require client certificates.
        host: address to bind; loopback by default.
        port: TCP port, ``0`` for any free port.
        keep_alive_seconds: idle time before the server closes a connection. Longer
            than the client's pool expiry so the client, not the server, closes idle
            connections (avoids a request racing a server-side close).
        graceful_shutdown_seconds: how long :meth:`stop` lets running requests finish.
        http: HTTP/1.1 parser: ``"h11"`` (default, pure Python), ``"httptools"`` (C,
            llhttp) or ``"auto"`` (httptools when importable, else h11). Both see the
            same peer certificate and refuse the same connections. h11 stays the
            default because httptools did not measurably shorten the gateway benchmark
            (docs/benchmarks.md, "Gateway"): it saves ~0.2 ms on a bare 55 KB exchange,
            below the run-to-run noise of a ~10 ms transaction.

    Raises:
        ServerError: the context does not require client certificates, ``http`` is
            unknown, or ``"httptools"`` was asked for and cannot be imported.

    Example:
        >>> with MtlsServer(app, server_ssl_context(...)) as srv:  # doctest: +SKIP
        ...     print(srv.url)
    """

    def __init__(
        self,
        app: ASGIApp,
        ssl_context: ssl.SSLContext,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        keep_alive_seconds: int = 65,
        graceful_shutdown_seconds: float = 2.0,
        http: HttpImplementation = "h11",
    ) -> None:
        if ssl_context.verify_mode != ssl.CERT_REQUIRED:
            raise ServerError("the server SSL context must require client certificates")
        self._protocol = _http_protocol(http)
        self._app = app
        self._ssl_context = ssl_context
        self._host = host
        self._requested_port = port
        self._keep_alive = keep_alive_seconds
        self._graceful = graceful_shutdown_seconds
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._server: _UvicornServer | None = None
        self._sock: socket.socket | None = None
        self._port: int | None = None
        self._error: BaseException | None = None

    @property
    def port(self) -> int:
        """The bound TCP port (known as soon as :meth:`start` returns)."""
        if self._port is None:
            raise ServerError("server not started")
        return self._port

    @property
    def http_protocol(self) -> type[asyncio.Protocol]:
        """The uvicorn protocol class serving connections (httptools or h11 flavour)."""
        return self._protocol

    @property
    def host(self) -> str:
        return self._host

    @property
    def url(self) -> str:
        """``https://host:port`` of the running server."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"https://{host}:{self.port}"

    @property
    def ready(self) -> threading.Event:
        """Set once uvicorn accepts connections."""
        return self._ready

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 10.0) -> None:
        """Bind, start the server thread and wait until it accepts connections.

        Raises:
            ServerError: already started, bind failure, app start-up failure, or not
                ready within ``timeout``.
        """
        if self._thread is not None:
            raise ServerError("server already started")
        self._error = None
        try:
            sock = socket.create_server((self._host, self._requested_port))
        except OSError as exc:
            raise ServerError(f"cannot bind {self._host}:{self._requested_port}: {exc}") from exc
        try:
            self._server = self._build()
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._port = int(sock.getsockname()[1])
        self._thread = threading.Thread(
            target=self._run, name=f"ncpeh-mtls-{self._port}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise ServerError(f"server did not start within {timeout} s: {self._error!r}")
        if self._error is not None:
            self.stop()
            raise ServerError(f"server failed: {self._error!r}")

    def _build(self) -> _UvicornServer:
        config = uvicorn.Config(
            self._app,
            http=self._protocol,
            ws="none",
            loop="asyncio",
            interface="asgi3",
            lifespan="auto",
            log_config=None,
            access_log=False,
            # Client addresses come from the socket; a forwarded header from a partner
            # NCP must never be believed (trust-security.md §1, proxy note).
            proxy_headers=False,
            server_header=False,
            timeout_keep_alive=self._keep_alive,
            timeout_graceful_shutdown=max(1, round(self._graceful)),
        )
        # Load first, then install our hardened context: works on every uvicorn >= 0.30
        # (``ssl_context_factory`` only exists from 0.47) and bypasses uvicorn's own
        # context builder, which would accept any cipher string and no CA pinning.
        config.load()
        config.ssl = self._ssl_context
        return _UvicornServer(config, self._ready)

    def _run(self) -> None:
        server, sock = self._server, self._sock
        assert server is not None and sock is not None
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # SystemExit when uvicorn's start-up fails
            self._error = exc
            _log.error("mTLS server stopped with %r", exc)
            self._ready.set()  # wake start(); it sees the error
        finally:
            sock.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop accepting, let running requests finish, join the thread. Idempotent."""
        thread, server = self._thread, self._server
        if thread is None or server is None:
            return
        server.should_exit = True
        thread.join(timeout)
        if thread.is_alive():  # pragma: no cover - requests outlived the graceful period
            server.force_exit = True
            thread.join(timeout)
        if thread.is_alive():  # pragma: no cover
            raise ServerError(f"server thread did not stop within {2 * timeout} s")
        self._thread = None
        self._server = None
        self._ready.clear()

    def __enter__(self) -> MtlsServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
