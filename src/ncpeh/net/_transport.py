"""httpx transport on an httpcore pool whose sockets honour a whole-call deadline.

Why not ``httpx.HTTPTransport``: httpx has connect/read/write/pool timeouts but no
total one, and a read timeout restarts on every byte, so a partner trickling its
answer could hold a health professional far beyond any budget. httpx does not let us
plug a network backend into its own transport, so this module builds the same thing
from public httpcore parts: a :class:`httpcore.ConnectionPool` with a backend whose
streams clip every socket operation to the time left in the caller's budget, and
count TCP connections and TLS handshakes on the way (house-style.md §3 rule 4, M6).

Two guards work around races in httpcore's thread-safe pool (1.0.9, seen in our
concurrency test as requests hanging until their read timeout or "Server disconnected"):

* ``has_expired()`` reads "state is IDLE" and "socket is readable" one after the other,
  without the connection's lock. If another thread takes the connection and its answer
  arrives in between, the pool closes a connection in use. Our stream reports "not
  readable" from the first write of a request until its response is closed.
* The pool may close an idle connection to make room, even when another thread has just
  taken it (encode/httpcore#1110). We bound concurrency ourselves with a semaphore and
  give httpcore no limit, so it never needs to make room.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpcore
import httpx

_local = threading.local()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound every socket operation of this thread's next request to ``seconds`` in total."""
    previous: float | None = getattr(_local, "at", None)
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def _clip(timeout: float | None, exc_type: type[httpcore.TimeoutException]) -> float | None:
    at: float | None = getattr(_local, "at", None)
    if at is None:
        return timeout
    remaining = at - time.monotonic()
    if remaining <= 0:
        raise exc_type("total time budget exhausted")
    return remaining if timeout is None else min(timeout, remaining)


class Counters:
    """Thread-safe counters shared by the backend and the client."""

    __slots__ = ("_lock", "requests", "failures", "connections", "tls_full", "tls_resumed")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.failures = 0
        self.connections = 0
        self.tls_full = 0
        self.tls_resumed = 0

    def add(self, name: str) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, counters: Counters) -> None:
        self._inner = inner
        self._counters = counters
        self._busy = False  # a request was written and its response is not closed yet

    def release(self) -> None:
        """The response on this stream was closed: idle-readiness checks apply again."""
        self._busy = False

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._busy = True
        self._inner.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(
            ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout)
        )
        ssl_object = tls.get_extra_info("ssl_object")
        resumed = bool(getattr(ssl_object, "session_reused", False))
        self._counters.add("tls_resumed" if resumed else "tls_full")
        return _Stream(tls, self._counters)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable" and self._busy:
            return False  # an answer in flight is not a server-side close
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, counters: Counters) -> None:
        self._inner = httpcore.SyncBackend()
        self._counters = counters

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _clip(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        self._counters.add("connections")
        return _Stream(stream, self._counters)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


# Most specific first: the first isinstance match wins.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextlib.contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _EXCEPTIONS:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc), request=request) from exc
        raise


class _ResponseStream(httpx.SyncByteStream):
    def __init__(
        self, inner: Iterable[bytes], request: httpx.Request, on_close: Callable[[], None]
    ) -> None:
        self._inner = inner
        self._request = request
        self._on_close: Callable[[], None] | None = on_close

    def __iter__(self) -> Iterator[bytes]:
        with _mapped(self._request):
            yield from self._inner

    def close(self) -> None:
        try:
            close = getattr(self._inner, "close", None)
            if close is not None:
                with _mapped(self._request):
                    close()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()


class PoolTransport(httpx.BaseTransport):
    """HTTP/1.1 keep-alive pool to one partner, with deadline-aware, counting sockets.

    At most ``max_connections`` requests run at once (the rest wait up to the pool
    timeout); each holds one connection, so at most that many connections per origin.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext,
        counters: Counters,
        *,
        max_connections: int,
        keepalive_expiry: float,
        socket_options: Iterable[httpcore.SOCKET_OPTION],
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        self._slots = threading.BoundedSemaphore(max_connections)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=None,  # bounded by self._slots, see the module docstring
            max_keepalive_connections=None,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            retries=0,
            socket_options=socket_options,
            network_backend=_Backend(counters),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        with _mapped(request):
            wait = _clip(request.extensions.get("timeout", {}).get("pool"), httpcore.PoolTimeout)
            if not self._slots.acquire(timeout=wait):
                raise httpcore.PoolTimeout("every connection to the partner is busy")
        try:
            core_request = httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
            with _mapped(request):
                core_response = self._pool.handle_request(core_request)
        except BaseException:
            self._slots.release()
            raise
        assert isinstance(core_response.stream, Iterable)
        stream = core_response.extensions.get("network_stream")

        def on_close() -> None:
            if isinstance(stream, _Stream):
                stream.release()
            self._slots.release()

        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(core_response.stream, request, on_close),
            extensions=core_response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
