from __future__ import annotations

from ncpeh.documents.models import CodedValue, SectionState
from tests.documents.cda import load, one_section


def test_allergy_fields() -> None:
    allergies = load("ps_pivot.xml").sections[1]
    entry = allergies.entries[0]
    assert entry.kind == "allergy"
    assert isinstance(entry.headline, CodedValue) and entry.headline.coding.code == "260176001"
    labels = [f.label for f in entry.fields]
    assert labels == ["Type", "Reaction", "Criticality", "Onset"]


def test_known_absent_allergies_in_the_observation_value() -> None:
    entries = """<entry><act classCode="ACT" moodCode="EVN"><entryRelationship typeCode="SUBJ">
      <observation classCode="OBS" moodCode="EVN">
      <code code="419199007" codeSystem="2.16.840.1.113883.6.96"
        displayName="Allergy to substance"/>
      <value xsi:type="CD" code="no-known-allergies" codeSystem="2.16.840.1.113883.5.1150.1"/>
      </observation></entryRelationship></act></entry>"""
    section = one_section("48765-2", entries)
    assert section.state is SectionState.KNOWN_ABSENT
    assert section.entries[0].absence == "known-absent"


def test_epsos_era_snomed_no_known_allergy_is_known_absent() -> None:
    entries = """<entry><observation classCode="OBS" moodCode="EVN">
      <code code="419199007" codeSystem="2.16.840.1.113883.6.96"/>
      <value xsi:type="CD" code="716186003" codeSystem="2.16.840.1.113883.6.96"
        displayName="No known allergy"/></observation></entry>"""
    assert one_section("48765-2", entries).state is SectionState.KNOWN_ABSENT


def test_agent_without_code_uses_its_name() -> None:
    entries = """<entry><act classCode="ACT" moodCode="EVN"><entryRelationship typeCode="SUBJ">
      <observation classCode="OBS" moodCode="EVN">
      <code code="419511003" codeSystem="2.16.840.1.113883.6.96" displayName="Drug allergy"/>
      <participant typeCode="CSM"><participantRole><playingEntity>
        <code nullFlavor="UNK"/><name>Penicilina</name>
      </playingEntity></participantRole></participant>
      <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
        <code code="SEV" codeSystem="2.16.840.1.113883.5.4"/>
        <value xsi:type="CD" code="24484000" codeSystem="2.16.840.1.113883.6.96"
          displayName="Severe"/>
      </observation></entryRelationship>
      </observation></entryRelationship></act></entry>"""
    entry = one_section("48765-2", entries).entries[0]
    assert entry.headline == "Penicilina"
    assert [f.label for f in entry.fields] == ["Type", "Severity"]
