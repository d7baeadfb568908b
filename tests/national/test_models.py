"""Pure types: identifiers compare as pairs and round-trip through CX."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ncpeh.national import PatientDemographics, PatientIdentifier

oids = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8).map(
    lambda parts: "1." + ".".join(str(p) for p in parts)
)
values = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="^&'"),
    min_size=1,
    max_size=20,
)


@given(values, oids)
def test_cx_round_trip(value: str, domain: str) -> None:
    identifier = PatientIdentifier(value, domain)
    assert PatientIdentifier.from_cx(identifier.to_cx()) == identifier
    assert PatientIdentifier.from_cx(f"'{identifier.to_cx()}'") == identifier


def test_cx_form_of_the_domain_reference() -> None:
    cx = "0410009234^^^&1.2.208.176.1.2&ISO"
    assert PatientIdentifier.from_cx(cx) == PatientIdentifier("0410009234", "1.2.208.176.1.2")


@pytest.mark.parametrize("cx", ["0410009234", "x^^^1.2.3&ISO", "x^^^&1.2.3&DNS", "x^^^&1.2&ISO&"])
def test_malformed_cx_is_refused(cx: str) -> None:
    with pytest.raises(ValueError):
        PatientIdentifier.from_cx(cx)


@pytest.mark.parametrize(
    ("value", "domain"),
    [
        ("", "1.2.3"),
        (" 1", "1.2.3"),
        ("1", "urn:oid:1.2.3"),
        ("1", "1.02.3"),
        ("1", "abc"),
    ],
)
def test_identifiers_are_validated(value: str, domain: str) -> None:
    with pytest.raises(ValueError):
        PatientIdentifier(value, domain)


def test_a_patient_has_an_identifier() -> None:
    with pytest.raises(ValueError):
        PatientDemographics(
            identifiers=(), family_name="X", given_names=(), birth_date=None, gender=None
        )
