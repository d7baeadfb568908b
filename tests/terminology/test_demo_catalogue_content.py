"""Content of the demo terminology catalogue (``src/ncpeh/terminology/data/demo``).

Reads the generated FHIR JSON directly, never through the engine's Python API, so that
the catalogue is checked on its own terms:

- the JSON is what ``tools/demo_catalogue/build.py`` generates from its TSV tables;
- every concept has English, French, Norwegian Bokmål and Portuguese designations;
- value sets and concept maps point at concepts that exist;
- the friendly fixtures ``src/ncpeh/samples/{FR,PT}-PS-friendly.xml`` are fully covered:
  every national code is mapped to an MVC concept and every other code is a concept with
  fr and nb designations;
- (conformance, with the third-party corpus beside the repository) every real
  (codeSystem, code) of ``codes.csv`` is a concept and every other one is listed in
  ``placeholders.json``; every national code of the Portuguese friendly samples is mapped;
  the friendly fixtures validate against ``CDA_Pharma.xsd``.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "src" / "ncpeh" / "terminology" / "data" / "demo"
BUILD = REPO / "tools" / "demo_catalogue" / "build.py"
FRIENDLY = REPO / "src" / "ncpeh" / "samples"
CORPUS = REPO / ".." / "shared" / "conformance"

LANGUAGES = ("en", "fr", "nb", "pt")
OID_URI = "urn:ietf:rfc:3986"
ISO_3166 = "urn:iso:std:iso:3166"
CDA_NS = frozenset({"urn:hl7-org:v3", "urn:hl7-org:pharm", "urn:epsos-org:ep:medication"})
FIXTURES = {"FR": FRIENDLY / "FR-PS-friendly.xml", "PT": FRIENDLY / "PT-PS-friendly.xml"}

Json = dict[str, Any]
Pair = tuple[str, str]


def corpus_or_skip() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("conformance corpus ../shared/conformance not found")
    return CORPUS.resolve()


@lru_cache(maxsize=1)
def resources() -> dict[str, Json]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DEMO.glob("*.json"))}


def of_type(kind: str) -> list[Json]:
    return [r for r in resources().values() if r.get("resourceType") == kind]


def oid_of(res: Json) -> str:
    [ident] = [i["value"] for i in res["identifier"] if i["system"] == OID_URI]
    assert ident.startswith("urn:oid:")
    return str(ident[len("urn:oid:") :])


def countries(res: Json) -> set[str]:
    return {
        c["code"]
        for j in res.get("jurisdiction", [])
        for c in j["coding"]
        if c["system"] == ISO_3166
    }


@lru_cache(maxsize=1)
def concepts() -> dict[Pair, Json]:
    """(OID, code) -> concept, over every CodeSystem."""
    out: dict[Pair, Json] = {}
    for cs in of_type("CodeSystem"):
        for concept in cs["concept"]:
            key = (oid_of(cs), concept["code"])
            assert key not in out, f"{key} defined twice"
            out[key] = concept
    return out


@lru_cache(maxsize=1)
def url_to_oid() -> dict[str, str]:
    return {cs["url"]: oid_of(cs) for cs in of_type("CodeSystem")}


@lru_cache(maxsize=1)
def national_systems() -> dict[str, set[str]]:
    """OID -> countries, for the national code systems (those with a jurisdiction)."""
    return {oid_of(cs): countries(cs) for cs in of_type("CodeSystem") if countries(cs)}


@lru_cache(maxsize=1)
def mappings() -> dict[tuple[str, str, str], Pair]:
    """(country, source OID, code) -> (target OID, code)."""
    out: dict[tuple[str, str, str], Pair] = {}
    for cm in of_type("ConceptMap"):
        for group in cm["group"]:
            source, target = url_to_oid()[group["source"]], url_to_oid()[group["target"]]
            for element in group["element"]:
                for tgt in element["target"]:
                    for country in countries(cm):
                        out[(country, source, element["code"])] = (target, tgt["code"])
    return out


@lru_cache(maxsize=1)
def placeholders() -> list[Json]:
    return list(resources()["placeholders.json"]["placeholders"])


def is_placeholder(pair: Pair) -> bool:
    return any(p["codeSystem"] == pair[0] and p["code"] in (None, pair[1]) for p in placeholders())


def designations(concept: Json) -> dict[str, str]:
    return {d["language"]: d["value"] for d in concept.get("designation", [])}


def coded_elements(path: Path) -> Iterator[etree._Element]:
    """Coded elements as eHDSI counts them: @code and @codeSystem, never ``translation``."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.get("codeSystem") is None:
            continue
        q = etree.QName(el)
        if q.namespace in CDA_NS and q.localname != "translation":
            yield el


# -- the generated JSON -----------------------------------------------------------------------


def test_json_is_what_the_generator_writes() -> None:
    result = subprocess.run(
        [sys.executable, str(BUILD), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr or result.stdout


def test_every_file_is_json_with_a_known_shape() -> None:
    assert resources(), f"no JSON in {DEMO}"
    kinds = {r.get("resourceType", "placeholders") for r in resources().values()}
    assert kinds == {"CodeSystem", "ValueSet", "ConceptMap", "placeholders"}
    for name, res in resources().items():
        text = (DEMO / name).read_text(encoding="utf-8")
        assert text.endswith("}\n"), name
        assert "extension" not in text, f"{name}: the demo catalogue is extension-free"
        if "resourceType" in res:
            assert name.startswith(f"{res['resourceType']}-"), name
            assert res["status"] == "active" and res["experimental"] is True, name
            assert res["publisher"] == "ncpeh project (synthetic demo catalogue)", name
    total = sum(p.stat().st_size for p in DEMO.glob("*.json"))
    assert total < 2 * 1024 * 1024, f"demo catalogue is {total} bytes"


def test_code_systems_declare_their_oid_and_say_they_are_not_the_mtc() -> None:
    urls: set[str] = set()
    for cs in of_type("CodeSystem"):
        oid = oid_of(cs)
        assert cs["url"] not in urls
        urls.add(cs["url"])
        assert cs["url"].startswith(("http", "urn:oid:")), cs["url"]
        if cs["url"].startswith("urn:oid:"):
            assert cs["url"] == f"urn:oid:{oid}"
        assert cs["content"] == "fragment"
        assert "written by the ncpeh project" in cs["description"]
        assert "real MTC" in cs["description"]
        assert cs["concept"], f"{cs['url']} has no concept"


def test_well_known_systems_use_their_fhir_uri() -> None:
    by_oid = {oid_of(cs): cs["url"] for cs in of_type("CodeSystem")}
    assert by_oid["2.16.840.1.113883.6.96"] == "http://snomed.info/sct"
    assert by_oid["2.16.840.1.113883.6.1"] == "http://loinc.org"
    assert by_oid["2.16.840.1.113883.6.73"] == "http://www.whocc.no/atc"
    assert by_oid["1.3.6.1.4.1.12559.11.10.1.3.1.44.2"] == "http://hl7.org/fhir/sid/icd-10"
    assert by_oid["0.4.0.127.0.16.1.1.2.1"] == "http://standardterms.edqm.eu"
    assert by_oid["2.16.840.1.113883.6.8"] == "http://unitsofmeasure.org"
    assert (
        by_oid["2.16.840.1.113883.5.1"]
        == "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender"
    )


def test_every_concept_has_en_fr_nb_and_pt_designations() -> None:
    assert len(concepts()) > 400
    for (oid, code), concept in concepts().items():
        terms = designations(concept)
        missing = [lang for lang in LANGUAGES if not terms.get(lang, "").strip()]
        assert not missing, f"{oid}|{code}: no designation in {missing}"
        assert concept["display"] == terms["en"], f"{oid}|{code}: display is not the en term"
        assert all(v == v.strip() for v in terms.values()), f"{oid}|{code}: stray spaces"


def test_value_sets_are_mvc_value_sets_of_existing_concepts() -> None:
    value_sets = of_type("ValueSet")
    assert len(value_sets) >= 30
    for vs in value_sets:
        oid = oid_of(vs)
        assert oid.startswith("1.3.6.1.4.1.12559.11.10.1.3.1.42."), oid
        assert vs["url"] == f"http://terminology.ehdsi.eu/ValueSet/{vs['name']}"
        for include in vs["compose"]["include"]:
            system = url_to_oid()[include["system"]]
            assert system not in national_systems(), f"{vs['name']} lists national codes"
            for c in include["concept"]:
                assert (system, c["code"]) in concepts(), f"{vs['name']}: {c['code']}"


def test_concept_maps_map_national_codes_to_mvc_concepts() -> None:
    maps = of_type("ConceptMap")
    assert {c for cm in maps for c in countries(cm)} == {"FR", "PT"}
    for cm in maps:
        [country] = countries(cm)
        for group in cm["group"]:
            source, target = url_to_oid()[group["source"]], url_to_oid()[group["target"]]
            assert country in national_systems().get(source, set()), group["source"]
            assert target not in national_systems(), group["target"]
            for element in group["element"]:
                assert (source, element["code"]) in concepts()
                [tgt] = element["target"]
                assert tgt["equivalence"] in {"equivalent", "wider", "narrower"}
                assert (target, tgt["code"]) in concepts(), f"{target}|{tgt['code']}"
                assert tgt["display"] == concepts()[(target, tgt["code"])]["display"]


def test_placeholders_are_not_concepts() -> None:
    reasons = {p["reason"] for p in placeholders()}
    assert "swapped codeSystem/codeSystemName" in reasons
    for p in placeholders():
        assert p["reason"] and p["codeSystem"]
        if p["code"] is None:
            assert p["codeSystem"] not in url_to_oid().values(), p
        else:
            assert (p["codeSystem"], p["code"]) not in concepts(), p
        if "alias_of" in p:
            assert p["alias_of"] in url_to_oid().values()
            assert p["reason"] == f"misspelt OID of {p['alias_of']}"


# -- the friendly fixtures --------------------------------------------------------------------


@pytest.mark.parametrize("country", sorted(FIXTURES))
def test_friendly_fixture_is_fully_transcodable_and_translatable(country: str) -> None:
    elements = list(coded_elements(FIXTURES[country]))
    assert len(elements) > 100
    national = 0
    for el in elements:
        pair = (el.get("codeSystem", ""), el.get("code", ""))
        where = f"{country} line {el.sourceline}: {pair}"
        assert not is_placeholder(pair), where
        if country in national_systems().get(pair[0], set()):
            national += 1
            target = mappings().get((country, *pair))
            assert target is not None, f"{where}: national code without a {country} mapping"
            pair = target
        else:
            assert pair[0] not in national_systems(), f"{where}: another country's code"
        assert pair in concepts(), f"{where}: not in the catalogue"
        terms = designations(concepts()[pair])
        assert terms.get("fr") and terms.get("nb"), where
    assert national >= 10, f"{country} fixture has only {national} national codes"


@pytest.mark.parametrize("country", sorted(FIXTURES))
def test_friendly_fixture_header(country: str) -> None:
    root = etree.parse(str(FIXTURES[country])).getroot()
    ns = {"h": "urn:hl7-org:v3"}
    templates = root.xpath("h:templateId/@root", namespaces=ns)
    assert isinstance(templates, list) and "1.3.6.1.4.1.12559.11.10.1.3.1.1.3" in templates
    assert root.xpath("h:code/@code", namespaces=ns) == ["60591-5"]
    assert root.xpath("h:languageCode/@code", namespaces=ns) == [f"{country.lower()}-{country}"]
    if country == "FR":
        found = root.xpath(
            "h:recordTarget/h:patientRole/h:id[@root='1.2.250.1.213.1.4.8']/@extension",
            namespaces=ns,
        )
        assert isinstance(found, list) and len(found) == 1
        nir = str(found[0])
        digits = nir.replace("2A", "19").replace("2B", "18")
        assert len(nir) == 15 and int(nir[13:]) == 97 - int(digits[:13]) % 97


# -- conformance: the third-party corpus ------------------------------------------------------


@pytest.mark.conformance
def test_codes_csv_is_covered() -> None:
    corpus = corpus_or_skip()
    with (corpus / "codes.csv").open(encoding="utf-8", newline="") as fh:
        pairs = {(row["codeSystem"], row["code"]) for row in csv.DictReader(fh)}
    assert len(pairs) >= 400
    real = {p for p in pairs if not is_placeholder(p)}
    uncovered = sorted(p for p in real if p not in concepts())
    assert not uncovered, f"{len(uncovered)} real pairs without a concept: {uncovered[:10]}"
    for pair in real:
        terms = designations(concepts()[pair])
        assert all(terms.get(lang) for lang in LANGUAGES), pair
    listed = sorted(p for p in pairs - real if p in concepts())
    assert not listed, f"placeholder pairs that are also concepts: {listed}"
    print(f"codes.csv: {len(real)} real pairs covered, {len(pairs) - len(real)} placeholders")  # noqa: T201


@pytest.mark.conformance
def test_portuguese_friendly_samples_are_fully_mapped() -> None:
    corpus = corpus_or_skip()
    samples = sorted((corpus / "ehdsi-cda" / "ps").glob("PT_CDA_W3_*.xml"))
    assert samples
    seen = 0
    for sample in samples:
        for el in coded_elements(sample):
            system, code = el.get("codeSystem", ""), el.get("code", "")
            if system == "CNPEM":  # attributes swapped: the OID is in codeSystemName
                assert is_placeholder((system, code))
                system = el.get("codeSystemName", "")
            if system.startswith("2.16.620."):
                seen += 1
                target = mappings().get(("PT", system, code))
                assert target is not None, f"{sample.name}: {system}|{code} has no PT mapping"
                assert target in concepts()
    assert seen >= 30


@pytest.mark.conformance
@pytest.mark.parametrize("country", sorted(FIXTURES))
def test_friendly_fixture_validates_against_cda_pharma_xsd(country: str) -> None:
    corpus = corpus_or_skip()
    schema = etree.XMLSchema(etree.parse(str(corpus / "ehdsi-cda" / "schema" / "CDA_Pharma.xsd")))
    doc = etree.parse(str(FIXTURES[country]))
    assert schema.validate(doc), str(schema.error_log)
