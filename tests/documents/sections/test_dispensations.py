from __future__ import annotations

from ncpeh.documents.models import TimeValue
from tests.documents.cda import load


def test_edispensation_with_prefix_tricks() -> None:
    view = load("ed_prefix_trick.xml")
    assert view.document_type == "ED" and view.source_country == "CZ"
    entry = view.sections[0].entries[0]
    assert entry.headline == "Pinex"
    fields = {f.label: f.value for f in entry.fields}
    assert fields["Package size"] == "100 stk."  # pharm prefix bound to the v3 namespace
    assert fields["Quantity dispensed"] == "1"
    assert fields["Dispensed by"] == "Lékárna Test"
    assert fields["Prescription ID"] == "RX-77"
    assert fields["Dosage instructions"] == "1 tablet 3 gange daglig"
    when = fields["Dispensed on"]
    assert isinstance(when, TimeValue) and when.raw == "20241125144804+0000"
