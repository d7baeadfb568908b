"""Exceptions of the national connector and their one mapping to eHDSI codes.

Adapters raise these; only the gateway edge turns them into wire codes, through
:func:`ehdsi_code_for` (house style: map at the edge, in one table). The same
failure means different codes in different transactions (a registry that is
down is ``ERROR_PI_REGISTRY_NOT_AVAILABLE`` in XCPD and
``ERROR_EP_REGISTRY_NOT_AVAILABLE`` in an eP query), so the table is keyed by
(exception class, service), with a per-class fallback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ncpeh.errors import NcpehError

__all__ = [
    "DiscardFailedError",
    "DiscardWindowExpiredError",
    "DispensationError",
    "DispensationNotFoundError",
    "DocumentNotFoundError",
    "DuplicateDispensationError",
    "EPrescriptionNotFoundError",
    "EhdsiCode",
    "InvalidDispensationError",
    "InvalidRequestError",
    "MultiplePatientsError",
    "NationalConnectorError",
    "NationalSystemError",
    "NotDispensableError",
    "PatientNotFoundError",
    "PatientSummaryNotFoundError",
    "PrescriptionNotIdentifiableError",
    "RegistryUnavailableError",
    "Service",
    "UnsupportedClassCodeError",
    "ehdsi_code_for",
    "error_class_for_code",
]


class Service(StrEnum):
    """The eHDSI service a connector call serves; picks the error-code family."""

    IDENTIFICATION = "PI"
    PATIENT_SUMMARY = "PS"
    EPRESCRIPTION = "EP"
    DISPENSATION = "ED"
    DISCARD = "ED-DISCARD"
    ORCD = "ORCD"


class NationalConnectorError(NcpehError):
    """Base of every national connector failure.

    Args:
        message: one line, with no identifiers or clinical content (it may be logged).
        service: the service being served, when the raiser knows it.
    """

    code = "national.error"

    def __init__(self, message: str, *, service: Service | None = None) -> None:
        super().__init__(message)
        self.service = service


class InvalidRequestError(NationalConnectorError):
    """The request lacks what the national system needs (e.g. no identifier, no traits)."""

    code = "national.invalid-request"


class PatientNotFoundError(NationalConnectorError):
    code = "national.patient-not-found"


class MultiplePatientsError(NationalConnectorError):
    code = "national.multiple-patients"


class UnsupportedClassCodeError(NationalConnectorError):
    code = "national.unsupported-class-code"


class DocumentNotFoundError(NationalConnectorError):
    code = "national.document-not-found"


class PatientSummaryNotFoundError(DocumentNotFoundError):
    code = "national.patient-summary-not-found"

    def __init__(self, message: str, *, service: Service | None = Service.PATIENT_SUMMARY) -> None:
        super().__init__(message, service=service)


class EPrescriptionNotFoundError(DocumentNotFoundError):
    code = "national.eprescription-not-found"

    def __init__(self, message: str, *, service: Service | None = Service.EPRESCRIPTION) -> None:
        super().__init__(message, service=service)


class RegistryUnavailableError(NationalConnectorError):
    """The national system did not answer (down, timed out, overloaded). Retry later."""

    code = "national.registry-unavailable"


class NationalSystemError(NationalConnectorError):
    """The national system answered, but wrongly (5xx, malformed or inconsistent data)."""

    code = "national.system-error"


class DispensationError(NationalConnectorError):
    code = "national.dispensation-error"

    def __init__(self, message: str, *, service: Service | None = Service.DISPENSATION) -> None:
        super().__init__(message, service=service)


class InvalidDispensationError(DispensationError):
    """Not an eDispensation CDA, or not well-formed XML."""

    code = "national.invalid-dispensation"


class PrescriptionNotIdentifiableError(DispensationError):
    """The eD refers to no prescription of this patient."""

    code = "national.prescription-not-identifiable"


class NotDispensableError(DispensationError):
    """The prescription exists but may not be dispensed (already dispensed, locked...)."""

    code = "national.not-dispensable"


class DuplicateDispensationError(DispensationError):
    """The idempotency key was used before for different content or another patient."""

    code = "national.idempotency-conflict"


class DiscardFailedError(DispensationError):
    code = "national.discard-failed"

    def __init__(self, message: str, *, service: Service | None = Service.DISCARD) -> None:
        super().__init__(message, service=service)


class DispensationNotFoundError(DiscardFailedError):
    """No such dispensation for this patient."""

    code = "national.dispensation-not-found"


class DiscardWindowExpiredError(DiscardFailedError):
    """The dispensation is older than 24 h and can no longer be discarded."""

    code = "national.discard-window-expired"


@dataclass(frozen=True, slots=True)
class EhdsiCode:
    """The codes a gateway answers for a failure.

    Attributes:
        code: eHDSI code as sent on the wire (``OpenNCPErrorCode``, CP-058).
        legacy_code: epSOS numeric code still emitted beside it, if any.
        ihe_code: IHE XDS error code for XCA/XDR ``RegistryError``, if one fits.
    """

    code: str
    legacy_code: str | None = None
    ihe_code: str | None = None


_S = Service
_TABLE: dict[tuple[type[NationalConnectorError], Service | None], EhdsiCode] = {
    (NationalConnectorError, None): EhdsiCode("ERROR_GENERIC"),
    (NationalConnectorError, _S.IDENTIFICATION): EhdsiCode("ERROR_PI_GENERIC"),
    (NationalConnectorError, _S.PATIENT_SUMMARY): EhdsiCode("ERROR_PS_GENERIC"),
    (NationalConnectorError, _S.EPRESCRIPTION): EhdsiCode("ERROR_EP_GENERIC"),
    (NationalConnectorError, _S.DISPENSATION): EhdsiCode("ERROR_ED_GENERIC"),
    (NationalConnectorError, _S.DISCARD): EhdsiCode("ERROR_ED_DISCARD_FAILED"),
    (NationalConnectorError, _S.ORCD): EhdsiCode("ERROR_ORCD_GENERIC"),
    (InvalidRequestError, None): EhdsiCode("ERROR_GENERIC"),
    (InvalidRequestError, _S.IDENTIFICATION): EhdsiCode("ERROR_PI_MISSING_REQUIRED_FIELDS"),
    (InvalidRequestError, _S.PATIENT_SUMMARY): EhdsiCode("ERROR_PS_MISSING_REQUIRED_FIELDS"),
    (InvalidRequestError, _S.EPRESCRIPTION): EhdsiCode("ERROR_EP_MISSING_REQUIRED_FIELDS"),
    (InvalidRequestError, _S.DISPENSATION): EhdsiCode("ERROR_ED_MISSING_REQUIRED_FIELDS"),
    (InvalidRequestError, _S.DISCARD): EhdsiCode("WARNING_ED_DISCARD_MISSING_MANDATORY_DATA"),
    (PatientNotFoundError, None): EhdsiCode("ERROR_PI_NO_MATCH"),
    # In XCA the patient was identified before; "unknown" there means "nothing for them".
    (PatientNotFoundError, _S.PATIENT_SUMMARY): EhdsiCode("ERROR_PS_NOT_FOUND", "1100"),
    (PatientNotFoundError, _S.EPRESCRIPTION): EhdsiCode("ERROR_EP_NOT_FOUND", "1100"),
    (PatientNotFoundError, _S.ORCD): EhdsiCode("ERROR_ORCD_GENERIC", "1104"),
    (PatientNotFoundError, _S.DISPENSATION): EhdsiCode(
        "ERROR_ED_EPRESCRIPTION_NOT_IDENTIFIABLE", "4105"
    ),
    (PatientNotFoundError, _S.DISCARD): EhdsiCode("ERROR_ED_DISCARD_FAILED"),
    (MultiplePatientsError, None): EhdsiCode("ERROR_PI_MULTIPLE_MATCHES"),
    (UnsupportedClassCodeError, None): EhdsiCode("ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN", "4202"),
    (DocumentNotFoundError, None): EhdsiCode(
        "ERROR_GENERIC_DOCUMENT_MISSING", ihe_code="XDSMissingDocument"
    ),
    (DocumentNotFoundError, _S.PATIENT_SUMMARY): EhdsiCode(
        "ERROR_PS_NOT_FOUND", "1100", "XDSMissingDocument"
    ),
    (DocumentNotFoundError, _S.EPRESCRIPTION): EhdsiCode(
        "ERROR_EP_NOT_FOUND", "1100", "XDSMissingDocument"
    ),
    (DocumentNotFoundError, _S.ORCD): EhdsiCode("ERROR_ORCD_GENERIC", "1104", "XDSMissingDocument"),
    (RegistryUnavailableError, None): EhdsiCode("ERROR_GENERIC", ihe_code="XDSRepositoryError"),
    (RegistryUnavailableError, _S.IDENTIFICATION): EhdsiCode("ERROR_PI_REGISTRY_NOT_AVAILABLE"),
    (RegistryUnavailableError, _S.PATIENT_SUMMARY): EhdsiCode(
        "ERROR_PS_REGISTRY_NOT_AVAILABLE", ihe_code="XDSRepositoryError"
    ),
    (RegistryUnavailableError, _S.EPRESCRIPTION): EhdsiCode(
        "ERROR_EP_REGISTRY_NOT_AVAILABLE", "4103", "XDSRepositoryError"
    ),
    (RegistryUnavailableError, _S.DISPENSATION): EhdsiCode(
        "ERROR_ED_REGISTRY_NOT_AVAILABLE", ihe_code="XDSRepositoryError"
    ),
    (RegistryUnavailableError, _S.DISCARD): EhdsiCode(
        "ERROR_ED_DISCARD_SERVICE_NOT_AVAILABLE", ihe_code="XDSRepositoryError"
    ),
    (RegistryUnavailableError, _S.ORCD): EhdsiCode(
        "ERROR_ORCD_SERVICE_NOT_AVAILABLE", ihe_code="XDSRepositoryError"
    ),
    (NationalSystemError, None): EhdsiCode("ERROR_GENERIC"),
    (NationalSystemError, _S.IDENTIFICATION): EhdsiCode("ERROR_PI_INTERNAL_ERROR"),
    (NationalSystemError, _S.PATIENT_SUMMARY): EhdsiCode("ERROR_PS_INTERNAL_ERROR", "4104"),
    (NationalSystemError, _S.EPRESCRIPTION): EhdsiCode("ERROR_EP_INTERNAL_ERROR", "4104"),
    (NationalSystemError, _S.DISPENSATION): EhdsiCode("ERROR_ED_INTERNAL_ERROR"),
    (NationalSystemError, _S.DISCARD): EhdsiCode("ERROR_ED_INTERNAL_ERROR"),
    (NationalSystemError, _S.ORCD): EhdsiCode("ERROR_ORCD_GENERIC", "4104"),
    (DispensationError, None): EhdsiCode("ERROR_ED_GENERIC"),
    (InvalidDispensationError, None): EhdsiCode("ERROR_ED_INCORRECT_FORMATTING"),
    (PrescriptionNotIdentifiableError, None): EhdsiCode(
        "ERROR_ED_EPRESCRIPTION_NOT_IDENTIFIABLE", "4105"
    ),
    (NotDispensableError, None): EhdsiCode("ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", "4106"),
    (DuplicateDispensationError, None): EhdsiCode(
        "ERROR_ED_EDISPENSATION_NOT_STORED", ihe_code="XDSNonIdenticalHash"
    ),
    (DiscardFailedError, None): EhdsiCode("ERROR_ED_DISCARD_FAILED"),
}


def ehdsi_code_for(exc: NationalConnectorError, *, service: Service | None = None) -> EhdsiCode:
    """The eHDSI codes to answer for ``exc`` in ``service``.

    ``service`` defaults to the one the raiser recorded. The most specific
    exception class wins; for each class a service-specific row beats the
    class's general row.

    >>> ehdsi_code_for(RegistryUnavailableError("down"), service=Service.EPRESCRIPTION).code
    'ERROR_EP_REGISTRY_NOT_AVAILABLE'
    """
    wanted = service if service is not None else exc.service
    for cls in type(exc).__mro__:
        if not (isinstance(cls, type) and issubclass(cls, NationalConnectorError)):
            continue
        if wanted is not None and (cls, wanted) in _TABLE:
            return _TABLE[(cls, wanted)]
        if (cls, None) in _TABLE:
            return _TABLE[(cls, None)]
    return _TABLE[(NationalConnectorError, None)]  # pragma: no cover - base row always matches


def _all_subclasses(cls: type[NationalConnectorError]) -> list[type[NationalConnectorError]]:
    out = [cls]
    for sub in cls.__subclasses__():
        out.extend(_all_subclasses(sub))
    return out


def error_class_for_code(code: str) -> type[NationalConnectorError] | None:
    """The exception class whose stable ``code`` is ``code`` (``national.xxx``), if any.

    The REST contract sends these codes back in problem+json bodies; this is how
    the adapter turns them into exceptions again.
    """
    for cls in _all_subclasses(NationalConnectorError):
        if cls.code == code:
            return cls
    return None
