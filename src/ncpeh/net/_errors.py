from __future__ import annotations

from ncpeh.errors import NcpehError

#: eHDSI error code for "the partner NCP could not be reached" (``ehdsi-flows.md`` §2:
#: OpenNCP answers it after one failed endpoint refresh; we answer it at once).
ERROR_GENERIC_CONNECTION_NOT_POSSIBLE = "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"


class NetError(NcpehError):
    """Any transport-trust problem (TLS set-up, server, partner call)."""

    code = "net.error"


class TlsConfigError(NetError):
    """A certificate, key or CA file cannot be loaded into an SSL context.

    Raised at start-up only: contexts are built once (``house-style.md`` §3 rule 2).
    """

    code = "net.tls-config"


class ServerError(NetError):
    """The mutual-TLS server could not start (bind failure, app start-up failure, timeout)."""

    code = "net.server"


class PartnerUnavailableError(NetError):
    """The partner NCP did not answer usefully; the caller reports ``ehdsi_code``.

    Every subclass carries the same eHDSI code: for the health professional in
    country B the cause does not matter, for operations it does (``code`` and the
    message differ).
    """

    code = "net.partner-unavailable"
    ehdsi_code = ERROR_GENERIC_CONNECTION_NOT_POSSIBLE

    def __init__(self, message: str, *, partner: str) -> None:
        super().__init__(f"partner {partner}: {message}")
        self.partner = partner


class PartnerTimeoutError(PartnerUnavailableError):
    """Connect, read or the whole-call budget ran out."""

    code = "net.partner-timeout"


class PartnerConnectionError(PartnerUnavailableError):
    """Refused, reset, unreachable, or the TLS handshake failed (either side refused)."""

    code = "net.partner-connection"


class PartnerResponseError(PartnerUnavailableError):
    """The partner answered, but not with SOAP (e.g. a 502 page) or with too large a body."""

    code = "net.partner-response"


class CircuitOpenError(PartnerUnavailableError):
    """The partner's circuit breaker is open: fail fast instead of waiting for a timeout."""

    code = "net.circuit-open"
