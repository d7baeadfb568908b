"""The national connector: how NCPeH-A reaches the patient's country's systems.

:class:`NationalConnector` is the port (patient search for XCPD, document
search and retrieval for XCA, dispensation submit and discard for XDR).
Adapters: ``adapters.sql`` (a national store in our database, for the demo),
``adapters.rest`` (a country's own system over HTTP JSON, contract in
``docs/national-connector.md``); fake: ``testing.InMemoryNationalConnector``.
``seed`` generates deterministic synthetic FR, PT and NO patients.

Exception hierarchy (mapped to eHDSI codes only at the edge, by
:func:`ehdsi_code_for`)::

    NcpehError
     └── NationalConnectorError                    ERROR_GENERIC / ERROR_<svc>_GENERIC
          ├── InvalidRequestError                  ERROR_PI_MISSING_REQUIRED_FIELDS ...
          ├── PatientNotFoundError                 ERROR_PI_NO_MATCH
          ├── MultiplePatientsError                ERROR_PI_MULTIPLE_MATCHES
          ├── UnsupportedClassCodeError            ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN (4202)
          ├── DocumentNotFoundError                ERROR_GENERIC_DOCUMENT_MISSING
          │    ├── PatientSummaryNotFoundError     ERROR_PS_NOT_FOUND (1100)
          │    └── EPrescriptionNotFoundError      ERROR_EP_NOT_FOUND (1100)
          ├── RegistryUnavailableError             ERROR_<svc>_REGISTRY_NOT_AVAILABLE
          ├── NationalSystemError                  ERROR_<svc>_INTERNAL_ERROR
          └── DispensationError                    ERROR_ED_GENERIC
               ├── InvalidDispensationError        ERROR_ED_INCORRECT_FORMATTING
               ├── PrescriptionNotIdentifiableError ERROR_ED_EPRESCRIPTION_NOT_IDENTIFIABLE
               ├── NotDispensableError             ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION (4106)
               ├── DuplicateDispensationError      ERROR_ED_EDISPENSATION_NOT_STORED
               └── DiscardFailedError              ERROR_ED_DISCARD_FAILED
                    ├── DispensationNotFoundError
                    └── DiscardWindowExpiredError  (older than 24 h)
"""

from ncpeh.national._errors import (
    DiscardFailedError,
    DiscardWindowExpiredError,
    DispensationError,
    DispensationNotFoundError,
    DocumentNotFoundError,
    DuplicateDispensationError,
    EhdsiCode,
    EPrescriptionNotFoundError,
    InvalidDispensationError,
    InvalidRequestError,
    MultiplePatientsError,
    NationalConnectorError,
    NationalSystemError,
    NotDispensableError,
    PatientNotFoundError,
    PatientSummaryNotFoundError,
    PrescriptionNotIdentifiableError,
    RegistryUnavailableError,
    Service,
    UnsupportedClassCodeError,
    ehdsi_code_for,
    error_class_for_code,
)
from ncpeh.national._identifiers import (
    FR_INS_NIA_OID,
    FR_INS_NIR_OID,
    FR_INS_NIR_TEST_OID,
    NO_DNR_OID,
    NO_FNR_OID,
    PT_SNS_OID,
    fodselsnummer_check_digits,
    is_valid_fodselsnummer,
    is_valid_nir,
    is_valid_sns_number,
    nir_key,
)
from ncpeh.national._port import NationalConnector
from ncpeh.national._service import (
    DISCARD_WINDOW,
    LISTABLE_CLASSES,
    ContentDigest,
    check_discard_window_or_raise,
    check_idempotency_key_or_raise,
    check_listable_class_or_raise,
    check_query_or_raise,
    content_digest,
    find_patient_or_raise,
    list_documents_or_raise,
    matches_query,
    normalise_name,
    prescription_references_or_raise,
    service_for_class,
)
from ncpeh.national.models import (
    Address,
    DispensationReceipt,
    DispensationStatus,
    DocumentClass,
    DocumentFormat,
    DocumentMetadata,
    Gender,
    NationalDocument,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
    PrescriptionDetails,
)

__all__ = [
    "DISCARD_WINDOW",
    "FR_INS_NIA_OID",
    "FR_INS_NIR_OID",
    "FR_INS_NIR_TEST_OID",
    "LISTABLE_CLASSES",
    "NO_DNR_OID",
    "NO_FNR_OID",
    "PT_SNS_OID",
    "Address",
    "ContentDigest",
    "DiscardFailedError",
    "DiscardWindowExpiredError",
    "DispensationError",
    "DispensationNotFoundError",
    "DispensationReceipt",
    "DispensationStatus",
    "DocumentClass",
    "DocumentFormat",
    "DocumentMetadata",
    "DocumentNotFoundError",
    "DuplicateDispensationError",
    "EPrescriptionNotFoundError",
    "EhdsiCode",
    "Gender",
    "InvalidDispensationError",
    "InvalidRequestError",
    "MultiplePatientsError",
    "NationalConnector",
    "NationalConnectorError",
    "NationalDocument",
    "NationalSystemError",
    "NotDispensableError",
    "PatientDemographics",
    "PatientIdentifier",
    "PatientNotFoundError",
    "PatientQuery",
    "PatientSummaryNotFoundError",
    "PrescriptionDetails",
    "PrescriptionNotIdentifiableError",
    "RegistryUnavailableError",
    "Service",
    "UnsupportedClassCodeError",
    "check_discard_window_or_raise",
    "check_idempotency_key_or_raise",
    "check_listable_class_or_raise",
    "check_query_or_raise",
    "content_digest",
    "ehdsi_code_for",
    "error_class_for_code",
    "find_patient_or_raise",
    "fodselsnummer_check_digits",
    "is_valid_fodselsnummer",
    "is_valid_nir",
    "is_valid_sns_number",
    "list_documents_or_raise",
    "matches_query",
    "nir_key",
    "normalise_name",
    "prescription_references_or_raise",
    "service_for_class",
]
