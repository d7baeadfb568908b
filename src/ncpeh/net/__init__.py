"""Transport trust for NCP-to-NCP traffic: mutual TLS in, mutual TLS out.

Implements trust-security.md §1 ("Transport trust") and the reliability rules of §8
with the performance rules of house-style.md §3 (1-4):

* :func:`server_ssl_context` / :func:`client_ssl_context`: TLS 1.2+ with
  forward-secret AEAD suites only, client certificates required, no compression,
  renegotiation or tickets. Build each once and share it.
* :class:`MtlsServer`: uvicorn over mutual TLS in a background thread, parsing HTTP with
  h11 (default) or httptools (``http="httptools"``). The app reads
  the verified caller certificate from ``scope["extensions"]["tls"]``
  (``client_cert_der``, ``client_cert_sha256``, ``client_country``) or through
  :func:`peer_certificate_or_none`.
* :class:`PartnerClient`: one keep-alive mTLS pool per partner with connect, read and
  whole-call timeouts, a :class:`CircuitBreaker`, and handshake counters
  (:class:`ClientStats`).

Exception hierarchy::

    NcpehError
     └── NetError                        any transport-trust problem
          ├── TlsConfigError             certificate/key/CA file cannot be loaded
          ├── ServerError                mTLS server cannot start or stop
          └── PartnerUnavailableError    eHDSI ERROR_GENERIC_CONNECTION_NOT_POSSIBLE
               ├── PartnerTimeoutError      connect/read/total budget exhausted
               ├── PartnerConnectionError   refused, reset, TLS handshake failed
               ├── PartnerResponseError     non-SOAP or oversized answer
               └── CircuitOpenError         breaker open: failed fast
"""

from ncpeh.net._breaker import BreakerSnapshot, BreakerState, CircuitBreaker
from ncpeh.net._client import (
    DEFAULT_MAX_RESPONSE_BYTES,
    SOAP12_MEDIA_TYPE,
    ClientStats,
    PartnerClient,
    PartnerTimeouts,
    SoapReply,
)
from ncpeh.net._errors import (
    ERROR_GENERIC_CONNECTION_NOT_POSSIBLE,
    CircuitOpenError,
    NetError,
    PartnerConnectionError,
    PartnerResponseError,
    PartnerTimeoutError,
    PartnerUnavailableError,
    ServerError,
    TlsConfigError,
)
from ncpeh.net._server import (
    TLS_EXTENSION,
    HttpImplementation,
    MtlsServer,
    PeerCertificate,
    TlsH11Protocol,
    certificate_country,
    peer_certificate_from_der,
    peer_certificate_or_none,
)
from ncpeh.net._tls import TLS12_CIPHERS, client_ssl_context, server_ssl_context

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE",
    "SOAP12_MEDIA_TYPE",
    "TLS12_CIPHERS",
    "TLS_EXTENSION",
    "BreakerSnapshot",
    "BreakerState",
    "CircuitBreaker",
    "CircuitOpenError",
    "ClientStats",
    "HttpImplementation",
    "MtlsServer",
    "NetError",
    "PartnerClient",
    "PartnerConnectionError",
    "PartnerResponseError",
    "PartnerTimeoutError",
    "PartnerTimeouts",
    "PartnerUnavailableError",
    "PeerCertificate",
    "ServerError",
    "SoapReply",
    "TlsConfigError",
    "TlsH11Protocol",
    "certificate_country",
    "client_ssl_context",
    "peer_certificate_from_der",
    "peer_certificate_or_none",
    "server_ssl_context",
]
