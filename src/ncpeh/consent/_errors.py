"""Exceptions of the consent package (hierarchy drawn in ``ncpeh.consent``)."""

from __future__ import annotations

from ncpeh.errors import NcpehError

__all__ = ["ConsentError", "ConsentStoreUnavailableError", "UnknownConsentPatientError"]


class ConsentError(NcpehError):
    """Consent could not be decided or recorded. Callers must refuse, never grant."""

    code = "consent.error"


class ConsentStoreUnavailableError(ConsentError):
    code = "consent.store-unavailable"


class UnknownConsentPatientError(ConsentError):
    """A record was written for a patient the national index does not know."""

    code = "consent.unknown-patient"
