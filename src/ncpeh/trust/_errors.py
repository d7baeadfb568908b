"""Exceptions of :mod:`ncpeh.trust`; the hierarchy is drawn in the package docstring.

Every verification failure carries the eHDSI error code a responding gateway
(NCP-A) must send back, as the class attribute ``ehdsi_code``. The codes and the
failure → code pairs come from ``trust-security.md`` §2.4 ("Typical error
mapping") and ``ehdsi-flows.md`` §9 (OpenNCP ``OpenNCPErrorCode``, CP-058, and
the epSOS numeric codes that are still emitted). The SOAP/XCPD/XCA edge reads
``ehdsi_code`` in one handler table; nothing in here formats a wire message.
"""

from __future__ import annotations

from typing import ClassVar

from ncpeh.errors import NcpehError

__all__ = [
    "AssertionBuildError",
    "AssertionMissingError",
    "AssertionRejected",
    "AssertionTimeError",
    "HpInformationError",
    "InsufficientRightsError",
    "InvalidAssertionError",
    "IssuerCountryError",
    "OrganisationMissingError",
    "ParameterMismatchError",
    "PatientMismatchError",
    "PkiError",
    "PointOfCareMissingError",
    "ReplayError",
    "SignatureError",
    "TrcBindingError",
    "TrustError",
    "UntrustedIssuerError",
    "WeakAuthenticationError",
]


class TrustError(NcpehError):
    """Root of the trust package. ``ehdsi_code`` is what goes on the wire."""

    code = "trust.error"
    #: eHDSI wire code (``ehdsi-flows.md`` §9). Generic security error by default.
    ehdsi_code: ClassVar[str] = "ERROR_SEC_GENERIC"
    #: XCPD ``acknowledgementDetail`` code when one fits (eHDSI code system
    #: ``1.3.6.1.4.1.12559.11.10.1.3.2.2.1``), else ``None``.
    xcpd_code: ClassVar[str | None] = None


class PkiError(TrustError):
    """Our own key material is missing, unreadable or inconsistent (a local fault)."""

    code = "trust.pki"


class AssertionBuildError(TrustError):
    """We refuse to issue an assertion a peer would reject (bad input to a builder)."""

    code = "trust.assertion-build"


class ReplayError(TrustError):
    """A WS-Addressing ``MessageID`` was seen before (``trust-security.md`` §2.4 step 8)."""

    code = "trust.replay"


class AssertionRejected(TrustError):
    """Base of every verification failure: the peer sent something we must refuse."""

    code = "trust.assertion-rejected"
    ehdsi_code = "1001"


class AssertionMissingError(AssertionRejected):
    """No HCP assertion (or no TRC where one is required) in the security header."""

    code = "trust.assertion-missing"
    ehdsi_code = "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED"


class SignatureError(AssertionRejected):
    """Signature absent, invalid, misplaced, or not covering the assertion (XSW)."""

    code = "trust.signature"
    ehdsi_code = "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"


class UntrustedIssuerError(AssertionRejected):
    """The signing certificate does not chain to (or is not pinned in) the trust store."""

    code = "trust.untrusted-issuer"
    ehdsi_code = "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"


class InvalidAssertionError(AssertionRejected):
    """Signed, but not an acceptable eHDSI assertion (structure, audience, issuer)."""

    code = "trust.invalid-assertion"
    ehdsi_code = "1001"


class AssertionTimeError(InvalidAssertionError):
    """Expired, not yet valid, issued in the future, or a validity window too long."""

    code = "trust.assertion-time"


class IssuerCountryError(InvalidAssertionError):
    """Issuer or signing-certificate country differs from the expected (TLS peer) country."""

    code = "trust.issuer-country"


class TrcBindingError(AssertionRejected):
    """The TRC does not belong to the HCP assertion (``AssertionIDRef`` or NameID differ)."""

    code = "trust.trc-binding"
    ehdsi_code = "1002"


class PatientMismatchError(AssertionRejected):
    """The queried patient is not the TRC patient (compared as (OID, id))."""

    code = "trust.patient-mismatch"
    ehdsi_code = "4206"


class ParameterMismatchError(AssertionRejected):
    """Prescription id or dispensation PIN in the query differ from the TRC."""

    code = "trust.parameter-mismatch"
    ehdsi_code = "4207"


class WeakAuthenticationError(AssertionRejected):
    """The HP did not authenticate with two factors (AuthnContextClassRef)."""

    code = "trust.weak-authentication"
    ehdsi_code = "4702"


class InsufficientRightsError(AssertionRejected):
    """A permission the transaction needs is missing, or the purpose of use is not allowed."""

    code = "trust.insufficient-rights"
    ehdsi_code = "4703"
    xcpd_code = "InsufficientRights"


class HpInformationError(AssertionRejected):
    """Role not in the accepted table (code and displayName), or on-behalf-of missing."""

    code = "trust.hp-information"
    ehdsi_code = "ERROR_HPI_INSUFFICIENT_INFORMATION"


class OrganisationMissingError(HpInformationError):
    """Neither organisation name nor organisation id is present."""

    code = "trust.organisation-missing"
    ehdsi_code = "ERROR_HPI_HAI_NO_INFORMATION"


class PointOfCareMissingError(HpInformationError):
    """No point of care (``environment:locality``)."""

    code = "trust.point-of-care-missing"
    ehdsi_code = "ERROR_HPI_POC_NO_INFORMATION"
