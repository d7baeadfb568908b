from __future__ import annotations

import re
import time
from datetime import UTC, date, datetime
from html import unescape

from ncpeh.documents.models import (
    CodedValue,
    CodeStatus,
    Coding,
    DocumentView,
    Entry,
    EntryField,
    PatientView,
    Section,
    SectionKind,
    SectionState,
)
from ncpeh.render import render_html
from ncpeh.render._html import css_counter_content
from tests.documents.cda import load

WHEN = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def _html(name: str = "ps_pivot.xml", language: str = "fr") -> str:
    return render_html(
        load(name, language), language=language, generated_by="NCPeH-FR", generated_at=WHEN
    )


def test_page_is_standalone_and_declares_its_language() -> None:
    html = _html()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<style>" in html and "@media print" in html


def test_banner_comes_first_with_patient_facts() -> None:
    html = _html()
    banner = html.index('<header class="banner"')
    assert banner < html.index("<main")
    head = html[banner : html.index("</header>")]
    assert "TESTE, Maria Joana" in head
    assert "08 mai 1982" in head and "(43 ans)" in head  # three-letter/word month, age
    assert "PT-123456" in head and "Registo Nacional de Utentes" in head
    assert "Portugal (PT)" in head
    assert "anglais (Royaume-Uni)" in head and "français" in head
    assert "07 mars 2024 10:15" in head
    assert "Hospital de Teste" in head
    assert "Allergies" in head  # allergies next to the banner


def test_sections_follow_the_ehdsi_order_with_allergies_first() -> None:
    html = _html()
    order = [html.index(f'<h2 id="{a}') for a in re.findall(r'<section id="([^"]+)"', html)]
    assert order == sorted(order)
    headings = [unescape(h) for h in re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', html)]
    assert headings == [
        "Allergies et intolérances",
        "Problèmes actifs",
        "Traitements",
        "Dispositifs médicaux",
        "Antécédents d'actes et d'interventions",
        "Plan de soins",
        "Signes vitaux",
        "History of present illness",
    ]


def test_states_are_shown_as_text_and_icon() -> None:
    html = _html()
    assert "Absence connue" in html and "∅" in html
    assert "Pas d'information" in unescape(html)
    assert "Non codé" in html and "⚠" in html  # the unmapped problem
    assert "Texte libre uniquement" in html


def test_original_term_and_code_are_beside_the_term() -> None:
    html = _html()
    assert '<span class="orig" lang="pt-PT">' not in html
    assert '<span class="sys">ICD-10</span> <code>J45</code>' in html
    assert '<span class="sys">2.16.620.1.101.10.4.2</span> <code>054.3</code>' in html


def test_narrative_is_in_details_marked_as_original_language() -> None:
    html = _html()
    assert '<details class="narrative">' in html
    assert '<div class="narrative-body" lang="en-GB">' in html
    assert "Texte original (anglais (Royaume-Uni)) · non traduit" in html


def test_hostile_text_is_escaped() -> None:
    html = _html()
    assert "<script>" not in html and "<img" not in html
    assert "kiwi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Eczema &lt;img src=x onerror=alert(2)&gt;" in html
    assert "alert(&#34;hostile&#34;)" not in html and 'alert("hostile")' not in html


def test_hostile_view_values_are_escaped_everywhere() -> None:
    evil = '"><script>alert(1)</script>'
    coded = CodedValue(
        Coding(evil, evil, evil, display=evil),
        CodeStatus.TRANSLATED,
        evil,
        display_language=evil,
        originals=(Coding(evil, evil, display=evil + "2"),),
    )
    view = DocumentView(
        document_type="PS",
        level=3,
        document_id=None,
        title=evil,
        code=None,
        effective_time=None,
        language=evil,
        display_language="fr",
        source_country=evil,
        patient=PatientView(
            given=(evil,), family=(evil,), birth_date=date(1990, 1, 1), gender=coded
        ),
        sections=(
            Section(
                SectionKind.OTHER,
                coded,
                evil,
                SectionState.ENTRIES,
                (Entry("other", coded, (EntryField(evil, coded), EntryField("x", evil, True))),),
            ),
        ),
        warnings=(evil,),
    )
    html = render_html(view, language="fr", generated_by=evil, generated_at=WHEN)
    assert "<script>" not in html
    assert evil not in html
    assert 'lang="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_unknown_language_falls_back_to_english_labels() -> None:
    html = render_html(load("ps_pivot.xml", "de"), language="de", generated_at=WHEN)
    assert '<html lang="de">' in html
    assert "Allergies and intolerances" in html
    assert "08. Mai 1982" in html or "08 Mai 1982" in html  # dates still in the reader's locale


def test_norwegian_and_portuguese_labels() -> None:
    assert "Allergier og intoleranser" in _html(language="nb")
    assert "Alergias e intolerâncias" in _html(language="pt-PT")


def test_footer_and_page_counter() -> None:
    html = _html()
    assert (
        "Traduit par NCPeH-FR le 07 mars 2026 12:00 ; source : Portugal (PT), document PS-TEST-1"
    ) in html
    assert 'content: "Page " counter(page) " sur " counter(pages);' in html


def test_css_counter_content_cannot_break_out_of_the_style_element() -> None:
    value = str(css_counter_content('</style><b>"x" %(page)s'))
    assert "</style>" not in value and '"x"' not in value
    assert "counter(page)" in value


def test_eprescription_and_edispensation_render() -> None:
    ep = unescape(_html("ep_epsos.xml"))
    assert "Prescriptions" in ep and "TRIVERAM" in ep
    assert "intervalle de 24\u00a0heures" in ep or "intervalle de 24 heures" in ep
    assert "langue d'origine" in ep  # free-text patient instructions
    ed = _html("ed_prefix_trick.xml")
    assert "Médicaments délivrés" in ed and "100 stk." in ed


def test_html_render_is_fast() -> None:
    view = load("ps_pivot.xml")
    render_html(view, language="fr", generated_at=WHEN)
    start = time.perf_counter()
    for _ in range(20):
        render_html(view, language="fr", generated_at=WHEN)
    assert (time.perf_counter() - start) / 20 < 0.05
