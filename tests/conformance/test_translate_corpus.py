"""Every eHDSI CDA of the third-party corpus translates to fr and nb, losing nothing.

Reads ../shared/conformance in place; skips with a visible reason when it is absent.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from ncpeh.cli import app
from ncpeh.documents import CDA_NAMESPACES, load_schema
from ncpeh.xmlsafe import parse_xml

from ..conftest import SCHEMA_DIR, corpus_files, corpus_or_skip

FILES = corpus_files("ps", "ep", "ed")
LANGUAGES = ("fr", "nb")
runner = CliRunner()


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return load_schema(SCHEMA_DIR)


def pairs(tree: etree._ElementTree) -> Counter[tuple[str, str]]:
    """Every (codeSystem, code) anywhere, translation children included."""
    return Counter(
        (el.get("codeSystem", ""), el.get("code", ""))
        for el in tree.iter()
        if isinstance(el.tag, str) and el.get("codeSystem") is not None
    )


def coded(tree: etree._ElementTree) -> int:
    """Coded elements as the report counts them (never ``translation`` children)."""
    n = 0
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.get("codeSystem") is None:
            continue
        q = etree.QName(el)
        if q.namespace in CDA_NAMESPACES and q.localname != "translation":
            n += 1
    return n


def run(src: Path, lang: str, tmp_path: Path) -> tuple[bytes, dict[str, object]]:
    out, rep = tmp_path / f"{lang}.xml", tmp_path / f"{lang}.json"
    result = runner.invoke(
        app, ["translate", str(src), "--to", lang, "-o", str(out), "--report", str(rep)]
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes(), json.loads(rep.read_text())


def test_corpus_present_or_skipped() -> None:
    corpus_or_skip()
    assert len(FILES) >= 30


@pytest.mark.conformance
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("src", FILES, ids=[p.name for p in FILES])
def test_translation_keeps_everything(src: Path, lang: str, tmp_path: Path) -> None:
    before = parse_xml(src.read_bytes())
    out, report = run(src, lang, tmp_path)
    after = parse_xml(out)  # well-formed, and through the hardened parser again
    missing = pairs(before) - pairs(after)
    assert not missing, f"original codes lost: {sorted(missing)[:5]}"
    assert coded(after) == coded(before)
    assert report["coded_elements"] >= coded(before)  # plus nullFlavored listed elements
    if schema().validate(before):
        assert schema().validate(after), schema().error_log.last_error


@pytest.mark.conformance
def test_negative_case_codes_are_flagged(tmp_path: Path) -> None:
    corpus_or_skip()
    src = next(p for p in FILES if p.name == "1-BAD-MAPPING.xml")
    _, report = run(src, "fr", tmp_path)
    bad = [u for u in report["untranslated"] if u["system"] == "XXXXXXXXXXX"]  # type: ignore[index,union-attr]
    assert bad and bad[0]["element"] == "document-code"
    assert "placeholder" in bad[0]["reason"] or "not an OID" in bad[0]["reason"]


@pytest.mark.conformance
@pytest.mark.parametrize("lang", LANGUAGES)
def test_at_least_95_percent_of_corpus_coded_elements_translated(
    lang: str, demo_catalogue: object
) -> None:
    from ncpeh.terminology import Catalogue
    from ncpeh.transform import translate

    corpus_or_skip()
    assert isinstance(demo_catalogue, Catalogue)
    total = translated = 0
    for src in FILES:
        report = translate(
            parse_xml(src.read_bytes()), catalogue=demo_catalogue, language=lang
        ).report
        total += report.coded_elements
        translated += report.translated
        listed = len(report.untranslated) + len(report.unmapped) + report.no_information
        assert report.translated + listed == report.coded_elements  # nothing unaccounted
    ratio = translated / total
    print(f"{lang}: {translated}/{total} = {ratio:.2%}")  # noqa: T201
    assert ratio >= 0.95
