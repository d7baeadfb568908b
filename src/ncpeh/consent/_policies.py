"""The three consent policies and the ports they use.

OpenNCP's default consent hook "always return[s] TRUE" (trust-security.md §3).
Ours cannot: there is no allow-all policy, every refusal carries the eHDSI code
to answer, and EMERGENCY overrides a refusal only when the deployment says so
(a constructor option, off by default), and is then flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from ncpeh.consent._errors import ConsentError
from ncpeh.consent.models import (
    DISCARD_CLASS,
    ConsentChoice,
    ConsentDecision,
    ConsentRecord,
    PolicyKind,
    PurposeOfUse,
)
from ncpeh.national.models import DocumentClass, PatientIdentifier

__all__ = [
    "ConsentPolicy",
    "ConsentStore",
    "OptInRegistryPolicy",
    "OptOutRegistryPolicy",
    "PointOfCareConsentPolicy",
    "refusal_codes",
]

_NO_CONSENT = "4701"


@runtime_checkable
class ConsentStore(Protocol):
    """Where consent records live (``consent_records`` table, or memory in tests)."""

    def records_for(
        self, patient: PatientIdentifier, *, kind: PolicyKind
    ) -> Sequence[ConsentRecord]:
        """Every record of ``kind`` for the patient; empty when none or unknown patient."""
        ...

    def add(self, record: ConsentRecord) -> None:
        """Record a decision.

        Raises:
            UnknownConsentPatientError: the patient is not in the national index.
        """
        ...


@runtime_checkable
class ConsentPolicy(Protocol):
    """Decides whether data about a patient may go to a requesting country.

    NCPeH-A calls it before answering XCPD and before every XCA and XDR
    transaction. ``document_class`` is ``None`` for identification.
    """

    kind: PolicyKind

    def decide(
        self,
        patient: PatientIdentifier,
        *,
        requesting_country: str,
        document_class: str | None,
        purpose_of_use: PurposeOfUse,
        now: datetime,
        point_of_care_consent: bool = False,
    ) -> ConsentDecision:
        """Grant or refuse, with the eHDSI code to answer on refusal.

        Raises:
            ConsentError: the consent store failed; the caller must refuse.
        """
        ...


def refusal_codes(document_class: str | None) -> tuple[str, str | None]:
    """(eHDSI code, legacy code) for "no consent" in this transaction.

    OrCD has no dedicated code in OpenNCPErrorCode; ``ERROR_ORCD_GENERIC``
    with the legacy ``4701`` is our reading **[inferred]**.
    """
    if document_class is None:
        return "WARNING_PI_NO_CONSENT", None
    if document_class == DocumentClass.PATIENT_SUMMARY:
        return "ERROR_PS_NO_CONSENT", _NO_CONSENT
    if document_class == DocumentClass.EPRESCRIPTION:
        return "ERROR_EP_NO_CONSENT", _NO_CONSENT
    if document_class in (DocumentClass.EDISPENSATION, DISCARD_CLASS):
        return "ERROR_ED_NO_CONSENT", _NO_CONSENT
    return "ERROR_ORCD_GENERIC", _NO_CONSENT


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")


def _latest(
    records: Sequence[ConsentRecord],
    *,
    requesting_country: str,
    document_class: str | None,
    now: datetime,
) -> ConsentRecord | None:
    applicable = [
        r
        for r in records
        if r.applies_to(
            requesting_country=requesting_country, document_class=document_class, now=now
        )
    ]
    if not applicable:
        return None
    # The patient's latest word counts; on a tie, refusal wins.
    return max(applicable, key=lambda r: (r.recorded_at, r.choice is ConsentChoice.REFUSED))


class _RegistryPolicy:
    kind: PolicyKind
    _default_granted: bool

    def __init__(self, store: ConsentStore, *, emergency_overrides_refusal: bool = False) -> None:
        self._store = store
        self._emergency = emergency_overrides_refusal

    def decide(
        self,
        patient: PatientIdentifier,
        *,
        requesting_country: str,
        document_class: str | None,
        purpose_of_use: PurposeOfUse,
        now: datetime,
        point_of_care_consent: bool = False,  # noqa: ARG002 - registries ignore it by design
    ) -> ConsentDecision:
        _require_aware(now)
        records = self._store.records_for(patient, kind=self.kind)
        record = _latest(
            records, requesting_country=requesting_country, document_class=document_class, now=now
        )
        if record is not None:
            granted = record.choice is ConsentChoice.GRANTED
            reason = f"{self.kind.value} registry: patient {record.choice.value} consent"
        else:
            granted = self._default_granted
            reason = (
                f"{self.kind.value} registry: no applicable record, "
                f"{'granted' if granted else 'refused'} by default"
            )
        return _conclude(
            granted,
            reason,
            record,
            document_class=document_class,
            purpose_of_use=purpose_of_use,
            emergency=self._emergency,
        )


class OptInRegistryPolicy(_RegistryPolicy):
    """Refused unless the registry holds an applicable grant.

    Args:
        store: the consent records.
        emergency_overrides_refusal: let EMERGENCY purpose of use through a
            refusal (national law must say so; EHDS Art. 10 vital interest).
    """

    kind = PolicyKind.OPT_IN
    _default_granted = False


class OptOutRegistryPolicy(_RegistryPolicy):
    """Granted unless the registry holds an applicable refusal (DK's ``checkOptOut``).

    Args:
        store: the consent records.
        emergency_overrides_refusal: let EMERGENCY purpose of use through a refusal.
    """

    kind = PolicyKind.OPT_OUT
    _default_granted = True


class PointOfCareConsentPolicy:
    """Granted only when the request carries the patient's consent, given at the point of care.

    Each granted request is recorded (kind ``point-of-care``) as evidence that
    the consent was asserted, by whom (the requesting country) and for what.
    Records never grant a later request on their own: the flag must come with
    every request.

    Args:
        store: where the evidence is recorded.
        emergency_overrides_refusal: let EMERGENCY purpose of use through
            without the flag (for an unconscious patient).
        evidence_validity: validity written on the evidence record; two hours,
            the TRC lifetime, by default.
    """

    kind = PolicyKind.POINT_OF_CARE

    def __init__(
        self,
        store: ConsentStore,
        *,
        emergency_overrides_refusal: bool = False,
        evidence_validity: timedelta = timedelta(hours=2),
    ) -> None:
        self._store = store
        self._emergency = emergency_overrides_refusal
        self._validity = evidence_validity

    def decide(
        self,
        patient: PatientIdentifier,
        *,
        requesting_country: str,
        document_class: str | None,
        purpose_of_use: PurposeOfUse,
        now: datetime,
        point_of_care_consent: bool = False,
    ) -> ConsentDecision:
        _require_aware(now)
        emergency = self._emergency
        if not point_of_care_consent:
            reason = "point of care: request carries no consent"
        else:
            record = ConsentRecord(
                patient=patient,
                kind=self.kind,
                choice=ConsentChoice.GRANTED,
                valid_from=now,
                valid_until=now + self._validity,
                recorded_at=now,
                countries=frozenset({requesting_country.upper()}),
                document_classes=None if document_class is None else frozenset({document_class}),
                source=f"point-of-care:{requesting_country.upper()}",
            )
            try:
                self._store.add(record)
            except ConsentError as exc:
                reason = f"point of care: consent not recordable ({exc.code})"
                emergency = False  # a store failure is never overridden
            else:
                return ConsentDecision(
                    granted=True, reason="point of care: consent given and recorded", record=record
                )
        return _conclude(
            False,
            reason,
            None,
            document_class=document_class,
            purpose_of_use=purpose_of_use,
            emergency=emergency,
        )


def _conclude(
    granted: bool,
    reason: str,
    record: ConsentRecord | None,
    *,
    document_class: str | None,
    purpose_of_use: PurposeOfUse,
    emergency: bool,
) -> ConsentDecision:
    if granted:
        return ConsentDecision(granted=True, reason=reason, record=record)
    if emergency and purpose_of_use is PurposeOfUse.EMERGENCY:
        return ConsentDecision(
            granted=True,
            reason=f"{reason}; EMERGENCY override",
            emergency_override=True,
            record=record,
        )
    code, legacy = refusal_codes(document_class)
    return ConsentDecision(
        granted=False, reason=reason, error_code=code, legacy_code=legacy, record=record
    )
