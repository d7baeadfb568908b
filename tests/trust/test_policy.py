from __future__ import annotations

import pytest

from ncpeh.trust import (
    AssertionPolicy,
    Role,
    Transaction,
    TrustError,
    default_policy,
)


def test_the_packaged_tables_match_trust_security_md() -> None:
    policy = default_policy()
    assert Role("221", "Medical Doctors") in policy.roles
    assert Role("2262", "Pharmacists") in policy.roles
    assert len(policy.roles) == 13
    assert policy.roles_needing_on_behalf_of == {"44"}
    assert policy.purposes_of_use == {"TREATMENT", "EMERGENCY"}
    assert len(policy.two_factor_authn_contexts) == 8
    assert set(policy.permissions) == set(Transaction)
    assert policy.required_permissions(Transaction.PATIENT_DISCOVERY) == {"PRD-006"}
    assert policy.required_permissions(Transaction.PATIENT_SUMMARY) == {
        "PRD-003", "PRD-005", "PRD-010", "PRD-016"
    }  # fmt: skip
    assert policy.required_permissions(Transaction.EPRESCRIPTION) == {"PRD-004", "PRD-010"}
    assert policy.required_permissions(Transaction.EDISPENSATION) == {"PPD-046"}
    assert policy.required_permissions(Transaction.CONSENT) == {"PPD-032"}


@pytest.mark.parametrize(
    ("class_code", "transaction"),
    [
        ("60591-5", Transaction.PATIENT_SUMMARY),
        ("57833-6", Transaction.EPRESCRIPTION),
        ("60593-1", Transaction.EDISPENSATION),
        ("DISCARD-60593-1", Transaction.EDISPENSATION),
        ("11502-2", Transaction.ORIGINAL_CLINICAL_DOCUMENTS),
        ("x-clinical-image", Transaction.ORIGINAL_CLINICAL_DOCUMENTS),
    ],
)
def test_class_codes_map_to_services(class_code: str, transaction: Transaction) -> None:
    assert Transaction.for_class_code(class_code) is transaction


def test_unknown_class_code_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        Transaction.for_class_code("56445-0")


def test_broken_policy_data_is_refused() -> None:
    with pytest.raises(TrustError):
        AssertionPolicy.from_json(b'{"roles": []}')
