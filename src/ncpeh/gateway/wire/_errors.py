"""Exceptions of :mod:`ncpeh.gateway.wire`; the hierarchy is drawn in the package docstring."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ncpeh.errors import NcpehError

if TYPE_CHECKING:
    from ncpeh.gateway.wire._soap import SoapFault

__all__ = [
    "MessageFormatError",
    "SoapEnvelopeError",
    "SoapFaultError",
    "UnexpectedMessageError",
    "UnknownCountryError",
    "WireError",
]


class WireError(NcpehError):
    """Root of the wire package: a message we cannot build or understand."""

    code = "wire.error"


class SoapEnvelopeError(WireError):
    """Not a SOAP 1.1/1.2 envelope, or its Header/Body/WS-* structure is ambiguous."""

    code = "wire.soap-envelope"


class UnexpectedMessageError(WireError):
    """The body holds another message than the one expected here."""

    code = "wire.unexpected-message"


class MessageFormatError(WireError):
    """The expected message lacks a required part or carries a malformed value."""

    code = "wire.message-format"


class UnknownCountryError(WireError):
    """No identifier domain or home community is known for this country."""

    code = "wire.unknown-country"


class SoapFaultError(WireError):
    """The peer answered with a SOAP fault; ``fault`` holds it, eHDSI code included."""

    code = "wire.soap-fault"

    def __init__(self, fault: SoapFault) -> None:
        super().__init__(f"SOAP fault from peer: {fault.reason}")
        self.fault = fault
