from __future__ import annotations

from lxml import etree

from ncpeh.documents import V3
from ncpeh.documents.models import CodeStatus
from ncpeh.terminology import Catalogue, CodeSystem, Concept, Designation
from ncpeh.transform import translate
from ncpeh.xmlsafe import serialize_xml

from .helpers import GENDER, ICD10, catalogue, parse, problem, ps

NS = {"h": V3}


def test_translates_display_and_keeps_the_original_as_translation() -> None:
    tree = parse(ps(problem("J45")))
    result = translate(tree, catalogue=catalogue(), language="fr-FR")
    gender = tree.find(".//h:administrativeGenderCode", NS)
    assert gender is not None
    assert gender.get("displayName") == "Féminin"
    assert gender.get("code") == "F" and gender.get("codeSystem") == GENDER
    kept = gender.find("h:translation", NS)
    assert kept is not None
    assert dict(kept.attrib) == {"code": "F", "codeSystem": GENDER, "displayName": "Female"}
    assert result.report.translated == 4
    assert result.report.coded_elements == 4
    assert result.outcome(gender) is not None
    assert result.outcome(gender).status is CodeStatus.TRANSLATED  # type: ignore[union-attr]


def test_existing_translations_move_inside_the_new_one() -> None:
    gender = (
        f'<administrativeGenderCode code="F" codeSystem="{GENDER}" displayName="Female">'
        "<originalText>F</originalText>"
        '<translation code="2" codeSystem="1.2.3.4.5" displayName="Feminino"/>'
        "</administrativeGenderCode>"
    )
    tree = parse(ps(header_gender=gender))
    translate(tree, catalogue=catalogue(), language="fr")
    el = tree.find(".//h:administrativeGenderCode", NS)
    assert el is not None
    children = [etree.QName(c).localname for c in el]
    assert children == ["originalText", "translation"]
    outer = el.find("h:translation", NS)
    assert outer is not None and outer.get("displayName") == "Female"
    inner = outer.find("h:translation", NS)
    assert inner is not None and inner.get("displayName") == "Feminino"


def test_missing_translation_is_a_warning_and_english_stays() -> None:
    tree = parse(ps(problem("J45")))
    result = translate(tree, catalogue=catalogue(), language="nb")
    section_code = tree.find(".//h:section/h:code", NS)
    assert section_code is not None
    assert section_code.get("displayName") == "Problem list"
    assert section_code.find("h:translation", NS) is None
    [missing] = result.report.untranslated
    assert (missing.system, missing.code) == ("2.16.840.1.113883.6.1", "11450-4")
    assert missing.reason == "no nb designation in the catalogue"
    assert missing.element == "section"
    assert result.report.warnings[0]["code"] == "WARNING_PS_MISSING_EXPECTED_TRANSLATION"


def test_unknown_code_is_listed_with_its_reason() -> None:
    tree = parse(ps(problem("Z99", display="Something")))
    result = translate(tree, catalogue=catalogue(), language="fr")
    [missing] = result.report.untranslated
    assert missing.code == "Z99" and missing.reason == "code not in the catalogue"
    assert missing.xpath.endswith("/observation/value")
    assert missing.element == "problem"
    assert missing.value_set == "1.3.6.1.4.1.12559.11.10.1.3.1.42.5"


def test_translate_is_idempotent() -> None:
    tree = parse(ps(problem("J45")))
    translate(tree, catalogue=catalogue(), language="fr")
    once = serialize_xml(tree)
    again = translate(tree, catalogue=catalogue(), language="fr")
    assert serialize_xml(tree) == once
    assert again.report.translated == 4


def test_element_without_translation_slot_gets_display_replaced_and_reported() -> None:
    t = "1.3.6.1.4.1.12559.11.10.1.3.1.3.4"
    body = f"""<component><section><entry><substanceAdministration classCode="SBADM"
      moodCode="INT"><templateId root="{t}"/>
      <effectiveTime xsi:type="EIVL_TS"><event code="ACM"
        codeSystem="2.16.840.1.113883.5.139" displayName="before breakfast"/></effectiveTime>
    </substanceAdministration></entry></section></component>"""
    tree = parse(ps(body))
    result = translate(tree, catalogue=catalogue(), language="fr")
    event = tree.find(".//h:event", NS)
    assert event is not None
    assert event.get("displayName") == "avant le petit déjeuner"
    assert len(event) == 0  # EIVL.event may not have children
    [replaced] = result.report.replaced_displays
    assert replaced.display == "before breakfast" and replaced.element == "timing-event"


def test_null_flavored_listed_element_counts_as_no_information() -> None:
    tree = parse(ps(header_gender='<administrativeGenderCode nullFlavor="UNK"/>'))
    result = translate(tree, catalogue=catalogue(), language="fr")
    assert result.report.no_information == 1
    assert result.report.coded_elements == 2


def test_unmapped_oth_from_country_a_is_reported_as_unmapped() -> None:
    gender = (
        '<administrativeGenderCode nullFlavor="OTH">'
        '<translation code="9" codeSystem="1.2.3.4.5" displayName="Outro"/>'
        "</administrativeGenderCode>"
    )
    result = translate(parse(ps(header_gender=gender)), catalogue=catalogue(), language="fr")
    [unmapped] = result.report.unmapped
    assert unmapped.element == "administrative-gender"


def test_orcd_documents_are_left_untouched() -> None:
    data = ps().replace(b"1.3.6.1.4.1.12559.11.10.1.3.1.1.3", b"1.3.6.1.4.1.12559.11.10.1.3.1.1.9")
    tree = parse(data)
    result = translate(tree, catalogue=catalogue(), language="fr")
    assert result.report.skipped
    assert serialize_xml(tree) == serialize_xml(parse(data))


def test_report_json_shape() -> None:
    result = translate(parse(ps(problem("Z99"))), catalogue=catalogue(), language="fr")
    data = result.report.to_json()
    for key in ("coded_elements", "translated", "untranslated", "unmapped", "language"):
        assert key in data
    assert data["untranslated"][0].keys() >= {"xpath", "system", "code"}
    assert ICD10 in {u["system"] for u in data["untranslated"]}


def test_known_misspelt_system_is_translated_through_its_alias_and_reported() -> None:
    from ncpeh.terminology import Placeholder

    good = "1.3.6.1.4.1.19376.1.5.3.2"
    bad = "1.3.5.1.4.1.19376.1.5.3.2"
    base = catalogue()
    cat = Catalogue.build(
        [
            *base.code_systems,
            CodeSystem(
                good,
                f"urn:oid:{good}",
                "IHEActCode",
                concepts=(
                    Concept(good, "IMMUNIZ", "Immunization", (Designation("fr", "Vaccination"),)),
                ),
            ),
        ],
        placeholders=[Placeholder(bad, None, f"misspelt OID of {good}", alias_of=good)],
    )
    body = f'<component><section><code code="IMMUNIZ" codeSystem="{bad}"/></section></component>'
    tree = parse(ps(body))
    result = translate(tree, catalogue=cat, language="fr")
    code = tree.find(".//h:section/h:code", NS)
    assert code is not None
    assert code.get("displayName") == "Vaccination" and code.get("codeSystem") == bad
    [aliased] = result.report.aliased
    assert aliased.reason == f"misspelt OID of {good}"
    assert result.report.untranslated == []
