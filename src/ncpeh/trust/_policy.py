"""The eHDSI acceptance tables as data: roles, AuthnContexts, purposes of use, permissions.

The tables live in ``data/ehdsi_policy.json`` (house style rule 7: mappings are
data) and are loaded once into an immutable :class:`AssertionPolicy`. A country
may tighten them by building its own policy; verification takes the policy as a
keyword argument.

Sources: ``trust-security.md`` §2.1 — roles from OpenNCP ``XSPARole.java``
(code *and* exact displayName), two-factor classes from
``FieldValueValidators.java``, permissions per transaction from
``DefaultPolicyManagerImpl.java``; class codes from ``ehdsi-flows.md`` §3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType

from ncpeh.trust._errors import TrustError

__all__ = [
    "AssertionPolicy",
    "PurposeOfUse",
    "Role",
    "Transaction",
    "default_policy",
]


class PurposeOfUse(StrEnum):
    """eHDSI XSPA purpose of use (code system ``3bc18518-d305-46c2-a8d6-94bd59856e9e``)."""

    TREATMENT = "TREATMENT"
    EMERGENCY = "EMERGENCY"


class Transaction(StrEnum):
    """What the HP asks for; each needs its own permissions (``trust-security.md`` §2.1).

    XCA query and retrieve of one document class share the same check, so the
    members name the *service*, not the IHE transaction.
    """

    PATIENT_DISCOVERY = "patient-discovery"  # XCPD ITI-55
    PATIENT_SUMMARY = "patient-summary"  # XCA 60591-5
    ORIGINAL_CLINICAL_DOCUMENTS = "original-clinical-documents"  # XCA OrCD (PS check)
    EPRESCRIPTION = "eprescription"  # XCA 57833-6
    EDISPENSATION = "edispensation"  # XDR 60593-1 and discard
    CONSENT = "consent"  # XDR 57016-8 (legacy)

    @classmethod
    def for_class_code(
        cls, class_code: str, *, policy: AssertionPolicy | None = None
    ) -> Transaction:
        """The service a document class code belongs to.

        Raises:
            KeyError: unknown class code (the edge answers ``4202``).
        """
        return (policy or default_policy()).class_codes[class_code]


@dataclass(frozen=True, slots=True)
class Role:
    """An HL7v3 ``Role`` in the ISCO-08 code system ``2.16.840.1.113883.2.9.6.2.7``."""

    code: str
    display_name: str


@dataclass(frozen=True, slots=True)
class AssertionPolicy:
    """Immutable acceptance tables for HCP and TRC assertions."""

    roles: frozenset[Role]
    roles_needing_on_behalf_of: frozenset[str]
    two_factor_authn_contexts: frozenset[str]
    purposes_of_use: frozenset[str]
    facility_types: frozenset[str]
    permissions: Mapping[Transaction, frozenset[str]]
    class_codes: Mapping[str, Transaction]

    def required_permissions(self, transaction: Transaction) -> frozenset[str]:
        """Short permission codes (``PRD-006``) the transaction needs, all of them."""
        return self.permissions[transaction]

    @classmethod
    def from_json(cls, data: bytes) -> AssertionPolicy:
        """Build a policy from the JSON layout of ``data/ehdsi_policy.json``."""
        try:
            raw = json.loads(data)
            return cls(
                roles=frozenset(Role(r["code"], r["display_name"]) for r in raw["roles"]),
                roles_needing_on_behalf_of=frozenset(raw["roles_needing_on_behalf_of"]),
                two_factor_authn_contexts=frozenset(raw["two_factor_authn_contexts"]),
                purposes_of_use=frozenset(raw["purposes_of_use"]),
                facility_types=frozenset(raw["facility_types"]),
                permissions=MappingProxyType(
                    {Transaction(k): frozenset(v) for k, v in raw["permissions"].items()}
                ),
                class_codes=MappingProxyType(
                    {k: Transaction(v) for k, v in raw["class_codes"].items()}
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrustError(f"invalid assertion policy data: {exc!r}") from None


@cache
def default_policy() -> AssertionPolicy:
    """The packaged eHDSI tables, loaded once."""
    data = resources.files("ncpeh.trust").joinpath("data/ehdsi_policy.json").read_bytes()
    policy = AssertionPolicy.from_json(data)
    missing = set(Transaction) - set(policy.permissions)
    if missing:  # pragma: no cover - guarded by tests on the packaged file
        raise TrustError(f"assertion policy lacks permissions for {sorted(missing)}")
    return policy
