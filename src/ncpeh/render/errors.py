"""Exceptions of the render package (hierarchy drawn in ``ncpeh.render``)."""

from __future__ import annotations

from ncpeh.errors import NcpehError

__all__ = ["RenderError"]


class RenderError(NcpehError):
    """A page could not be rendered (for PDF: WeasyPrint missing or failing)."""

    code = "render.error"
