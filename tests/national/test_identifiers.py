"""National identifiers: check digits agree with python-stdnum, plus Tenor test numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.fr import nir as stdnum_nir
from stdnum.no import fodselsnummer as stdnum_fnr

from ncpeh.national import (
    fodselsnummer_check_digits,
    is_valid_fodselsnummer,
    is_valid_nir,
    is_valid_sns_number,
    nir_key,
)


@pytest.mark.parametrize("nir", ["253072B07300470", "185057800608491"])
def test_known_valid_nirs(nir: str) -> None:
    assert is_valid_nir(nir)
    assert nir_key(nir[:13]) == nir[13:]


@given(st.from_regex(r"[12][0-9]{2}(0[1-9]|1[0-2])([0-9]{2}|2A|2B)[0-9]{6}", fullmatch=True))
def test_nir_key_matches_stdnum(first13: str) -> None:
    value = first13 + nir_key(first13)
    assert stdnum_nir.is_valid(value)
    assert is_valid_nir(value)


def test_real_format_fodselsnummer_uses_stdnum() -> None:
    # 01010012356 is the usual stdnum example of a valid number
    assert is_valid_fodselsnummer("01010012356")
    assert not is_valid_fodselsnummer("01010012357")


def test_synthetic_numbers_need_the_test_mode() -> None:
    # 15 August 1934 as a Tenor number: month 08 + 80 = 88; the first individual
    # number whose check digits exist.
    value = next(
        f"158834{n:03d}" + checks
        for n in range(400, 500)
        if (checks := fodselsnummer_check_digits(f"158834{n:03d}")) is not None
    )
    assert not stdnum_fnr.is_valid(value)  # stdnum refuses month 88
    assert not is_valid_fodselsnummer(value)
    assert is_valid_fodselsnummer(value, allow_synthetic=True)
    assert not is_valid_fodselsnummer(
        value[:-1] + str((int(value[-1]) + 1) % 10), allow_synthetic=True
    )
    assert not is_valid_fodselsnummer("31" + "82" + value[4:], allow_synthetic=True)  # 31 Feb


def test_sns_number_shape() -> None:
    assert is_valid_sns_number("810813305")
    assert not is_valid_sns_number("081081330")
    assert not is_valid_sns_number("81081330")
    assert not is_valid_sns_number("81081330X")
