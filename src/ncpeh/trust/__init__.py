"""Trust: demo PKI, eHDSI HCP/TRC assertions (issue and verify), replay protection.

This is the security core shared by both gateway roles (``trust-security.md``):

* **NCP-B** issues the HCP identity assertion and the TRC with
  :func:`build_hcp_assertion` / :func:`build_trc_assertion`, signed by an
  :class:`AssertionSigner` that holds the ``NCP_SIG`` key loaded once.
* **NCP-A** verifies them with :func:`verify_hcp_assertion` and
  :func:`verify_trc_assertion` — signature first, location pinned against XML
  signature wrapping, then time, country binding, TRC binding and policy — and
  refuses replayed messages with a :class:`ReplayCache`.

Exception hierarchy (``ehdsi_code`` = what NCP-A answers, ``ehdsi-flows.md`` §9)::

    NcpehError
     └── TrustError                          ERROR_SEC_GENERIC
          ├── PkiError                       our key material is unusable
          ├── AssertionBuildError            we refuse to issue this assertion
          ├── ReplayError                    MessageID seen before / missing
          └── AssertionRejected              1001   (any verification failure)
               ├── AssertionMissingError     ERROR_HPI_AUTHENTICATION_NOT_RECEIVED
               ├── SignatureError            ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED
               ├── UntrustedIssuerError      ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED
               ├── InvalidAssertionError     1001   structure, audience, issuer
               │    ├── AssertionTimeError   1001   expired / not yet valid / too long
               │    └── IssuerCountryError   1001   issuer or cert country ≠ peer
               ├── TrcBindingError           1002   AssertionIDRef / NameID ≠ HCP
               ├── PatientMismatchError      4206   query patient ≠ TRC patient
               ├── ParameterMismatchError    4207   prescription id / PIN ≠ TRC
               ├── WeakAuthenticationError   4702   AuthnContext not two-factor
               ├── InsufficientRightsError   4703   permission or purpose of use
               │                                    (XCPD: InsufficientRights)
               └── HpInformationError        ERROR_HPI_INSUFFICIENT_INFORMATION (role)
                    ├── OrganisationMissingError  ERROR_HPI_HAI_NO_INFORMATION
                    └── PointOfCareMissingError   ERROR_HPI_POC_NO_INFORMATION

Example:
    >>> pki = create_demo_pki(Path("pki"), ["FR", "PT"])  # doctest: +SKIP
    >>> signer = AssertionSigner.from_node_keys(pki.nodes["FR"])  # doctest: +SKIP
    >>> xml = build_hcp_assertion(identity, signer=signer)  # doctest: +SKIP
    >>> hcp = verify_hcp_assertion(  # doctest: +SKIP
    ...     xml, trust=TrustStore([pki.ca_certificate]), expected_country="FR",
    ...     transaction=Transaction.PATIENT_SUMMARY)
"""

from ncpeh.trust._assertions import (
    MAX_HCP_LIFETIME,
    MAX_TRC_LIFETIME,
    AssertionSigner,
    build_hcp_assertion,
    build_trc_assertion,
)
from ncpeh.trust._errors import (
    AssertionBuildError,
    AssertionMissingError,
    AssertionRejected,
    AssertionTimeError,
    HpInformationError,
    InsufficientRightsError,
    InvalidAssertionError,
    IssuerCountryError,
    OrganisationMissingError,
    ParameterMismatchError,
    PatientMismatchError,
    PkiError,
    PointOfCareMissingError,
    ReplayError,
    SignatureError,
    TrcBindingError,
    TrustError,
    UntrustedIssuerError,
    WeakAuthenticationError,
)
from ncpeh.trust._identifiers import PatientId
from ncpeh.trust._models import HcpAssertion, HcpIdentity, SignedAssertion, TrcAssertion
from ncpeh.trust._pki import (
    DemoPki,
    KeyPair,
    KeyRole,
    NodeKeys,
    certificate_country,
    create_demo_pki,
    load_certificates,
    load_demo_pki,
    load_node_keys,
)
from ncpeh.trust._policy import AssertionPolicy, PurposeOfUse, Role, Transaction, default_policy
from ncpeh.trust._replay import DEFAULT_REPLAY_TTL, ReplayCache
from ncpeh.trust._truststore import TrustStore
from ncpeh.trust._verify import (
    CLOCK_SKEW,
    AssertionSet,
    check_permissions_or_raise,
    select_assertions,
    verify_assertion_integrity,
    verify_assertion_signature,
    verify_hcp_assertion,
    verify_trc_assertion,
)

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_REPLAY_TTL",
    "MAX_HCP_LIFETIME",
    "MAX_TRC_LIFETIME",
    "AssertionBuildError",
    "AssertionMissingError",
    "AssertionPolicy",
    "AssertionRejected",
    "AssertionSet",
    "AssertionSigner",
    "AssertionTimeError",
    "DemoPki",
    "HcpAssertion",
    "HcpIdentity",
    "HpInformationError",
    "InsufficientRightsError",
    "InvalidAssertionError",
    "IssuerCountryError",
    "KeyPair",
    "KeyRole",
    "NodeKeys",
    "OrganisationMissingError",
    "ParameterMismatchError",
    "PatientId",
    "PatientMismatchError",
    "PkiError",
    "PointOfCareMissingError",
    "PurposeOfUse",
    "ReplayCache",
    "ReplayError",
    "Role",
    "SignatureError",
    "SignedAssertion",
    "Transaction",
    "TrcAssertion",
    "TrcBindingError",
    "TrustError",
    "TrustStore",
    "UntrustedIssuerError",
    "WeakAuthenticationError",
    "build_hcp_assertion",
    "build_trc_assertion",
    "certificate_country",
    "check_permissions_or_raise",
    "create_demo_pki",
    "default_policy",
    "load_certificates",
    "load_demo_pki",
    "load_node_keys",
    "select_assertions",
    "verify_assertion_integrity",
    "verify_assertion_signature",
    "verify_hcp_assertion",
    "verify_trc_assertion",
]
