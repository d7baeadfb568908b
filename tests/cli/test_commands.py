from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from ncpeh.cli import app

from ..transform.helpers import NATIONAL, problem, ps

runner = CliRunner()


def test_translate_writes_document_and_report(tmp_path: Path) -> None:
    src = tmp_path / "ps.xml"
    src.write_bytes(ps(problem("J45", display="Asthma")))
    out, rep = tmp_path / "fr.xml", tmp_path / "fr.json"
    result = runner.invoke(
        app, ["translate", str(src), "--to", "fr", "-o", str(out), "--report", str(rep)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(rep.read_text())
    assert report["language"] == "fr"
    assert report["coded_elements"] == 4
    assert out.read_bytes().startswith(b"<?xml")


def test_transcode_withholds_unmapped_document(tmp_path: Path) -> None:
    src = tmp_path / "friendly.xml"
    src.write_bytes(ps(problem("ZZZ-1", NATIONAL, "Desconhecido")))
    out, rep = tmp_path / "pivot.xml", tmp_path / "r.json"
    result = runner.invoke(
        app, ["transcode", str(src), "--country", "PT", "-o", str(out), "--report", str(rep)]
    )
    assert result.exit_code == 3
    assert "ERROR_PS_MISSING_EXPECTED_MAPPING" in result.stderr
    assert not out.exists()
    report = json.loads(rep.read_text())
    assert report["unmapped"][0]["code"] == "ZZZ-1"


def test_transcode_flag_mode_writes_output(tmp_path: Path) -> None:
    src = tmp_path / "friendly.xml"
    src.write_bytes(ps(problem("ZZZ-1", NATIONAL, "Desconhecido")))
    out = tmp_path / "pivot.xml"
    result = runner.invoke(
        app,
        ["transcode", str(src), "--country", "PT", "-o", str(out), "--on-missing-mapping", "flag"],
    )
    assert result.exit_code == 0, result.output
    assert b'nullFlavor="OTH"' in out.read_bytes()


def test_validate_reports_missing_basic_sections(tmp_path: Path) -> None:
    src = tmp_path / "ps.xml"
    src.write_bytes(ps(problem("J45")))
    result = runner.invoke(app, ["validate", str(src), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert not data["valid"]
    assert any("Allergies" in f["message"] for f in data["findings"])


def test_render_needs_exactly_one_output(tmp_path: Path) -> None:
    src = tmp_path / "ps.xml"
    src.write_bytes(ps())
    result = runner.invoke(app, ["render", str(src), "--lang", "fr"])
    assert result.exit_code == 2
    assert "exactly one of --html" in result.stderr


def test_outputs_get_normal_permissions(tmp_path: Path) -> None:
    import os
    import stat

    src = tmp_path / "ps.xml"
    src.write_bytes(ps())
    out = tmp_path / "fr.xml"
    old = os.umask(0o022)
    try:
        result = runner.invoke(app, ["translate", str(src), "--to", "fr", "-o", str(out)])
    finally:
        os.umask(old)
    assert result.exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
