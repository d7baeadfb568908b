from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

from lxml import etree

from ncpeh.errors import NcpehError

#: Default ceiling for one XML document. An L1 PDF wrapped in CDA is the largest
#: thing we expect (a few MiB of base64); 32 MiB leaves ample margin.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024

_XINCLUDE_NS = b"http://www.w3.org/2001/XInclude"
_BOMS_UTF16 = (b"\xff\xfe", b"\xfe\xff")


class XmlInputError(NcpehError):
    code = "xml.invalid"


class XmlTooLargeError(XmlInputError):
    code = "xml.too-large"


class XmlForbiddenError(XmlInputError):
    code = "xml.forbidden"


class XmlMalformedError(XmlInputError):
    code = "xml.malformed"


_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe; keep one per thread.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def _prolog_has_doctype(data: bytes) -> bool:
    """True when a ``<!DOCTYPE`` (or any ``<!`` declaration) precedes the root element."""
    if data.startswith(_BOMS_UTF16) or data[:2] in (b"<\x00", b"\x00<"):
        encoding = "utf-16-le" if data[:2] in (b"\xff\xfe", b"<\x00") else "utf-16-be"
        text = data.decode(encoding, errors="ignore").encode("utf-8")
        return _prolog_has_doctype(text.lstrip(b"\xef\xbb\xbf"))
    i = 0
    while True:
        i = data.find(b"<", i)
        if i < 0:
            return False
        if data.startswith(b"<?", i):
            j = data.find(b"?>", i)
            if j < 0:
                return False
            i = j + 2
        elif data.startswith(b"<!--", i):
            j = data.find(b"-->", i)
            if j < 0:
                return False
            i = j + 3
        else:
            # Either a declaration (DOCTYPE, ENTITY...) or the root element.
            return data.startswith(b"<!", i)


def parse_xml(
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source: str = "input",
) -> etree._ElementTree:
    """Parse untrusted XML bytes into a tree, or raise :class:`XmlInputError`.

    Args:
        data: the raw document. Text must be passed as bytes so the XML
            declaration's encoding is honoured.
        max_bytes: size ceiling; larger input is refused before parsing.
        source: a name for the input used in error messages (a file name).

    Example:
        >>> parse_xml(b"<a/>").getroot().tag
        'a'
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_xml takes bytes")
    data = bytes(data)
    if len(data) > max_bytes:
        raise XmlTooLargeError(
            f"{source}: document is {len(data)} bytes, over the {max_bytes}-byte limit"
        )
    if not data.strip():
        raise XmlMalformedError(f"{source}: empty input, not an XML document")
    if _prolog_has_doctype(data):
        raise XmlForbiddenError(
            f"{source}: DOCTYPE declarations are not accepted (DTDs and entities are refused)"
        )
    if _XINCLUDE_NS in data:
        raise XmlForbiddenError(f"{source}: XInclude is not accepted")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_parser()))
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        detail = str(exc.msg if hasattr(exc, "msg") else exc).splitlines()[0]
        where = f" (line {line})" if line else ""
        raise XmlMalformedError(f"{source}: not well-formed XML{where}: {detail}") from None
    except ValueError as exc:  # e.g. unicode strings with an encoding declaration
        raise XmlMalformedError(f"{source}: not an XML document: {exc}") from None
    docinfo = tree.docinfo
    has_dtd = docinfo.internalDTD is not None or docinfo.externalDTD is not None
    if getattr(docinfo, "doctype", "") or has_dtd:
        raise XmlForbiddenError(
            f"{source}: DOCTYPE declarations are not accepted (DTDs and entities are refused)"
        )
    return tree


def parse_xml_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree:
    """Read and parse a file with the size ceiling checked before reading it whole."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise XmlInputError(f"{path}: cannot read file: {exc.strerror}") from None
    if size > max_bytes:
        raise XmlTooLargeError(f"{path}: document is {size} bytes, over the {max_bytes}-byte limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise XmlInputError(f"{path}: cannot read file: {exc.strerror}") from None
    return parse_xml(data, max_bytes=max_bytes, source=str(path))


def serialize_xml(tree: etree._ElementTree | etree._Element) -> bytes:
    """Serialise with an XML declaration in UTF-8, preserving everything else."""
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def element_xpath(expression: str) -> Callable[[etree._Element], list[etree._Element]]:
    """Compile an XPath that selects elements once; calls return a typed list."""
    compiled = etree.XPath(expression)

    def run(node: etree._Element) -> list[etree._Element]:
        return cast(list[etree._Element], compiled(node))

    return run
