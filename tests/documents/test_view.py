from __future__ import annotations

import base64
from datetime import date

import pytest

from ncpeh.documents import WrongRootError
from ncpeh.documents._view import extract_view
from ncpeh.documents.models import CodedValue, CodeStatus, SectionKind, SectionState
from ncpeh.terminology import Catalogue
from ncpeh.terminology.models import CodeSystem, Concept, Designation
from ncpeh.transform import translate
from ncpeh.xmlsafe import parse_xml
from tests.documents.cda import DATA, document, load, one_section, section_xml

SNOMED = "2.16.840.1.113883.6.96"


def test_header_of_the_pivot_ps() -> None:
    view = load("ps_pivot.xml")
    assert (view.document_type, view.level) == ("PS", 3)
    assert view.document_id is not None and view.document_id.extension == "PS-TEST-1"
    assert view.language == "en-GB"
    assert view.display_language == "fr"
    assert view.source_country == "PT"  # from custodian/.../addr/country
    assert view.custodian == "Serviço de Teste"
    patient = view.patient
    assert patient is not None
    assert patient.given == ("Maria", "Joana") and patient.family == ("Teste",)
    assert patient.birth_date == date(1982, 5, 8)
    assert patient.gender is not None and patient.gender.coding.code == "F"
    assert patient.identifiers[0].extension == "PT-123456"
    assert patient.identifiers[0].authority == "Registo Nacional de Utentes"
    assert patient.languages == ("pt-PT",)
    assert view.authors[0].organization == "Hospital de Teste"
    assert view.authors[0].name == "Ana Médica"
    assert view.warnings == ()


def test_sections_are_recognised_by_code_and_by_template() -> None:
    view = load("ps_pivot.xml")
    kinds = [s.kind for s in view.sections]
    assert kinds == [
        SectionKind.MEDICATION_SUMMARY,
        SectionKind.ALLERGIES,
        SectionKind.ACTIVE_PROBLEMS,
        SectionKind.MEDICAL_DEVICES,
        SectionKind.PROCEDURES,
        SectionKind.VITAL_SIGNS,  # templateId only, no code
        SectionKind.PLAN_OF_CARE,  # 18776-5
        SectionKind.OTHER,  # 10164-2 history of present illness
    ]


def test_section_states() -> None:
    states = {s.kind: s.state for s in load("ps_pivot.xml").sections}
    assert states[SectionKind.MEDICAL_DEVICES] is SectionState.KNOWN_ABSENT
    assert states[SectionKind.PROCEDURES] is SectionState.NO_INFORMATION  # nullFlavor, no entry
    assert states[SectionKind.PLAN_OF_CARE] is SectionState.NARRATIVE_ONLY
    assert states[SectionKind.ALLERGIES] is SectionState.ENTRIES


def test_known_absent_entry() -> None:
    devices = next(
        s for s in load("ps_pivot.xml").sections if s.kind is SectionKind.MEDICAL_DEVICES
    )
    entry = devices.entries[0]
    assert entry.absence == "known-absent"
    assert isinstance(entry.headline, CodedValue)
    assert entry.headline.coding.code == "no-known-devices"


def test_no_information_code_gives_no_information_state() -> None:
    entries = """<entry><act classCode="ACT" moodCode="EVN"><entryRelationship typeCode="SUBJ">
      <observation classCode="OBS" moodCode="EVN"><code code="420134006"
        codeSystem="2.16.840.1.113883.6.96"/>
      <value xsi:type="CD" code="no-allergy-info" codeSystem="2.16.840.1.113883.5.1150.1"/>
      </observation></entryRelationship></act></entry>"""
    section = one_section("48765-2", entries)
    assert section.entries[0].absence == "no-information"
    assert section.state is SectionState.NO_INFORMATION


def test_section_without_entries_and_without_narrative_is_no_information() -> None:
    section = one_section("11450-4", "", text="")
    assert section.state is SectionState.NO_INFORMATION
    assert section.narrative_html is None


def test_original_text_reference_resolves_against_narrative_ids() -> None:
    allergies = next(s for s in load("ps_pivot.xml").sections if s.kind is SectionKind.ALLERGIES)
    agent = allergies.entries[0].headline
    assert isinstance(agent, CodedValue)
    assert agent.original_text == 'kiwi <script>alert("x")</script>'  # raw text, escaped at render
    assert agent.display == agent.original_text
    assert agent.display_language == "en-GB"
    assert agent.role == "allergy-agent" or agent.role is None


def test_inferred_statuses() -> None:
    problems = next(
        s for s in load("ps_pivot.xml").sections if s.kind is SectionKind.ACTIVE_PROBLEMS
    )
    unmapped = problems.entries[1].headline
    assert isinstance(unmapped, CodedValue)
    assert unmapped.status is CodeStatus.UNMAPPED
    assert unmapped.display == "Meningoencefalite herpética"
    assert unmapped.originals[0].code == "054.3"
    view = load("ep_epsos.xml")
    form = next(f.value for f in view.sections[0].entries[0].fields if f.label == "Dose form")
    assert isinstance(form, CodedValue) and form.status is CodeStatus.TRANSCODED
    ed = load("ed_prefix_trick.xml")
    form = next(f.value for f in ed.sections[0].entries[0].fields if f.label == "Dose form")
    assert isinstance(form, CodedValue) and form.status is CodeStatus.TRANSLATED
    assert form.display_language == "fr"


def test_null_flavor_is_no_information() -> None:
    entries = """<entry><procedure classCode="PROC" moodCode="EVN">
      <code nullFlavor="UNK"/><effectiveTime value="20200101"/></procedure></entry>"""
    section = one_section("47519-4", entries)
    headline = section.entries[0].headline
    assert isinstance(headline, CodedValue) and headline.status is CodeStatus.NO_INFORMATION


def _catalogue() -> Catalogue:
    return Catalogue.build(
        [
            CodeSystem(
                SNOMED,
                "http://snomed.info/sct",
                "SNOMED CT",
                concepts=(
                    Concept(SNOMED, "43116000", "Eczema", (Designation("fr", "Eczéma"),)),
                    Concept(
                        SNOMED,
                        "420134006",
                        "Propensity to adverse reaction",
                        (Designation("fr", "Propension aux réactions indésirables"),),
                    ),
                ),
            ),
        ]
    )


def test_outcomes_from_translation_decide_the_status() -> None:
    tree = parse_xml((DATA / "ps_pivot.xml").read_bytes())
    result = translate(tree, catalogue=_catalogue(), language="fr")
    view = extract_view(tree, display_language="fr", outcomes=result.outcomes)
    allergy = next(s for s in view.sections if s.kind is SectionKind.ALLERGIES).entries[0]
    reaction = next(f.value for f in allergy.fields if f.label == "Reaction")
    assert isinstance(reaction, CodedValue)
    assert reaction.status is CodeStatus.TRANSLATED
    assert reaction.display == "Eczéma"
    assert reaction.display_language == "fr"
    assert reaction.originals[0].display == "Eczema <img src=x onerror=alert(2)>"
    criticality = next(f.value for f in allergy.fields if f.label == "Criticality")
    assert isinstance(criticality, CodedValue)
    assert criticality.status is CodeStatus.UNTRANSLATED
    assert criticality.display == "High Risk" and criticality.display_language == "en"


def test_source_country_argument_wins() -> None:
    view = extract_view(
        parse_xml((DATA / "ps_pivot.xml").read_bytes()), display_language="nb", source_country="pt"
    )
    assert view.source_country == "PT"


def test_level_1_reports_media_type_and_size_without_decoding() -> None:
    payload = b"%PDF-1.4 not really a pdf" * 10
    encoded = base64.b64encode(payload).decode()
    wrapped = "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60))
    xml = f"""<ClinicalDocument xmlns="urn:hl7-org:v3">
      <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.7"/>
      <code code="60591-5" codeSystem="2.16.840.1.113883.6.1"/>
      <component><nonXMLBody><text mediaType="application/pdf" representation="B64">
      {wrapped}
      </text></nonXMLBody></component></ClinicalDocument>"""
    view = extract_view(parse_xml(xml.encode()), display_language="fr")
    assert view.level == 1
    assert view.non_xml_body == ("application/pdf", len(payload))
    assert view.sections == ()
    assert any("patientRole" in w for w in view.warnings)


def test_odd_documents_give_warnings_not_errors() -> None:
    xml = b"""<ClinicalDocument xmlns="urn:hl7-org:v3"><code code="12345-6"/>
      <custodian><assignedCustodian><representedCustodianOrganization><addr>
      <country>country</country></addr></representedCustodianOrganization></assignedCustodian>
      </custodian><component><structuredBody/></component></ClinicalDocument>"""
    view = extract_view(parse_xml(xml), display_language="fr")
    assert view.document_type == "unknown"
    assert view.patient is None
    assert view.source_country == "country"
    assert len(view.warnings) >= 3


def test_a_non_cda_root_raises() -> None:
    with pytest.raises(WrongRootError):
        extract_view(parse_xml(b"<html/>"), display_language="fr")


def test_both_medication_namespaces_read_the_same() -> None:
    def material(ns: str, substance: str) -> str:
        return f"""<entry><substanceAdministration classCode="SBADM" moodCode="INT">
          <consumable><manufacturedProduct><manufacturedMaterial><name>X</name>
          <{ns}:formCode code="10219000" codeSystem="0.4.0.127.0.16.1.1.2.1" displayName="Tablet"/>
          <{ns}:ingredient classCode="ACTI"><{ns}:quantity>
            <{ns}:numerator value="5" unit="mg"/><{ns}:denominator value="1"
              unit="1"/></{ns}:quantity>
            <{ns}:{substance}><{ns}:code code="C09AA05" codeSystem="2.16.840.1.113883.6.73"
              displayName="ramipril"/></{ns}:{substance}></{ns}:ingredient>
          </manufacturedMaterial></manufacturedProduct></consumable>
          </substanceAdministration></entry>"""

    pharm = one_section("10160-0", material("pharm", "ingredientSubstance"))
    epsos = one_section("10160-0", material("epsos", "ingredient"))
    assert pharm.entries == epsos.entries
    labels = [f.label for f in pharm.entries[0].fields]
    assert labels == ["Active ingredient", "Strength", "Dose form"]


def test_nested_sections_are_flattened_after_their_parent() -> None:
    inner = section_xml("8716-3", "")
    body = section_xml("30954-2", inner)  # the vital signs section sits inside the results
    view = extract_view(document(body), display_language="fr")
    assert [s.kind for s in view.sections] == [SectionKind.RESULTS, SectionKind.VITAL_SIGNS]
