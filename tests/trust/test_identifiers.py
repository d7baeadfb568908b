from __future__ import annotations

import pytest

from ncpeh.trust import PatientId


@pytest.mark.parametrize(
    ("cx", "root", "ext"),
    [
        ("0410009234^^^&1.2.208.176.1.2&ISO", "1.2.208.176.1.2", "0410009234"),
        ("'0410009234^^^&1.2.208.176.1.2&ISO'", "1.2.208.176.1.2", "0410009234"),
        ("  1011649927^^^&1.2.208.176.1.2&ISO\n", "1.2.208.176.1.2", "1011649927"),
        (
            "X110571344|ABC123^^^&1.2.276.0.76.3.1.580.147&ISO",
            "1.2.276.0.76.3.1.580.147",
            "X110571344|ABC123",
        ),
        ("1234^^^ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO", "1.2.250.1.213.1.4.8", "1234"),
    ],
)
def test_cx_forms_parse_to_oid_and_id(cx: str, root: str, ext: str) -> None:
    pid = PatientId.from_cx(cx)
    assert (pid.root, pid.extension) == (root, ext)
    assert PatientId.from_cx(pid.to_cx()) == pid


@pytest.mark.parametrize(
    "bad",
    ["", "0410009234", "0410009234^^^1.2.208&ISO", "0410009234^^^&1.2.208&L", "^^^&1.2.3&ISO",
     "x^^^&not-an-oid&ISO"],
)  # fmt: skip
def test_malformed_cx_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        PatientId.from_cx(bad)


def test_comparison_is_on_parts_not_substrings() -> None:
    a = PatientId("1.2.208.176.1.2", "0410009234")
    assert a != PatientId("1.2.208.176.1.21", "0410009234")
    assert a != PatientId("1.2.208.176.1.2", "04100092345")
    assert a == PatientId.from_cx("'0410009234^^^&1.2.208.176.1.2&ISO'")
    with pytest.raises(ValueError):
        PatientId("1.2.208.176.1.2", "with^caret")
