"""The public surface of ncpeh.trust is exactly what __all__ lists (house style rule 3)."""

from __future__ import annotations

import ncpeh.trust as trust
from ncpeh.errors import NcpehError

EXPECTED = {
    "CLOCK_SKEW", "DEFAULT_REPLAY_TTL", "MAX_HCP_LIFETIME", "MAX_TRC_LIFETIME",
    "AssertionBuildError", "AssertionMissingError", "AssertionPolicy", "AssertionRejected",
    "AssertionSet", "AssertionSigner", "AssertionTimeError", "DemoPki", "HcpAssertion",
    "HcpIdentity", "HpInformationError", "InsufficientRightsError", "InvalidAssertionError",
    "IssuerCountryError", "KeyPair", "KeyRole", "NodeKeys", "OrganisationMissingError",
    "ParameterMismatchError", "PatientId", "PatientMismatchError", "PkiError",
    "PointOfCareMissingError", "PurposeOfUse", "ReplayCache", "ReplayError", "Role",
    "SignatureError", "SignedAssertion", "Transaction", "TrcAssertion", "TrcBindingError",
    "TrustError", "TrustStore", "UntrustedIssuerError", "WeakAuthenticationError",
    "build_hcp_assertion", "build_trc_assertion", "certificate_country",
    "check_permissions_or_raise", "create_demo_pki", "default_policy", "load_certificates",
    "load_demo_pki", "load_node_keys", "select_assertions", "verify_assertion_integrity",
    "verify_assertion_signature", "verify_hcp_assertion", "verify_trc_assertion",
}  # fmt: skip


def test_all_is_the_documented_surface() -> None:
    assert set(trust.__all__) == EXPECTED
    assert len(trust.__all__) == len(EXPECTED)
    for name in trust.__all__:
        obj = getattr(trust, name)
        module = getattr(obj, "__module__", "ncpeh.trust")
        assert module.startswith("ncpeh.trust"), name


def test_every_exception_is_an_ncpeh_error_with_a_wire_code() -> None:
    errors = [getattr(trust, n) for n in trust.__all__ if n.endswith(("Error", "Rejected"))]
    assert errors
    for exc in errors:
        assert issubclass(exc, trust.TrustError)
        assert issubclass(exc, NcpehError)
        assert exc.ehdsi_code
        assert exc.code.startswith("trust.")


def test_the_docstring_draws_every_exception() -> None:
    doc = trust.__doc__ or ""
    for name in trust.__all__:
        if name.endswith(("Error", "Rejected")):
            assert name in doc, name


def test_error_codes_follow_the_ehdsi_mapping() -> None:
    # trust-security.md §2.4 "Typical error mapping" and ehdsi-flows.md §9.
    assert trust.AssertionMissingError.ehdsi_code == "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED"
    assert trust.SignatureError.ehdsi_code == "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"
    assert trust.UntrustedIssuerError.ehdsi_code == "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"
    assert trust.InvalidAssertionError.ehdsi_code == "1001"
    assert trust.AssertionTimeError.ehdsi_code == "1001"
    assert trust.TrcBindingError.ehdsi_code == "1002"
    assert trust.PatientMismatchError.ehdsi_code == "4206"
    assert trust.ParameterMismatchError.ehdsi_code == "4207"
    assert trust.WeakAuthenticationError.ehdsi_code == "4702"
    assert trust.InsufficientRightsError.ehdsi_code == "4703"
    assert trust.InsufficientRightsError.xcpd_code == "InsufficientRights"
    assert trust.HpInformationError.ehdsi_code == "ERROR_HPI_INSUFFICIENT_INFORMATION"
    assert trust.OrganisationMissingError.ehdsi_code == "ERROR_HPI_HAI_NO_INFORMATION"
    assert trust.PointOfCareMissingError.ehdsi_code == "ERROR_HPI_POC_NO_INFORMATION"
