"""Conformance: every PS, eP and eD of the third-party corpus extracts and renders.

The corpus (``../shared/conformance``) is read in place, never copied. Each
document is rendered in French and Norwegian; every section the document has
must appear in the page, and no extractor may have failed on it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import escape

from ncpeh.documents._view import extract_view
from ncpeh.documents.models import SectionKind
from ncpeh.render import render_html
from ncpeh.render._i18n import translations
from ncpeh.render._present import section_label
from ncpeh.terminology import Catalogue
from ncpeh.terminology.models import CodeSystem, Concept, Designation
from ncpeh.transform import translate
from ncpeh.xmlsafe import parse_xml

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "ehdsi-cda"
FILES = (
    sorted(p for d in ("ps", "ep", "ed") for p in (CORPUS / d).glob("*.xml"))
    if (CORPUS.is_dir())
    else []
)

pytestmark = pytest.mark.conformance


def _corpus_or_skip() -> None:
    if not CORPUS.is_dir():
        pytest.skip("conformance corpus ../shared/conformance not found")


@pytest.mark.parametrize("path", FILES or [None], ids=lambda p: p.name if p else "absent")
@pytest.mark.parametrize("language", ["fr", "nb"])
def test_corpus_document_renders_with_every_section(path: Path | None, language: str) -> None:
    _corpus_or_skip()
    assert path is not None
    view = extract_view(parse_xml(path.read_bytes()), display_language=language)
    assert not [w for w in view.warnings if "could not be read" in w]
    html = render_html(view, language=language)
    gettext = translations(language).gettext
    for index, section in enumerate(view.sections):
        anchor = f"section-{index}-{section.kind.value}"
        assert f'<section id="{anchor}"' in html
        heading = gettext(section_label(section.kind)[0])
        if section.kind is SectionKind.OTHER and section.title:
            heading = section.title
        assert f'<h2 id="{anchor}-h">{escape(heading)}</h2>' in html
    if view.level == 3:
        assert view.sections, path.name
    assert "<script" not in html


def test_corpus_translated_with_outcomes_renders() -> None:
    _corpus_or_skip()
    snomed = "2.16.840.1.113883.6.96"
    catalogue = Catalogue.build(
        [
            CodeSystem(
                snomed,
                "http://snomed.info/sct",
                "SNOMED CT",
                concepts=(Concept(snomed, "43116000", "Eczema", (Designation("fr", "Eczéma"),)),),
            )
        ]
    )
    tree = parse_xml((CORPUS / "ps" / "PS_L3_W6.xml").read_bytes())
    result = translate(tree, catalogue=catalogue, language="fr")
    view = extract_view(tree, display_language="fr", outcomes=result.outcomes)
    html = render_html(view, language="fr")
    assert "Eczéma" in html and "Non traduit" in html and "Non codé" in html
