from __future__ import annotations

from ncpeh.documents.models import CodedValue, TimeValue
from tests.documents.cda import load


def test_eprescription_in_the_epsos_namespace() -> None:
    view = load("ep_epsos.xml")
    entry = view.sections[0].entries[0]
    assert entry.kind == "prescription" and entry.headline == "TRIVERAM"
    fields = {f.label: f for f in entry.fields}
    assert fields["Product class"].value.display == (  # type: ignore[union-attr]
        "atorvastatin, amlodipine and perindopril"
    )
    assert fields["Package size"].value == "30"
    assert fields["Number of packages"].value == "2"
    substitution = fields["Substitution"].value
    assert isinstance(substitution, CodedValue) and substitution.coding.code == "N"
    assert fields["Prescription ID"].value == "RX-42"
    frequency = fields["Frequency"].value
    assert isinstance(frequency, TimeValue) and frequency.period == ("24", "h")
    instructions = fields["Patient instructions"]
    assert instructions.value == "Yksi tabletti päivässä" and instructions.original_language
