from __future__ import annotations

from lxml import etree

from ncpeh.documents.sections.narrative import collect_ids, narrative_html

V3 = "urn:hl7-org:v3"


def _text(inner: str) -> etree._Element:
    return etree.fromstring(
        f'<text xmlns="{V3}" xmlns:x="http://www.w3.org/1999/xhtml">{inner}</text>'
    )


def test_known_elements_become_minimal_html() -> None:
    html = narrative_html(
        _text(
            '<paragraph>A<br/>B</paragraph><list listType="ordered"><item>one</item></list>'
            '<list><item>two</item></list><content styleCode="Bold Italics">c</content>'
        )
    )
    assert html == (
        "<p>A<br>B</p><ol><li>one</li></ol><ul><li>two</li></ul>"
        '<span class="cda-bold cda-italic">c</span>'
    )


def test_tables_get_header_scopes_and_keep_only_safe_spans() -> None:
    html = narrative_html(
        _text(
            '<table border="1" width="100%"><caption>Cap</caption>'
            '<colgroup><col width="5"/></colgroup>'
            '<thead><tr><th colspan="2" style="x">H</th></tr></thead>'
            '<tbody><tr ID="r1"><th>R</th>'
            '<td rowspan="2" valign="top" colspan="9999">v</td></tr></tbody>'
            "</table>"
        )
    )
    assert html == (
        '<table><caption>Cap</caption><thead><tr><th colspan="2" scope="col">H</th></tr></thead>'
        '<tbody><tr><th scope="row">R</th><td rowspan="2">v</td></tr></tbody></table>'
    )


def test_hostile_markup_is_escaped_or_dropped() -> None:
    html = narrative_html(
        _text(
            '<paragraph onclick="alert(1)">&lt;script&gt;alert(1)&lt;/script&gt;</paragraph>'
            '<x:script>alert(2)</x:script><x:img src="x" onerror="alert(3)"/>'
            '<content language="fr&quot; onmouseover=&quot;x">t</content>'
            '<linkHtml href="javascript:alert(4)">link</linkHtml><!-- comment --><?pi x?>'
            '<renderMultiMedia referencedObject="m1"/>'
        )
    )
    assert html is not None
    assert "<script" not in html and "onclick" not in html and "onerror" not in html
    assert "alert(2)" not in html and "javascript:" not in html and "onmouseover" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<span>link</span>" in html and "comment" not in html


def test_unknown_cda_elements_keep_their_text() -> None:
    assert narrative_html(_text("<unknownThing>kept <sub>2</sub></unknownThing>")) == (
        "kept <sub>2</sub>"
    )


def test_empty_narrative_is_none() -> None:
    assert narrative_html(_text("  <paragraph/>  ")) is None
    assert narrative_html(None) is None


def test_deep_nesting_is_flattened_to_text() -> None:
    inner = "<content>" * 80 + "deep" + "</content>" * 80
    html = narrative_html(_text(f"<paragraph>{inner}</paragraph>"))
    assert html is not None and "deep" in html
    assert html.count("<span>") < 60


def test_collect_ids_maps_narrative_ids_to_text() -> None:
    doc = etree.fromstring(
        f'<ClinicalDocument xmlns="{V3}"><component><structuredBody><component><section>'
        '<text><table><tbody><tr ID="row"><td ID="a">Kiwi</td><td> fruit </td></tr></tbody></table>'
        "</text></section></component></structuredBody></component></ClinicalDocument>"
    )
    assert collect_ids(doc) == {"row": "Kiwi fruit", "a": "Kiwi"}
