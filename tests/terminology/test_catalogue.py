from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ncpeh.cli import app
from ncpeh.terminology import (
    Catalogue,
    CatalogueFormatError,
    CatalogueStore,
    CodeSystem,
    Concept,
    Designation,
    load_catalogue,
)

GENDER_URL = "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender"


def code_system(url: str = GENDER_URL, oid: str | None = "2.16.840.1.113883.5.1") -> dict:
    res: dict = {
        "resourceType": "CodeSystem",
        "url": url,
        "name": "Gender",
        "status": "active",
        "content": "fragment",
        "concept": [
            {
                "code": "F",
                "display": "Female",
                "designation": [
                    {"language": "fr-FR", "value": "Féminin"},
                    {"language": "nb", "value": "Kvinne"},
                ],
                "concept": [{"code": "F1", "display": "Child concept"}],
            }
        ],
    }
    if oid:
        res["identifier"] = [{"system": "urn:ietf:rfc:3986", "value": f"urn:oid:{oid}"}]
    return res


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_language_fallbacks() -> None:
    cs = CodeSystem(
        "1.2",
        "urn:oid:1.2",
        "x",
        concepts=(
            Concept(
                "1.2", "a", "Alpha", (Designation("nb-NO", "Alfa"), Designation("fr", "Alpha-fr"))
            ),
        ),
    )
    cat = Catalogue.build([cs])
    assert cat.term("1.2", "a", "nb-NO") == "Alfa"
    assert cat.term("1.2", "a", "nb") == "Alfa"
    assert cat.term("1.2", "a", "no") == "Alfa"  # macro-language "no" reads Bokmål
    assert cat.term("1.2", "a", "fr-BE") == "Alpha-fr"
    assert cat.term("1.2", "a", "en-GB") == "Alpha"
    assert cat.term("1.2", "a", "pt") is None
    assert cat.term("urn:oid:1.2", "a", "fr") == "Alpha-fr"


def test_fhir_import_resolves_urls_to_oids(tmp_path: Path) -> None:
    write(tmp_path / "cs.json", code_system())
    write(
        tmp_path / "vs.json",
        {
            "resourceType": "ValueSet",
            "url": "http://terminology.ehdsi.eu/ValueSet/eHDSIAdministrativeGender",
            "identifier": [{"value": "urn:oid:1.3.6.1.4.1.12559.11.10.1.3.1.42.34"}],
            "compose": {"include": [{"system": GENDER_URL, "concept": [{"code": "F"}]}]},
        },
    )
    write(
        tmp_path / "cm.json",
        {
            "resourceType": "ConceptMap",
            "url": "urn:x",
            "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "PT"}]}],
            "group": [
                {
                    "source": "urn:oid:2.16.620.1",
                    "target": GENDER_URL,
                    "element": [
                        {"code": "2", "target": [{"code": "F", "equivalence": "equivalent"}]},
                        {"code": "9", "target": [{"equivalence": "unmatched"}]},
                    ],
                }
            ],
        },
    )
    cat = load_catalogue([tmp_path], include_demo=False)
    assert cat.term("2.16.840.1.113883.5.1", "F", "fr") == "Féminin"
    assert cat.concept("2.16.840.1.113883.5.1", "F1") is not None
    assert cat.in_value_set("1.3.6.1.4.1.12559.11.10.1.3.1.42.34", "2.16.840.1.113883.5.1", "F")
    m = cat.mapping("pt", "2.16.620.1", "2")
    assert m is not None and m.target_system == "2.16.840.1.113883.5.1"
    assert cat.mapping("PT", "2.16.620.1", "9") is None


def test_bundle_is_unwrapped(tmp_path: Path) -> None:
    write(tmp_path / "b.json", {"resourceType": "Bundle", "entry": [{"resource": code_system()}]})
    assert load_catalogue([tmp_path / "b.json"], include_demo=False).concept_count == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("not json", "not valid JSON"),
        ({"resourceType": "Patient"}, "is not a CodeSystem, ValueSet or ConceptMap"),
        ({"resourceType": "CodeSystem"}, "missing or empty 'url'"),
        ({"resourceType": "ConceptMap", "url": "u", "group": []}, "needs a jurisdiction"),
    ],
)
def test_bad_resources_are_named(tmp_path: Path, data: object, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(CatalogueFormatError, match=message):
        load_catalogue([path], include_demo=False)


def test_store_import_is_all_or_nothing(tmp_path: Path) -> None:
    store = CatalogueStore(tmp_path / "store")
    good = write(tmp_path / "good.json", code_system())
    bad = write(tmp_path / "bad.json", {"resourceType": "CodeSystem"})
    with pytest.raises(CatalogueFormatError):
        store.import_files([good, bad])
    assert not (tmp_path / "store").exists()
    written = store.import_files([good])
    assert [p.parent for p in written] == [tmp_path / "store"]


def test_cli_import_and_lookup(tmp_path: Path) -> None:
    runner = CliRunner()
    src = write(tmp_path / "cs.json", code_system())
    store = tmp_path / "cat"
    result = runner.invoke(app, ["terminology", "import", str(src), "--into", str(store)])
    assert result.exit_code == 0, result.output
    assert "2 concepts" in result.stdout
    result = runner.invoke(
        app,
        [
            "terminology",
            "lookup",
            GENDER_URL,
            "F",
            "--lang",
            "fr",
            "--json",
            "--catalogue",
            str(store),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["designations"]["fr"] == "Féminin"
    result = runner.invoke(app, ["terminology", "import", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert "no such file" in result.stderr
