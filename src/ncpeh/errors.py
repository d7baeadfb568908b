"""Root of every exception ncpeh raises on purpose.

Each capability package derives its own hierarchy from :class:`NcpehError` and
documents it in its docstring. Edges (CLI, HTTP, SOAP) map these to exit codes,
problem+json or eHDSI error codes in one handler table; the core never formats
user-facing output itself.
"""

from __future__ import annotations

__all__ = ["NcpehError"]


class NcpehError(Exception):
    """Base class. ``str(err)`` is a single line that names the problem."""

    #: stable machine-readable identifier, e.g. ``xml.doctype-forbidden``
    code: str = "ncpeh.error"

    def __init__(self, message: str) -> None:
        # One line, always: messages end up in CLI output and logs.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        return str(self)
