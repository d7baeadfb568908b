"""HTML rendering: one compiled Jinja2 environment per UI language.

The template and CSS are package data, compiled once per language (the
environment carries that language's gettext), autoescaped everywhere and
``StrictUndefined`` so a missing value is a bug, not a silent blank. The page
is standalone: CSS inline, no script, no external resource.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from ncpeh.documents.models import DocumentView
from ncpeh.render._i18n import N_, translations, ui_language
from ncpeh.render._present import build_page

__all__ = ["css_counter_content", "render_html"]

_PLACEHOLDER = re.compile(r"%\((page|pages)\)s")
#: "Page X of Y" in the PDF footer (CSS counters filled in by the print engine).
PAGE_COUNTER = N_("Page %(page)s of %(pages)s")


def _css_string(text: str) -> str:
    """A CSS string literal that can neither end the string nor the ``<style>`` element."""
    out = []
    for ch in text:
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):X} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def css_counter_content(template: str) -> Markup:
    """Turn ``Page %(page)s of %(pages)s`` into a CSS ``content`` value with counters.

    Example:
        >>> str(css_counter_content("Page %(page)s of %(pages)s"))
        '"Page " counter(page) " of " counter(pages)'
    """
    parts: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(template):
        if m.start() > pos:
            parts.append(_css_string(template[pos : m.start()]))
        parts.append(f"counter({m.group(1)})")
        pos = m.end()
    if pos < len(template):
        parts.append(_css_string(template[pos:]))
    return Markup(" ".join(parts) or '""')


@lru_cache(maxsize=1)
def _css() -> Markup:
    css = resources.files("ncpeh.render").joinpath("templates/style.css").read_text("utf-8")
    if "</" in css:
        raise ValueError("style.css must not contain '</'")
    return Markup(css)


@lru_cache(maxsize=8)
def _template(language: str) -> Template:
    env = Environment(
        loader=PackageLoader("ncpeh.render", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env.get_template("document.html.j2")


def render_html(
    view: DocumentView,
    *,
    language: str,
    generated_by: str = "NCPeH",
    generated_at: datetime | None = None,
) -> str:
    """Render a document view as a standalone, accessible HTML page.

    Args:
        view: the document, from :func:`ncpeh.documents.extract_view`.
        language: the reader's language (``fr``, ``nb-NO``...). UI labels use
            the shipped catalogue for it, English when there is none; dates,
            countries and language names use Babel's locale data.
        generated_by: name of the NCPeH shown in the footer ("translated by ...").
        generated_at: time shown in the footer; now (UTC) by default.

    Example:
        >>> html = render_html(view, language="fr")  # doctest: +SKIP
    """
    ui = ui_language(language)
    gettext = translations(language).gettext
    page = build_page(
        view,
        language=language,
        gettext=gettext,
        generated_by=generated_by,
        generated_at=generated_at,
    )
    return _template(ui).render(
        page=page,
        css=_css(),
        page_counter=css_counter_content(gettext(PAGE_COUNTER)),
        not_known=gettext("Not known"),
        generated_by=generated_by,
    )
