from __future__ import annotations

import sys
from datetime import UTC, datetime
from io import BytesIO

import pytest

from ncpeh.errors import NcpehError
from ncpeh.render import RenderError, render_pdf
from tests.documents.cda import load

pytest.importorskip("weasyprint")
pypdf = pytest.importorskip("pypdf")


def test_pdf_has_the_patient_and_french_labels_on_every_page() -> None:
    view = load("ps_pivot.xml")
    pdf = render_pdf(
        view, language="fr", generated_by="NCPeH-FR", generated_at=datetime(2026, 3, 7, tzinfo=UTC)
    )
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "TESTE, Maria Joana" in text
    assert "Synthèse médicale du patient" in text and "Allergies et intolérances" in text
    assert len(reader.pages) >= 2
    assert "Page 1 sur" in text
    assert "Traduit par NCPeH-FR" in text
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "fr"  # tagged, language declared
    for page in reader.pages:  # the running header repeats the patient on each page
        assert "TESTE, Maria Joana" in page.extract_text()


def test_missing_weasyprint_gives_a_helpful_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(RenderError, match=r"ncpeh\[pdf\]") as info:
        render_pdf(load("ep_epsos.xml"), language="fr")
    assert isinstance(info.value, NcpehError)
    assert "\n" not in str(info.value)
