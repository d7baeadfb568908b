"""Every bad input gives exit 2, one line naming the problem, and no output file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ncpeh.cli import app

from ..transform.helpers import ps

runner = CliRunner()

BAD_INPUTS = {
    "xxe": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    "billion-laughs": b'<!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>',
    "quadratic": b'<!DOCTYPE q [<!ENTITY a "' + b"A" * 10_000 + b'">]><q>' + b"&a;" * 500 + b"</q>",
    "not-xml": b"%PDF-1.4 this is not XML",
    "truncated": ps()[:200],
    "wrong-root": b'<Bundle xmlns="http://hl7.org/fhir"/>',
    "unknown-type": ps()
    .replace(b"1.3.6.1.4.1.12559.11.10.1.3.1.1.3", b"1.2.3")
    .replace(b"60591-5", b"11111-1"),
}
EXPECTED = {
    "xxe": "DOCTYPE declarations are not accepted",
    "billion-laughs": "DOCTYPE declarations are not accepted",
    "quadratic": "DOCTYPE declarations are not accepted",
    "not-xml": "not well-formed XML",
    "truncated": "not well-formed XML",
    "wrong-root": "expected {urn:hl7-org:v3}ClinicalDocument",
    "unknown-type": "not an eHDSI document type",
}
COMMANDS = {
    "translate": ["translate", "{in}", "--to", "fr", "-o", "{out}", "--report", "{rep}"],
    "transcode": ["transcode", "{in}", "--country", "PT", "-o", "{out}", "--report", "{rep}"],
    "validate": ["validate", "{in}"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input(tmp_path: Path, case: str, command: str) -> None:
    src = tmp_path / f"{case}.xml"
    src.write_bytes(BAD_INPUTS[case])
    out, rep = tmp_path / "out.xml", tmp_path / "report.json"
    args = [a.format(**{"in": src, "out": out, "rep": rep}) for a in COMMANDS[command]]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert EXPECTED[case] in lines[0]
    assert "Traceback" not in result.output
    assert not out.exists() and not rep.exists()
    assert [p.name for p in tmp_path.iterdir()] == [src.name]  # no partial file left


def test_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NCPEH_MAX_DOCUMENT_BYTES", "1000")
    src = tmp_path / "big.xml"
    src.write_bytes(ps(body="<!--" + "x" * 5000 + "-->"))
    result = runner.invoke(app, ["translate", str(src), "--to", "fr", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "over the 1000-byte limit" in result.stderr
    assert not (tmp_path / "o").exists()


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["translate", str(tmp_path / "nope.xml"), "--to", "fr", "-o", str(tmp_path / "o.xml")]
    )
    assert result.exit_code == 2
    assert "cannot read file" in result.stderr


def test_unwritable_output_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "ps.xml"
    src.write_bytes(ps())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = runner.invoke(
        app, ["translate", str(src), "--to", "fr", "-o", str(blocker / "sub" / "o.xml")]
    )
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
