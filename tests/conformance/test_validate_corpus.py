"""`ncpeh validate --schema-dir` against the eHDSI XSD of the corpus."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ncpeh.cli import app

from ..conftest import CDA_DIR, SCHEMA_DIR, corpus_or_skip

runner = CliRunner()


def _validate(path: Path) -> tuple[int, dict[str, object]]:
    result = runner.invoke(app, ["validate", str(path), "--schema-dir", str(SCHEMA_DIR), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_schema_valid_document_has_no_xsd_finding() -> None:
    corpus_or_skip()
    _, data = _validate(CDA_DIR / "ps" / "RTD_W3_no_information.xml")
    assert not [f for f in data["findings"] if f["rule"] == "xsd"]  # type: ignore[index,union-attr]


def test_epsos_namespace_document_fails_the_pharm_schema(tmp_path: Path) -> None:
    corpus_or_skip()
    code, data = _validate(CDA_DIR / "ps" / "W1-ps.xml")
    assert code == 1
    xsd = [f for f in data["findings"] if f["rule"] == "xsd"]  # type: ignore[index,union-attr]
    assert xsd and all(f["location"].startswith("line ") for f in xsd)


def test_placeholder_codes_are_errors() -> None:
    corpus_or_skip()
    code, data = _validate(CDA_DIR / "ep" / "1-BAD-MAPPING.xml")
    assert code == 1
    messages = [f["message"] for f in data["findings"]]  # type: ignore[index,union-attr]
    assert any(m.startswith("XXXXXXXXXXX|57833-6") for m in messages)


def test_missing_schema_dir_is_a_bad_input(tmp_path: Path) -> None:
    corpus_or_skip()
    result = runner.invoke(
        app, ["validate", str(CDA_DIR / "ps" / "cda.xml"), "--schema-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no CDA_Pharma.xsd or CDA.xsd found" in result.stderr
