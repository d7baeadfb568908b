from __future__ import annotations

from ncpeh.documents.models import CodedValue, CodeStatus
from tests.documents.cda import load, one_section


def test_problem_fields_and_unmapped_diagnosis() -> None:
    problems = load("ps_pivot.xml").sections[2]
    first, second = problems.entries
    assert isinstance(first.headline, CodedValue) and first.headline.coding.code == "J45"
    assert [f.label for f in first.fields] == ["Problem type", "Onset", "Status"]
    assert isinstance(second.headline, CodedValue)
    assert second.headline.status is CodeStatus.UNMAPPED


def test_past_illness_resolution_and_outcome() -> None:
    entries = """<entry><act classCode="ACT" moodCode="EVN"><entryRelationship typeCode="SUBJ">
      <observation classCode="OBS" moodCode="EVN">
      <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.3.7"/>
      <effectiveTime><low value="19971001"/><high value="19971006"/></effectiveTime>
      <value xsi:type="CD" code="D09" codeSystem="1.3.6.1.4.1.12559.11.10.1.3.1.44.2"/>
      <entryRelationship typeCode="REFR"><observation classCode="OBS" moodCode="EVN">
        <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.3.10"/>
        <code code="11323-3" codeSystem="2.16.840.1.113883.6.1"/>
        <value xsi:type="CE" code="765205004" codeSystem="2.16.840.1.113883.6.96"
          displayName="Disorder in remission"/></observation></entryRelationship>
      </observation></entryRelationship></act></entry>"""
    entry = one_section("11348-0", entries).entries[0]
    assert [f.label for f in entry.fields] == ["Onset", "Resolution", "Outcome"]
