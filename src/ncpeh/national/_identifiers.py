"""National patient identifiers: assigning authorities and check-digit rules.

Sources: france-norway.md §4 (INS) and §6 (Norwegian ids); python-stdnum
``fr.nir`` and ``no.fodselsnummer`` do the arithmetic. Two things stdnum does
not do, and we need:

* **Norwegian synthetic test numbers** (Skatteetaten's Tenor test data) add 80
  to the month. stdnum rejects them as impossible dates; test environments are
  full of them, so :func:`is_valid_fodselsnummer` accepts them when asked to.
* **Portuguese SNS user number** (número de utente): 9 digits. No public check
  digit rule was found, so only the shape is checked **[inferred]**.
"""

from __future__ import annotations

from datetime import date

from stdnum.fr import nir as _nir
from stdnum.no import fodselsnummer as _fnr

__all__ = [
    "FR_INS_NIA_OID",
    "FR_INS_NIR_OID",
    "FR_INS_NIR_TEST_OID",
    "NO_DNR_OID",
    "NO_FNR_OID",
    "PT_SNS_OID",
    "fodselsnummer_check_digits",
    "is_valid_fodselsnummer",
    "is_valid_nir",
    "is_valid_sns_number",
    "nir_key",
]

#: INS-NIR, the French national health identifier (FR Core ``FRCorePatientINSProfile``).
FR_INS_NIR_OID = "1.2.250.1.213.1.4.8"
#: INS-NIA, temporary number
FR_INS_NIA_OID = "1.2.250.1.213.1.4.9"
#: INS-NIR-TEST: fictitious test patients; every seeded French patient uses it.
FR_INS_NIR_TEST_OID = "1.2.250.1.213.1.4.10"
#: Norwegian fødselsnummer (Volven)
NO_FNR_OID = "2.16.578.1.12.4.1.4.1"
#: Norwegian D-nummer
NO_DNR_OID = "2.16.578.1.12.4.1.4.2"
#: Portuguese SNS user number, as the Portuguese friendly PS samples carry it
#: (``patientRole/id/@root`` of ``PT_CDA_W3_*.xml`` in the conformance corpus).
PT_SNS_OID = "2.16.620.1.101.10.1.1"


def nir_key(first13: str) -> str:
    """The two-digit NIR key: 97 - (13 digits mod 97), Corsica 2A/2B as 19/18."""
    if len(first13) != 13:
        raise ValueError("a NIR key is computed over exactly 13 characters")
    return _nir.calc_check_digits(first13)


def is_valid_nir(value: str) -> bool:
    """A well-formed NIR with a correct key (stdnum; the sex digit is not checked)."""
    return bool(_nir.is_valid(value))


def fodselsnummer_check_digits(first9: str) -> str | None:
    """Both mod-11 check digits for 9 leading digits, or ``None`` when a digit would be 10.

    A remainder giving 10 means the individual number cannot be issued; the
    issuer skips it, and so does our generator.
    """
    if len(first9) != 9 or not first9.isdigit():
        raise ValueError("check digits are computed over exactly 9 digits")
    k1 = _fnr.calc_check_digit1(first9)
    if len(k1) != 1:
        return None
    k2 = _fnr.calc_check_digit2(first9 + k1)
    if len(k2) != 1:
        return None
    return k1 + k2


def _birth_year(yy: int, individual: int) -> int | None:
    if individual < 500:
        return 1900 + yy
    if individual < 750 and yy >= 54:
        return 1800 + yy
    if yy < 40:
        return 2000 + yy
    if individual >= 900:
        return 1900 + yy
    return None


def is_valid_fodselsnummer(value: str, *, allow_synthetic: bool = False) -> bool:
    """A Norwegian birth number (or D-number) with both check digits right.

    Args:
        value: 11 digits.
        allow_synthetic: also accept Tenor synthetic numbers (month + 80).
            Never turn this on for production identity checks.
    """
    if len(value) != 11 or not value.isdigit():
        return False
    if not allow_synthetic or int(value[2:4]) <= 80:
        return bool(_fnr.is_valid(value))
    if fodselsnummer_check_digits(value[:9]) != value[9:]:
        return False
    day, month, yy, individual = (
        int(value[:2]),
        int(value[2:4]) - 80,
        int(value[4:6]),
        int(value[6:9]),
    )
    if day > 40:  # D-number
        day -= 40
    year = _birth_year(yy, individual)
    if year is None:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def is_valid_sns_number(value: str) -> bool:
    """Portuguese SNS user number: nine digits, not starting with 0 **[inferred]**."""
    return len(value) == 9 and value.isdigit() and value[0] != "0"
