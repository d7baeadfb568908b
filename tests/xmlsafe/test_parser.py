from __future__ import annotations

import pytest

from ncpeh.xmlsafe import (
    XmlForbiddenError,
    XmlMalformedError,
    XmlTooLargeError,
    parse_xml,
    serialize_xml,
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"""

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "'
    + b"A" * 50_000
    + b'">]><q>'
    + b"&a;" * 5_000
    + b"</q>"
)

EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "http://example.org/evil.dtd"><r/>'

XINCLUDE = b'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/passwd"/></r>'


@pytest.mark.parametrize(
    "data",
    [XXE, BILLION_LAUGHS, QUADRATIC, EXTERNAL_DTD],
    ids=["xxe", "billion-laughs", "quadratic-blowup", "external-dtd"],
)
def test_doctype_in_any_form_is_refused(data: bytes) -> None:
    with pytest.raises(XmlForbiddenError, match="DOCTYPE"):
        parse_xml(data)


def test_doctype_after_comment_and_pi_is_refused() -> None:
    data = b'<?xml version="1.0"?><!-- hi --><?pi x?>\n<!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    with pytest.raises(XmlForbiddenError):
        parse_xml(data)


def test_utf16_doctype_is_refused() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r/>'
    with pytest.raises(XmlForbiddenError):
        parse_xml(data.encode("utf-16"))


def test_xinclude_is_refused() -> None:
    with pytest.raises(XmlForbiddenError, match="XInclude"):
        parse_xml(XINCLUDE)


def test_size_limit_checked_before_parsing() -> None:
    with pytest.raises(XmlTooLargeError, match="over the 100-byte limit"):
        parse_xml(b"<r>" + b"x" * 200 + b"</r>", max_bytes=100)


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"%PDF-1.7 not xml", b'{"resourceType": "Bundle"}', b"<a><b></a>", b"<a>"],
    ids=["empty", "blank", "pdf", "json", "mismatched", "unclosed"],
)
def test_not_xml_is_a_one_line_error(data: bytes) -> None:
    with pytest.raises(XmlMalformedError) as info:
        parse_xml(data, source="in.xml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("in.xml: ")


def test_text_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>")  # type: ignore[arg-type]


def test_bom_comment_and_no_declaration_are_fine() -> None:
    tree = parse_xml(b"\xef\xbb\xbf<!-- licence --><a x='1'>t\xc3\xa9</a>")
    assert tree.getroot().text == "té"
    assert serialize_xml(tree).startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_doctype_inside_text_is_not_a_false_positive() -> None:
    tree = parse_xml(b"<a>&lt;!DOCTYPE is just text here</a>")
    assert "DOCTYPE" in (tree.getroot().text or "")
