from __future__ import annotations

from ncpeh.documents.models import CodedValue, Quantity, SectionState, TimeValue
from tests.documents.cda import load, one_section


def test_medication_fields() -> None:
    entry = load("ps_pivot.xml").sections[0].entries[0]
    assert entry.headline == "Eutirox"
    fields = {f.label: f.value for f in entry.fields}
    assert list(fields) == [
        "Active ingredient",
        "Strength",
        "Dose form",
        "Package",
        "Package size",
        "Route",
        "Dose",
        "Period of treatment",
        "Timing",
        "Reason",
    ]
    assert fields["Strength"] == "100 ug"
    assert fields["Dose"] == Quantity(value=None, unit="1", low="1", high="2")
    period = fields["Period of treatment"]
    assert isinstance(period, TimeValue) and period.raw == "19971006/2025"
    timing = fields["Timing"]
    assert isinstance(timing, CodedValue) and timing.coding.code == "ACM"
    reason = fields["Reason"]
    assert isinstance(reason, CodedValue) and reason.display == "Other hypothyroidism"


def test_no_known_medications() -> None:
    entries = """<entry><substanceAdministration classCode="SBADM" moodCode="INT">
      <code code="no-known-medications" codeSystem="2.16.840.1.113883.5.1150.1"/>
      <consumable><manufacturedProduct><manufacturedMaterial nullFlavor="NA"/></manufacturedProduct>
      </consumable></substanceAdministration></entry>"""
    section = one_section("10160-0", entries)
    assert section.state is SectionState.KNOWN_ABSENT


def test_headline_falls_back_to_the_active_ingredient() -> None:
    entries = """<entry><substanceAdministration classCode="SBADM" moodCode="EVN">
      <consumable><manufacturedProduct><manufacturedMaterial><code nullFlavor="UNK"/>
      <epsos:ingredient classCode="ACTI"><epsos:ingredient>
        <epsos:code code="L03AA02" codeSystem="2.16.840.1.113883.6.73" displayName="filgrastim"/>
      </epsos:ingredient></epsos:ingredient></manufacturedMaterial></manufacturedProduct>
      </consumable></substanceAdministration></entry>"""
    entry = one_section("10160-0", entries).entries[0]
    assert isinstance(entry.headline, CodedValue) and entry.headline.display == "filgrastim"
