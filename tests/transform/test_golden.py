"""Golden (approval) tests on our own friendly fixtures: transcode, then translate.

A missing golden file is written and the test fails, asking for review; set
``NCPEH_UPDATE_GOLDEN=1`` to rewrite goldens after an intended change.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from ncpeh.samples import sample_path
from ncpeh.terminology import Catalogue
from ncpeh.transform import transcode, translate
from ncpeh.xmlsafe import parse_xml, serialize_xml

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
SAMPLES = [("PT-PS-friendly.xml", "PT"), ("FR-PS-friendly.xml", "FR")]


def approve(name: str, actual: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("NCPEH_UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        path.write_bytes(actual)
        if not existed:
            pytest.fail(f"golden {name} written; review and commit it")
        return
    expected = path.read_bytes()
    if expected != actual:
        diff = "\n".join(
            difflib.unified_diff(
                expected.decode().splitlines(),
                actual.decode().splitlines(),
                "golden",
                "actual",
                lineterm="",
                n=2,
            )
        )
        pytest.fail(f"{name} differs from golden:\n{diff[:4000]}")


@pytest.mark.parametrize(("name", "country"), SAMPLES)
def test_friendly_to_pivot_to_reader(name: str, country: str, demo_catalogue: Catalogue) -> None:
    source = sample_path(name)
    tree = parse_xml(source.read_bytes())
    a = transcode(tree, catalogue=demo_catalogue, country=country)
    assert not a.withheld, [u.to_json() for u in a.report.unmapped]
    assert a.report.unmapped == []
    assert a.report.transcoded > 0
    pivot = serialize_xml(a.tree)
    approve(name.replace(".xml", ".pivot.xml"), pivot)
    for lang in ("fr", "nb"):
        b = translate(parse_xml(pivot), catalogue=demo_catalogue, language=lang)
        r = b.report
        assert r.untranslated == [], [u.to_json() for u in r.untranslated]
        assert r.translated + r.no_information == r.coded_elements
        approve(name.replace(".xml", f".{lang}.xml"), serialize_xml(b.tree))
