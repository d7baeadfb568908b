from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass
from types import TracebackType

import httpx

from ncpeh.net._breaker import CircuitBreaker
from ncpeh.net._errors import (
    CircuitOpenError,
    NetError,
    PartnerConnectionError,
    PartnerResponseError,
    PartnerTimeoutError,
    PartnerUnavailableError,
)
from ncpeh.net._transport import Counters, PoolTransport, deadline

#: SOAP 1.2 media type (W3C SOAP 1.2 Part 2 §7.1.4: the action travels as a parameter).
SOAP12_MEDIA_TYPE = "application/soap+xml"

#: Response media types that carry a SOAP envelope: plain SOAP 1.2, and MTOM/XOP
#: packages (XCA retrieve answers may come as ``multipart/related``).
_SOAP_RESPONSE_TYPES = (SOAP12_MEDIA_TYPE, "multipart/related", "application/xop+xml")

#: Same ceiling as hardened XML input (ncpeh.xmlsafe): an L1 PDF in base64 is the
#: largest thing a partner legitimately sends.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class PartnerTimeouts:
    """Time limits for one NCP-to-NCP call, in seconds.

    OpenNCP waits up to 180 s per hop (ehdsi-flows.md §10); our budget is far lower
    because tail latency, not throughput, is what a health professional feels
    (house-style.md §3). ``total`` bounds the **whole** call: every socket operation
    is clipped to the time left, so a partner that trickles bytes cannot stretch it.

    Attributes:
        connect: TCP connect plus TLS handshake.
        read: longest wait for any single read (time to first byte included).
        write: longest wait for any single write.
        pool: longest wait for a free pooled connection.
        total: wall-clock budget for the whole call.
    """

    connect: float = 2.0
    read: float = 6.0
    write: float = 6.0
    pool: float = 2.0
    total: float = 8.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "write", "pool", "total"):
            if not getattr(self, name) > 0:
                raise ValueError(f"timeout {name} must be > 0")

    def as_httpx(self) -> httpx.Timeout:
        clip = self.total
        return httpx.Timeout(
            connect=min(self.connect, clip),
            read=min(self.read, clip),
            write=min(self.write, clip),
            pool=min(self.pool, clip),
        )


@dataclass(frozen=True, slots=True)
class ClientStats:
    """Counters of one :class:`PartnerClient` (for metrics and the M6 benchmark).

    Attributes:
        requests: calls that reached the network (the breaker let them through).
        failures: those that ended in :class:`PartnerUnavailableError`.
        rejected: calls refused at once by the open circuit breaker.
        connections: TCP connections opened.
        tls_handshakes: **full** TLS handshakes (the 2.9-3.8 ms kind, house-style.md
            §3 rule 4).
        tls_resumptions: abbreviated handshakes (session resumption).
    """

    requests: int
    failures: int
    rejected: int
    connections: int
    tls_handshakes: int
    tls_resumptions: int

    @property
    def handshakes_per_request(self) -> float:
        """M6 "handshakes per transaction"; target <= 0.01 (house-style.md §3)."""
        return self.tls_handshakes / self.requests if self.requests else 0.0


@dataclass(frozen=True, slots=True)
class SoapReply:
    """A SOAP answer: HTTP status, media type (needed to unpack MTOM) and body."""

    status_code: int
    content_type: str
    body: bytes

    @property
    def is_fault_status(self) -> bool:
        """SOAP 1.2 sends faults with 400 (Sender) or 500 (Receiver)."""
        return self.status_code >= 400


class PartnerClient:
    """One pooled mutual-TLS HTTP/1.1 client per partner country.

    Why one per partner (house-style.md §3 rules 2-4; trust-security.md §8):

    * one ``httpx.Client`` built once with the shared client SSL context: a new
      client costs ~58 ms, a keep-alive request ~0.8 ms;
    * keep-alive: a full mTLS handshake costs 10-14x a 100 KB exchange, the target
      is <= 0.01 handshakes per transaction (see :attr:`stats`);
    * ``TCP_NODELAY`` on every socket: without it a 100 KB exchange stalls ~44 ms;
    * a pool per country is a bulkhead, and the circuit breaker per country answers
      ``ERROR_GENERIC_CONNECTION_NOT_POSSIBLE`` at once while the partner is down.

    Every failure (refused, TLS failure, timeout, non-SOAP answer, open breaker) is a
    :class:`PartnerUnavailableError` raised within ``timeouts.total``. SOAP faults
    are answers, not failures: they are returned for the caller to parse.

    Retries are left to the caller: only XCPD/XCA are idempotent; XDR must be keyed
    by the eD ``uniqueId`` first (trust-security.md §8, "Retries").

    Args:
        partner: label for errors and logs, e.g. the ISO country code.
        ssl_context: from :func:`client_ssl_context`, shared by all partners.
        timeouts: see :class:`PartnerTimeouts`.
        breaker: circuit breaker; a default one (5 failures, 30 s) if omitted.
        max_connections: pool size (concurrent calls to this partner).
        keepalive_expiry: idle seconds before a pooled connection is dropped; keep it
            below the partner's server-side keep-alive timeout.
        max_response_bytes: larger answers are refused.
        slow_call_seconds: a successful call slower than this still counts as a
            breaker failure (trust-security.md §8: "opens after N failures or slow
            calls"); ``None`` disables it.

    Example:
        >>> ctx = client_ssl_context("sc.pem", "sc.key", ["ca.pem"])  # doctest: +SKIP
        >>> with PartnerClient("PT", ctx) as pt:  # doctest: +SKIP
        ...     reply = pt.post_soap(url, envelope, action)
    """

    def __init__(
        self,
        partner: str,
        ssl_context: ssl.SSLContext,
        *,
        timeouts: PartnerTimeouts | None = None,
        breaker: CircuitBreaker | None = None,
        max_connections: int = 10,
        keepalive_expiry: float = 30.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        slow_call_seconds: float | None = None,
    ) -> None:
        if not ssl_context.check_hostname or ssl_context.verify_mode != ssl.CERT_REQUIRED:
            raise NetError("partner SSL context must verify the server certificate and name")
        self.partner = partner
        self.timeouts = timeouts or PartnerTimeouts()
        self.breaker = breaker or CircuitBreaker()
        self._max_response_bytes = max_response_bytes
        self._slow = slow_call_seconds
        self._counters = Counters()
        self._http = httpx.Client(
            transport=PoolTransport(
                ssl_context,
                self._counters,
                max_connections=max_connections,
                keepalive_expiry=keepalive_expiry,
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            ),
            timeout=self.timeouts.as_httpx(),
            follow_redirects=False,  # a redirect would leave the SMP-listed endpoint
            trust_env=False,  # no proxy or CA from the environment on NCP-to-NCP links
            headers={"Accept-Encoding": "identity", "User-Agent": "ncpeh"},
        )

    @property
    def stats(self) -> ClientStats:
        """Snapshot of the counters (see :class:`ClientStats`)."""
        c = self._counters
        return ClientStats(
            requests=c.requests,
            failures=c.failures,
            rejected=self.breaker.snapshot().rejected_count,
            connections=c.connections,
            tls_handshakes=c.tls_full,
            tls_resumptions=c.tls_resumed,
        )

    def post_soap(self, url: str, body: bytes, action: str) -> bytes:
        """POST a SOAP 1.2 envelope and return the response body.

        The body of a SOAP fault (HTTP 400/500 with a SOAP media type) is returned as
        well; use :meth:`post_soap_reply` to see the status and media type.

        Args:
            url: the partner's ``https`` endpoint from the trust registry.
            body: the serialised envelope.
            action: the WS-Addressing action, e.g.
                ``urn:ihe:iti:2007:CrossGatewayQuery``.

        Raises:
            PartnerUnavailableError: see the class docstring; ``ehdsi_code`` is
                ``ERROR_GENERIC_CONNECTION_NOT_POSSIBLE``.
        """
        return self.post_soap_reply(url, body, action).body

    def post_soap_reply(self, url: str, body: bytes, action: str) -> SoapReply:
        """Like :meth:`post_soap`, returning status code and media type too."""
        try:
            scheme = httpx.URL(url).scheme
        except httpx.InvalidURL as exc:
            raise NetError(f"invalid partner URL {url!r}: {exc}") from exc
        if scheme != "https":
            raise NetError(f"refusing non-https partner URL {url!r}: no mTLS, no service")
        if any(ch in action for ch in '"\r\n\\'):
            raise NetError("SOAP action must not contain quotes, backslashes or line breaks")
        if not self.breaker.allow():
            raise CircuitOpenError(
                f"circuit open, next probe in {self.breaker.retry_after():.1f} s",
                partner=self.partner,
            )
        self._counters.add("requests")
        started = time.monotonic()
        try:
            reply = self._exchange(url, body, action)
        except PartnerUnavailableError:
            self._counters.add("failures")
            self.breaker.record_failure()
            raise
        except BaseException:
            # Not the partner's fault (e.g. KeyboardInterrupt): no verdict either way.
            self.breaker.release()
            raise
        if self._slow is not None and time.monotonic() - started > self._slow:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        return reply

    def _exchange(self, url: str, body: bytes, action: str) -> SoapReply:
        headers = {
            "Content-Type": f'{SOAP12_MEDIA_TYPE}; charset=utf-8; action="{action}"',
            "Accept": f"{SOAP12_MEDIA_TYPE}, multipart/related",
        }
        total = self.timeouts.total
        try:
            with deadline(total):
                request = self._http.build_request("POST", url, content=body, headers=headers)
                response = self._http.send(request, stream=True)
                try:
                    content = self._read_limited(response)
                finally:
                    response.close()
        except httpx.TimeoutException as exc:
            raise PartnerTimeoutError(
                f"no complete answer within the time limits (total {total} s): {exc}",
                partner=self.partner,
            ) from exc
        except (httpx.HTTPError, OSError) as exc:
            raise PartnerConnectionError(
                f"{type(exc).__name__}: {exc}", partner=self.partner
            ) from exc
        content_type = response.headers.get("content-type", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        soap = media_type in _SOAP_RESPONSE_TYPES
        if response.status_code >= 300 and not (soap and response.status_code in (400, 500)):
            raise PartnerResponseError(
                f"HTTP {response.status_code} ({media_type or 'no content type'})",
                partner=self.partner,
            )
        if not soap:
            raise PartnerResponseError(
                f"answer is {media_type or 'untyped'}, not SOAP", partner=self.partner
            )
        return SoapReply(response.status_code, content_type, content)

    def _read_limited(self, response: httpx.Response) -> bytes:
        limit = self._max_response_bytes
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise PartnerResponseError(
                f"answer of {declared} bytes exceeds the {limit}-byte limit", partner=self.partner
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise PartnerResponseError(
                    f"answer exceeds the {limit}-byte limit", partner=self.partner
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def close(self) -> None:
        """Close pooled connections. The client is unusable afterwards."""
        self._http.close()

    def __enter__(self) -> PartnerClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
