"""Small lxml helpers shared by the wire parsers and builders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, cast

from lxml import etree

from ncpeh.gateway.wire._errors import MessageFormatError


def default_ns(ns: str) -> dict[str, str]:
    """An ``nsmap`` making ``ns`` the default namespace.

    lxml takes ``None`` as the key of the default namespace; lxml-stubs type the
    keys as ``str``, hence the cast.
    """
    return cast("dict[str, str]", {None: ns})


def elements(el: etree._Element) -> list[etree._Element]:
    """Element children only (no comments or processing instructions)."""
    return [c for c in el if isinstance(c.tag, str)]


def text_of(el: etree._Element | None) -> str | None:
    """Stripped text content, ``None`` when absent or empty."""
    if el is None:
        return None
    value = "".join(t for t in el.itertext() if isinstance(t, str)).strip()
    return value or None


def attr(el: etree._Element | None, name: str) -> str | None:
    """Stripped attribute value, ``None`` when absent or empty."""
    if el is None:
        return None
    value = el.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def one_or_none(el: etree._Element, path: str, what: str) -> etree._Element | None:
    found = el.findall(path)
    if len(found) > 1:
        raise MessageFormatError(f"more than one {what}")
    return found[0] if found else None


def required(el: etree._Element, path: str, what: str) -> etree._Element:
    found = one_or_none(el, path, what)
    if found is None:
        raise MessageFormatError(f"missing {what}")
    return found


def required_text(el: etree._Element, path: str, what: str) -> str:
    value = text_of(required(el, path, what))
    if value is None:
        raise MessageFormatError(f"{what} is empty")
    return value


def required_attr(el: etree._Element, name: str, what: str) -> str:
    value = attr(el, name)
    if value is None:
        raise MessageFormatError(f"missing {what}")
    return value


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attrib)
    if text is not None:
        child.text = text
    return child


_HL7_TS: Final = "%Y%m%d%H%M%S"


def hl7_timestamp(moment: datetime) -> str:
    """HL7 v3 TS with milliseconds and offset, like OpenNCP (``20241120091228.071+0000``)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    utc = moment.astimezone(UTC)
    return f"{utc.strftime(_HL7_TS)}.{utc.microsecond // 1000:03d}+0000"


def xds_timestamp(moment: datetime) -> str:
    """XDS ``DTM`` in UTC, to the second (``20170914133309``)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).strftime(_HL7_TS)
