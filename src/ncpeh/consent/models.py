"""Pure types of consent: what a patient decided, and what a policy concluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ncpeh.national.models import DocumentClass, PatientIdentifier

__all__ = [
    "DISCARD_CLASS",
    "ConsentChoice",
    "ConsentDecision",
    "ConsentRecord",
    "PolicyKind",
    "PurposeOfUse",
]

#: OpenNCP's internal class for an eDispensation discard; consent-wise it is eD.
DISCARD_CLASS = "DISCARD-60593-1"


class PolicyKind(StrEnum):
    """How country A's law has patients express consent (trust-security.md §6)."""

    #: nothing leaves unless the patient registered a grant
    OPT_IN = "opt-in"
    #: everything may leave unless the patient registered a refusal
    OPT_OUT = "opt-out"
    #: the patient consents at the point of care, per request (e.g. Cyprus' OTP)
    POINT_OF_CARE = "point-of-care"


class ConsentChoice(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class PurposeOfUse(StrEnum):
    """eHDSI XSPA purpose of use carried in the HCP assertion and the TRC."""

    TREATMENT = "TREATMENT"
    EMERGENCY = "EMERGENCY"


def _consent_class(document_class: str) -> str:
    return DocumentClass.EDISPENSATION.value if document_class == DISCARD_CLASS else document_class


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One decision of a patient, scoped by country, document class and time.

    Attributes:
        patient: the patient, by identifier.
        kind: which registry (policy kind) the record belongs to.
        choice: granted or refused.
        valid_from: start of validity (inclusive, aware).
        recorded_at: when it was recorded; the latest applicable record wins.
        valid_until: end of validity (exclusive), ``None`` for open-ended.
        countries: ISO 3166-1 alpha-2 codes of requesting countries, ``None`` = any.
        document_classes: LOINC class codes, ``None`` = any.
        source: who recorded it (registry, ``point-of-care:FR``); never a name.
    """

    patient: PatientIdentifier
    kind: PolicyKind
    choice: ConsentChoice
    valid_from: datetime
    recorded_at: datetime
    valid_until: datetime | None = None
    countries: frozenset[str] | None = None
    document_classes: frozenset[str] | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        for name in ("valid_from", "recorded_at", "valid_until"):
            value: datetime | None = getattr(self, name)
            if value is not None and (value.tzinfo is None or value.utcoffset() is None):
                raise ValueError(f"{name} must be an aware datetime")
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        if self.countries is not None:
            object.__setattr__(self, "countries", frozenset(c.upper() for c in self.countries))

    def applies_to(
        self, *, requesting_country: str, document_class: str | None, now: datetime
    ) -> bool:
        """Whether this record speaks about this request.

        For identification (``document_class is None``) a grant of any class
        counts (identifying the patient is the first step of reaching the
        granted class), but a refusal counts only when it covers every class:
        a patient who refused eP sharing can still be identified for their PS.
        """
        if now < self.valid_from or (self.valid_until is not None and now >= self.valid_until):
            return False
        if self.countries is not None and requesting_country.upper() not in self.countries:
            return False
        if document_class is None:
            return self.document_classes is None or self.choice is ConsentChoice.GRANTED
        if self.document_classes is None:
            return True
        return _consent_class(document_class) in {_consent_class(c) for c in self.document_classes}


@dataclass(frozen=True, slots=True)
class ConsentDecision:
    """The answer of a :class:`~ncpeh.consent.ConsentPolicy`.

    Attributes:
        granted: whether the data may leave.
        reason: one line for the audit trail (no identifiers).
        error_code: eHDSI code to answer when refused (``None`` when granted):
            ``WARNING_PI_NO_CONSENT`` for identification, ``ERROR_PS_NO_CONSENT``,
            ``ERROR_EP_NO_CONSENT`` or ``ERROR_ED_NO_CONSENT`` for documents.
        legacy_code: epSOS numeric code sent beside it (``4701``) for documents.
        emergency_override: granted only because of EMERGENCY purpose of use
            overriding a refusal (break-glass: flag it in audit, review it).
        record: the consent record that decided, if any.
    """

    granted: bool
    reason: str
    error_code: str | None = None
    legacy_code: str | None = None
    emergency_override: bool = False
    record: ConsentRecord | None = None
