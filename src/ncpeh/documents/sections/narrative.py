"""CDA narrative block (``section/text``) to a safe, minimal HTML fragment.

The narrative is written by another country and shown as is, in its original
language (documents.md §1.7: narrative is never translated). It is untrusted
input, so the converter is an allow-list, not a sanitizer: it *builds* new HTML
from the known CDA narrative elements (``paragraph``, ``content``, ``table``,
``list``, ``br``, ``caption``, ``footnote``...) and escapes every piece of text.
Unknown elements keep their text but lose their tag; comments, processing
instructions, ``renderMultiMedia`` and links' targets are dropped; the only
attributes written are ``colspan``/``rowspan`` (digits), ``scope`` (a fixed
set), ``lang`` (a BCP-47-shaped tag) and ``class`` (from a fixed styleCode map).

Example:
    >>> from lxml import etree
    >>> el = etree.fromstring('<text xmlns="urn:hl7-org:v3"><paragraph>a&lt;b'
    ...     '<content styleCode="Bold">!</content></paragraph></text>')
    >>> narrative_html(el)
    '<p>a&lt;b<span class="cda-bold">!</span></p>'
"""

from __future__ import annotations

import re
from html import escape

from lxml import etree

from ncpeh.documents._cda import V3
from ncpeh.documents.sections._common import local_name, text_content

__all__ = ["collect_ids", "narrative_html"]

_SIMPLE = {
    "paragraph": "p",
    "content": "span",
    "table": "table",
    "thead": "thead",
    "tbody": "tbody",
    "tfoot": "tfoot",
    "tr": "tr",
    "th": "th",
    "td": "td",
    "item": "li",
    "sub": "sub",
    "sup": "sup",
    "footnoteRef": "sup",
    "linkHtml": "span",
    "footnote": "small",
}
#: Containers whose whitespace-only text nodes are not content (HTML forbids text there).
_NO_TEXT = frozenset({"table", "thead", "tbody", "tfoot", "tr", "list", "colgroup"})
_DROP = frozenset({"renderMultiMedia", "col", "colgroup"})
_STYLE = {
    "bold": "cda-bold",
    "italics": "cda-italic",
    "underline": "cda-underline",
    "emphasis": "cda-emphasis",
    "lrule": "cda-lrule",
    "rrule": "cda-rrule",
    "toprule": "cda-toprule",
    "botrule": "cda-botrule",
}
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})
_LANG = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
_SPAN = re.compile(r"^[1-9]\d{0,2}$")
_MAX_DEPTH = 48


def _attrs(local: str, el: etree._Element, in_head: bool) -> str:
    out: list[str] = []
    styles = sorted(
        {_STYLE[s.lower()] for s in (el.get("styleCode") or "").split() if s.lower() in _STYLE}
    )
    if styles:
        out.append(f' class="{" ".join(styles)}"')
    lang = el.get("language")
    if lang and _LANG.match(lang):
        out.append(f' lang="{lang}"')
    if local in ("th", "td"):
        for name in ("colspan", "rowspan"):
            value = el.get(name)
            if value and _SPAN.match(value):
                out.append(f' {name}="{value}"')
    if local == "th":
        scope = el.get("scope")
        if scope in _SCOPES:
            out.append(f' scope="{scope}"')
        else:
            out.append(' scope="col"' if in_head else ' scope="row"')
    return "".join(out)


def _emit(el: etree._Element, out: list[str], depth: int, in_head: bool, in_table: bool) -> None:
    local = local_name(el)
    if local is None or local in _DROP:
        # Foreign elements, comments and PIs contribute nothing (not even text):
        # a narrative is CDA-namespaced by schema, anything else is not content.
        return
    if depth > _MAX_DEPTH:
        text = text_content(el)
        if text:
            out.append(escape(text))
        return
    if local == "br":
        out.append("<br>")
        return
    if local == "list":
        tag = "ol" if el.get("listType") == "ordered" else "ul"
    elif local == "caption":
        tag = "caption" if in_table else "span"
    else:
        tag = _SIMPLE.get(local, "")
    attrs = _attrs(local, el, in_head) if tag else ""
    if local == "caption" and not in_table:
        attrs = ' class="cda-caption"'
    if tag:
        out.append(f"<{tag}{attrs}>")
    if el.text and (local not in _NO_TEXT or el.text.strip()):
        out.append(escape(el.text))
    head = in_head or local == "thead"
    table = local in ("table", "thead", "tbody", "tfoot", "tr")
    for c in el:
        _emit(c, out, depth + 1, head, table)
        if c.tail and (local not in _NO_TEXT or c.tail.strip()):
            out.append(escape(c.tail))
    if tag:
        out.append(f"</{tag}>")


def narrative_html(text_el: etree._Element | None) -> str | None:
    """Convert a section's ``text`` element; None when it has no visible content."""
    if text_el is None:
        return None
    out: list[str] = []
    if text_el.text and text_el.text.strip():
        out.append(escape(text_el.text))
    for c in text_el:
        _emit(c, out, 1, False, False)
        if c.tail and c.tail.strip():
            out.append(escape(c.tail))
    html = "".join(out).strip()
    if not html or not text_content(text_el):
        return None
    return html


_Q_SECTION_TEXT = f".//{{{V3}}}section/{{{V3}}}text"


def collect_ids(root: etree._Element) -> dict[str, str]:
    """Map every narrative ``ID`` of the document to its text (whitespace collapsed).

    References from ``originalText`` and entry ``text`` use these IDs; they are
    document-wide, so one pass over all section narratives serves every lookup.
    """
    ids: dict[str, str] = {}
    for text_el in root.iterfind(_Q_SECTION_TEXT):
        for el in text_el.iter():
            ident = el.get("ID") if isinstance(el.tag, str) else None
            if ident and ident not in ids:
                ids[ident] = text_content(el) or ""
    return ids
