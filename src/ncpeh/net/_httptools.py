"""The httptools (llhttp, C) variant of the mutual-TLS server protocol.

A module of its own because uvicorn's ``httptools_impl`` imports ``httptools`` at load
time: :class:`~ncpeh.net.MtlsServer` imports this lazily and falls back to h11 when the
wheel is missing.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ncpeh.net._server import _abort_if_idle, _admit_peer


class TlsHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that hands the verified peer certificate to the app
    in ``scope["extensions"]["tls"]``; same checks and refusals as
    :class:`~ncpeh.net.TlsH11Protocol` (shared code in ``_server._admit_peer``).

    Chosen with ``MtlsServer(http="httptools")`` (or ``"auto"``). Its C parser saves
    ~0.2 ms on a bare 55 KB exchange but did not measurably shorten the gateway
    benchmark, so h11 remains the default.
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
