"""In-memory consent store, for tests and demo mode (house style rule 2)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from ncpeh.consent._errors import ConsentStoreUnavailableError, UnknownConsentPatientError
from ncpeh.consent.models import ConsentRecord, PolicyKind
from ncpeh.national.models import PatientIdentifier

__all__ = ["InMemoryConsentStore"]


class InMemoryConsentStore:
    """A :class:`~ncpeh.consent.ConsentStore` in a list.

    Args:
        records: initial records.
        known_patients: when given, :meth:`add` refuses other patients, like
            the SQL store refuses patients absent from the national index.
    """

    def __init__(
        self,
        records: Iterable[ConsentRecord] = (),
        *,
        known_patients: Iterable[PatientIdentifier] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._records = list(records)
        self._known = None if known_patients is None else set(known_patients)
        #: set to ``False`` to make every call raise :class:`ConsentStoreUnavailableError`
        self.available = True

    @property
    def records(self) -> tuple[ConsentRecord, ...]:
        with self._lock:
            return tuple(self._records)

    def records_for(
        self, patient: PatientIdentifier, *, kind: PolicyKind
    ) -> Sequence[ConsentRecord]:
        self._check()
        with self._lock:
            return [r for r in self._records if r.patient == patient and r.kind is kind]

    def add(self, record: ConsentRecord) -> None:
        self._check()
        if self._known is not None and record.patient not in self._known:
            raise UnknownConsentPatientError("consent for a patient unknown to the national index")
        with self._lock:
            self._records.append(record)

    def _check(self) -> None:
        if not self.available:
            raise ConsentStoreUnavailableError("consent store unavailable (fake)")
