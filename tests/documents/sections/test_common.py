from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from ncpeh.documents.sections._common import parse_ts, quantity, strength

V3 = "urn:hl7-org:v3"


def test_parse_ts_keeps_dates_and_offsets() -> None:
    assert parse_ts("2022") == date(2022, 1, 1)
    assert parse_ts("202206") == date(2022, 6, 1)
    assert parse_ts("20220608") == date(2022, 6, 8)
    assert parse_ts("20220608104900+0200") == datetime(
        2022, 6, 8, 10, 49, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_ts("20220608104900.123-0330") == datetime(
        2022, 6, 8, 10, 49, tzinfo=timezone(-timedelta(hours=3, minutes=30))
    )
    assert parse_ts("20221340") is None
    assert parse_ts("yesterday") is None
    assert parse_ts(None) is None


@given(st.text(max_size=30))
def test_parse_ts_never_raises(raw: str) -> None:
    parse_ts(raw)


def _el(xml: str) -> etree._Element:
    return etree.fromstring(xml.replace("<q", f'<q xmlns="{V3}"', 1))


def test_strength_text() -> None:
    def rto(n: str, nu: str, d: str, du: str) -> str | None:
        return strength(
            _el(
                f'<q><numerator value="{n}" unit="{nu}"/><denominator value="{d}" unit="{du}"/></q>'
            )
        )

    assert rto("100", "ug", "1", "1") == "100 ug"
    assert rto("100", "1", "1", "mL") == "100/mL"
    assert rto("20", "mg", "5", "mL") == "20 mg/5 mL"
    assert strength(_el('<q><numerator nullFlavor="NI"/></q>')) is None


def test_quantity_interval_with_equal_bounds_is_a_value() -> None:
    q = quantity(_el('<q><low value="1" unit="mL/d"/><high value="1" unit="mL/d"/></q>'))
    assert q is not None and (q.value, q.unit, q.low, q.high) == ("1", "mL/d", None, None)
    q = quantity(_el('<q><low value="1" unit="1"/><high value="2" unit="1"/></q>'))
    assert q is not None and (q.low, q.high) == ("1", "2")
