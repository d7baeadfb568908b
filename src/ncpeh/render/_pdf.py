"""PDF rendering through WeasyPrint (the optional ``ncpeh[pdf]`` extra).

The PDF is printed from the very same HTML as the screen view, with its print
CSS: A4, the patient banner repeated as a running header on every page, "page X
of Y" and the "translated by" footer (house-style, Portal UI conventions).
WeasyPrint is imported lazily so the core package works without Pango.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ncpeh.documents.models import DocumentView
from ncpeh.render._html import render_html
from ncpeh.render.errors import RenderError

__all__ = ["render_pdf"]


def _refuse_fetch(url: str, *_args: Any, **_kwargs: Any) -> Any:
    """The page is standalone: any attempt to fetch a resource is a bug or an attack."""
    raise RenderError(f"the document page tried to load an external resource: {url[:80]}")


def render_pdf(
    view: DocumentView,
    *,
    language: str,
    generated_by: str = "NCPeH",
    generated_at: datetime | None = None,
) -> bytes:
    """Render a document view as a tagged PDF (bytes starting with ``%PDF``).

    Raises:
        RenderError: WeasyPrint is not installed (install ``ncpeh[pdf]``) or
            failed to lay the page out.
    """
    try:
        import weasyprint
    except ImportError:  # pragma: no cover - depends on the environment
        raise RenderError(
            "PDF rendering needs WeasyPrint: install the extra with 'pip install ncpeh[pdf]'"
        ) from None
    except OSError as exc:  # pragma: no cover - Pango or its libraries missing
        raise RenderError(f"WeasyPrint is installed but cannot load its libraries: {exc}") from None
    html = render_html(
        view, language=language, generated_by=generated_by, generated_at=generated_at
    )
    try:
        document = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch)
        pdf = document.write_pdf(pdf_tags=True)
    except RenderError:
        raise
    except Exception as exc:  # noqa: BLE001 - WeasyPrint raises many unrelated types
        raise RenderError(f"PDF layout failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without target returns bytes
        raise RenderError("WeasyPrint returned no PDF bytes")
    return pdf
