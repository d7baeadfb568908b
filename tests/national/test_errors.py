"""One table maps connector failures to eHDSI codes, per transaction."""

from __future__ import annotations

import pytest

import ncpeh.national as national
from ncpeh.national import (
    DiscardWindowExpiredError,
    DispensationNotFoundError,
    DocumentNotFoundError,
    DuplicateDispensationError,
    EPrescriptionNotFoundError,
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

S = Service


@pytest.mark.parametrize(
    ("exc", "service", "code", "legacy"),
    [
        (PatientNotFoundError("x"), S.IDENTIFICATION, "ERROR_PI_NO_MATCH", None),
        (MultiplePatientsError("x"), S.IDENTIFICATION, "ERROR_PI_MULTIPLE_MATCHES", None),
        (InvalidRequestError("x"), S.IDENTIFICATION, "ERROR_PI_MISSING_REQUIRED_FIELDS", None),
        (PatientSummaryNotFoundError("x"), None, "ERROR_PS_NOT_FOUND", "1100"),
        (EPrescriptionNotFoundError("x"), None, "ERROR_EP_NOT_FOUND", "1100"),
        (DocumentNotFoundError("x"), None, "ERROR_GENERIC_DOCUMENT_MISSING", None),
        (PatientNotFoundError("x"), S.PATIENT_SUMMARY, "ERROR_PS_NOT_FOUND", "1100"),
        (RegistryUnavailableError("x"), S.IDENTIFICATION, "ERROR_PI_REGISTRY_NOT_AVAILABLE", None),
        (RegistryUnavailableError("x"), S.PATIENT_SUMMARY, "ERROR_PS_REGISTRY_NOT_AVAILABLE", None),
        (RegistryUnavailableError("x"), S.EPRESCRIPTION, "ERROR_EP_REGISTRY_NOT_AVAILABLE", "4103"),
        (RegistryUnavailableError("x"), S.DISPENSATION, "ERROR_ED_REGISTRY_NOT_AVAILABLE", None),
        (RegistryUnavailableError("x"), S.DISCARD, "ERROR_ED_DISCARD_SERVICE_NOT_AVAILABLE", None),
        (NationalSystemError("x"), S.PATIENT_SUMMARY, "ERROR_PS_INTERNAL_ERROR", "4104"),
        (UnsupportedClassCodeError("x"), None, "ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN", "4202"),
        (NotDispensableError("x"), None, "ERROR_ED_NOT_DISPENSABLE_EPRESCRIPTION", "4106"),
        (
            PrescriptionNotIdentifiableError("x"),
            None,
            "ERROR_ED_EPRESCRIPTION_NOT_IDENTIFIABLE",
            "4105",
        ),
        (DuplicateDispensationError("x"), None, "ERROR_ED_EDISPENSATION_NOT_STORED", None),
        (DiscardWindowExpiredError("x"), None, "ERROR_ED_DISCARD_FAILED", None),
        (DispensationNotFoundError("x"), None, "ERROR_ED_DISCARD_FAILED", None),
        (NationalConnectorError("x"), None, "ERROR_GENERIC", None),
        (NationalConnectorError("x"), S.EPRESCRIPTION, "ERROR_EP_GENERIC", None),
    ],
)
def test_codes(
    exc: NationalConnectorError, service: Service | None, code: str, legacy: str | None
) -> None:
    answer = ehdsi_code_for(exc, service=service)
    assert (answer.code, answer.legacy_code) == (code, legacy)


def test_the_raiser_s_service_is_used_by_default() -> None:
    exc = RegistryUnavailableError("down", service=Service.EPRESCRIPTION)
    assert ehdsi_code_for(exc).code == "ERROR_EP_REGISTRY_NOT_AVAILABLE"
    assert ehdsi_code_for(exc, service=Service.IDENTIFICATION).code == (
        "ERROR_PI_REGISTRY_NOT_AVAILABLE"
    )
    assert ehdsi_code_for(DuplicateDispensationError("x")).ihe_code == "XDSNonIdenticalHash"


def _classes() -> list[type[NationalConnectorError]]:
    return [
        v
        for v in vars(national).values()
        if isinstance(v, type) and issubclass(v, NationalConnectorError)
    ]


def test_every_error_has_a_unique_code_that_maps_back() -> None:
    codes = [cls.code for cls in _classes()]
    assert len(codes) == len(set(codes))
    for cls in _classes():
        assert cls.code.startswith("national.")
        assert error_class_for_code(cls.code) is cls
        assert ehdsi_code_for(cls("x")).code  # every class has a row or an ancestor's
    assert error_class_for_code("national.nonsense") is None


def test_messages_are_one_line() -> None:
    assert str(PatientNotFoundError("no\n  patient")) == "no patient"
