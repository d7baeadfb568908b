from __future__ import annotations

from ncpeh.documents import V3
from ncpeh.transform import transcode, translate

from .helpers import ICD10, NATIONAL, catalogue, parse, problem, ps

NS = {"h": V3}


def test_national_code_becomes_mvc_and_original_is_kept() -> None:
    tree = parse(ps(problem("493", NATIONAL, "Asma")))
    result = transcode(tree, catalogue=catalogue(), country="pt")
    value = tree.find(".//h:observation/h:value", NS)
    assert value is not None
    assert (value.get("code"), value.get("codeSystem")) == ("J45", ICD10)
    assert value.get("displayName") == "Asthma"
    assert value.get("codeSystemName") == "ICD-10"
    kept = value.find("h:translation", NS)
    assert kept is not None
    assert (kept.get("code"), kept.get("codeSystem"), kept.get("displayName")) == (
        "493",
        NATIONAL,
        "Asma",
    )
    assert result.report.transcoded == 1
    assert not result.withheld


def test_missing_mapping_withholds_by_default() -> None:
    tree = parse(ps(problem("493", NATIONAL, "Asma")))
    result = transcode(tree, catalogue=catalogue(with_maps=False), country="PT")
    assert result.withheld
    assert result.report.errors[0]["code"] == "ERROR_PS_MISSING_EXPECTED_MAPPING"
    [ref] = result.report.unmapped
    assert (ref.system, ref.code, ref.element) == (NATIONAL, "493", "problem")


def test_missing_mapping_can_flag_and_continue_with_oth() -> None:
    tree = parse(ps(problem("999", NATIONAL, "Outra")))
    result = transcode(tree, catalogue=catalogue(), country="PT", on_missing_mapping="flag")
    assert not result.withheld
    assert result.report.warnings[0]["code"] == "ERROR_PS_MISSING_EXPECTED_MAPPING"
    value = tree.find(".//h:observation/h:value", NS)
    assert value is not None
    assert value.get("nullFlavor") == "OTH" and value.get("code") is None
    kept = value.find("h:translation", NS)
    assert kept is not None and kept.get("code") == "999"
    # Country B then sees it as unmapped, and the coded-element count is stable.
    b = translate(tree, catalogue=catalogue(), language="fr")
    assert [u.code for u in b.report.unmapped] == [None]
    assert b.report.coded_elements == result.report.coded_elements


def test_pivot_codes_pass_through_unchanged() -> None:
    tree = parse(ps(problem("J45")))
    result = transcode(tree, catalogue=catalogue(), country="PT")
    assert result.report.transcoded == 0
    assert result.report.unchanged == result.report.coded_elements


def test_transcode_then_translate_builds_the_three_level_chain() -> None:
    tree = parse(ps(problem("493", NATIONAL, "Asma")))
    transcode(tree, catalogue=catalogue(), country="PT")
    translate(tree, catalogue=catalogue(), language="fr")
    value = tree.find(".//h:observation/h:value", NS)
    assert value is not None
    chain = []
    node = value
    while node is not None:
        chain.append((node.get("code"), node.get("displayName")))
        node = node.find("h:translation", NS)
    assert chain == [("J45", "Asthme"), ("J45", "Asthma"), ("493", "Asma")]


def test_pivot_code_with_national_display_gets_the_english_term() -> None:
    body = (
        '<component><section><code code="11450-4" codeSystem="2.16.840.1.113883.6.1" '
        'displayName="Problemas"/></section></component>'
    )
    tree = parse(ps(body))
    result = transcode(tree, catalogue=catalogue(), country="PT")
    code = tree.find(".//h:section/h:code", NS)
    assert code is not None
    assert code.get("displayName") == "Problem list"
    kept = code.find("h:translation", NS)
    assert kept is not None and kept.get("displayName") == "Problemas"
    assert result.report.english_displays == 1
