from __future__ import annotations

from ncpeh.documents.models import CodedValue, Quantity, SectionKind
from tests.documents.cda import load, one_section


def test_vital_signs_organizer_is_unfolded() -> None:
    vitals = next(s for s in load("ps_pivot.xml").sections if s.kind is SectionKind.VITAL_SIGNS)
    assert [e.kind for e in vitals.entries] == ["vital-sign", "vital-sign"]
    fields = {f.label: f.value for f in vitals.entries[0].fields}
    assert fields["Result"] == Quantity(value="120", unit="mm[Hg]")
    panel = fields["Panel"]
    assert isinstance(panel, CodedValue) and panel.display == "Vital signs"


def test_blood_group_and_nested_pregnancy_observations() -> None:
    blood = """<entry><observation classCode="OBS" moodCode="EVN">
      <code code="34530-6" codeSystem="2.16.840.1.113883.6.1" displayName="ABO and Rh group"/>
      <effectiveTime value="20191122"/>
      <value xsi:type="CE" code="278147001" codeSystem="2.16.840.1.113883.6.96"
        displayName="Blood group O Rh(D) positive"/>
      <interpretationCode code="N" codeSystem="2.16.840.1.113883.5.83" displayName="Normal"/>
      <referenceRange><observationRange><value xsi:type="IVL_PQ"><low value="1" unit="g"/>
        <high value="2" unit="g"/></value></observationRange></referenceRange>
      </observation></entry>"""
    entry = one_section("30954-2", blood).entries[0]
    assert [f.label for f in entry.fields] == [
        "Result",
        "Date",
        "Interpretation",
        "Reference range",
    ]
    assert entry.fields[3].value == "1–2 g"
    pregnancy = """<entry><observation classCode="OBS" moodCode="EVN">
      <code code="82810-3" codeSystem="2.16.840.1.113883.6.1" displayName="Pregnancy status"/>
      <value xsi:type="CD" code="77386006" codeSystem="2.16.840.1.113883.6.96"
        displayName="Pregnant"/>
      <entryRelationship typeCode="COMP"><observation classCode="OBS" moodCode="EVN">
        <code code="11778-8" codeSystem="2.16.840.1.113883.6.1"
          displayName="Delivery date estimated"/>
        <value xsi:type="TS" value="20230214"/></observation></entryRelationship>
      </observation></entry>"""
    entries = one_section("10162-6", pregnancy).entries
    assert [e.kind for e in entries] == ["pregnancy", "pregnancy"]
    assert entries[1].fields[0].label == "Result"
