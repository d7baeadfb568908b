"""Render a document view for people: standalone HTML and print-ready PDF.

Pages follow the eHDSI display conventions (documents.md §1.8) and the portal
UI conventions (house-style.md): a persistent patient banner first, allergies
next to it, sections in the fixed eHDSI order, translated terms with their
original term, code system and code beside them, and explicit markers for
"no information", "known absence", "unmapped" and "not translated". UI labels
come from the package's gettext catalogues (en, fr, nb, pt; English fallback).

Exception hierarchy::

    NcpehError
     └── RenderError        WeasyPrint missing (ncpeh[pdf]) or layout failure
"""

from ncpeh.render._html import render_html
from ncpeh.render._i18n import SUPPORTED_LANGUAGES
from ncpeh.render._pdf import render_pdf
from ncpeh.render.errors import RenderError

__all__ = ["SUPPORTED_LANGUAGES", "RenderError", "render_html", "render_pdf"]
