"""The port NCPeH-A uses to reach national systems (ehdsi-flows.md §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from ncpeh.national.models import (
    DispensationReceipt,
    DocumentMetadata,
    NationalDocument,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
)

__all__ = ["NationalConnector"]


@runtime_checkable
class NationalConnector(Protocol):
    """What NCPeH-A needs from a country's national systems.

    One method per OpenNCP national-connector operation family: patient search
    (XCPD), document search and retrieval (XCA), dispensation submit and
    discard (XDR). Implementations: :class:`~ncpeh.national.adapters.sql.SqlNationalConnector`
    (demo store), :class:`~ncpeh.national.adapters.rest.RestNationalConnector`
    (a country's own system over HTTP) and
    :class:`~ncpeh.national.testing.InMemoryNationalConnector` (tests, demo).

    Failures are :class:`~ncpeh.national.NationalConnectorError` subclasses;
    the gateway maps them with :func:`~ncpeh.national.ehdsi_code_for`.
    """

    def find_patients(self, query: PatientQuery) -> list[PatientDemographics]:
        """Every patient carrying a queried identifier and agreeing with the given traits.

        An empty list is a normal answer (the gateway turns it into
        ERROR_PI_NO_MATCH); so are several (ERROR_PI_MULTIPLE_MATCHES).

        Raises:
            InvalidRequestError: neither an identifier nor family name + birth date.
            RegistryUnavailableError: the patient index did not answer.
        """
        ...

    def list_documents(self, patient: PatientIdentifier, class_code: str) -> list[DocumentMetadata]:
        """Metadata of the patient's documents of one class, newest first.

        Raises:
            UnsupportedClassCodeError: not PS, eP or an OrCD class.
            PatientNotFoundError: the identifier is unknown.
            RegistryUnavailableError: the registry did not answer.
        """
        ...

    def retrieve_document(
        self, document_id: str, *, patient: PatientIdentifier | None = None
    ) -> NationalDocument:
        """One friendly document with its bytes.

        Args:
            document_id: the XDS ``uniqueId`` from :meth:`list_documents`.
            patient: when given (the TRC patient), the document must belong to
                them; otherwise it is "not found", never someone else's.

        Raises:
            DocumentNotFoundError: unknown id, or not this patient's.
        """
        ...

    def submit_dispensation(
        self, patient: PatientIdentifier, document: bytes, *, idempotency_key: str
    ) -> DispensationReceipt:
        """Store an eDispensation (already in the national language) atomically.

        Idempotent: the same key with the same bytes returns the first receipt;
        the same key with other bytes (or another patient) raises
        :class:`DuplicateDispensationError`. Storing the eD and marking its
        prescription dispensed happen in one transaction, or not at all.

        Raises:
            InvalidDispensationError, PrescriptionNotIdentifiableError,
            NotDispensableError, DuplicateDispensationError, PatientNotFoundError.
        """
        ...

    def cancel_dispensation(
        self, patient: PatientIdentifier, dispensation_id: str, *, now: datetime
    ) -> None:
        """Discard a dispensation received at most 24 h before ``now``.

        Cancelling an already cancelled dispensation does nothing (retries are
        safe). The prescription becomes dispensable again.

        Raises:
            DispensationNotFoundError: unknown id, or not this patient's.
            DiscardWindowExpiredError: more than 24 h old (ERROR_ED_DISCARD_FAILED).
        """
        ...
