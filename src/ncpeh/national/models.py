"""Pure types of the national connector: what NCPeH-A asks national systems.

No I/O and no framework here: the SQL and REST adapters and the in-memory fake
all speak these dataclasses, and the gateway maps them onto XCPD, XCA and XDR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "Address",
    "DispensationReceipt",
    "DispensationStatus",
    "DocumentClass",
    "DocumentFormat",
    "DocumentMetadata",
    "Gender",
    "NationalDocument",
    "PatientDemographics",
    "PatientIdentifier",
    "PatientQuery",
    "PrescriptionDetails",
]

_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


class Gender(StrEnum):
    """HL7 v3 AdministrativeGender, the code system XCPD and CDA headers use."""

    MALE = "M"
    FEMALE = "F"
    UNDIFFERENTIATED = "UN"


class DocumentFormat(StrEnum):
    """L3 = structured CDA body; L1 = PDF wrapped in a CDA ``nonXMLBody``."""

    L3 = "L3"
    L1 = "L1"


class DocumentClass(StrEnum):
    """LOINC class codes of the eHDSI services (ehdsi-flows.md §3)."""

    PATIENT_SUMMARY = "60591-5"
    EPRESCRIPTION = "57833-6"
    EDISPENSATION = "60593-1"
    ORCD_LABORATORY = "11502-2"
    ORCD_DISCHARGE = "34105-7"
    ORCD_IMAGING_REPORT = "18748-4"
    ORCD_IMAGES = "x-clinical-image"


class DispensationStatus(StrEnum):
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """A patient id with its assigning authority, compared as the pair.

    ``domain`` is the bare OID (no ``urn:oid:``): the CX form used in XDS
    slots and assertions is ``value^^^&domain&ISO`` (ehdsi-flows.md §4).
    """

    value: str
    domain: str

    def __post_init__(self) -> None:
        if not self.value or self.value != self.value.strip():
            raise ValueError("patient identifier value must be non-empty without outer spaces")
        if not _OID.match(self.domain):
            raise ValueError(f"assigning authority must be a bare OID, got {self.domain!r}")

    def to_cx(self) -> str:
        """The HL7 v2 CX form, e.g. ``0410009234^^^&1.2.208.176.1.2&ISO``."""
        return f"{self.value}^^^&{self.domain}&ISO"

    @classmethod
    def from_cx(cls, cx: str) -> PatientIdentifier:
        """Parse ``value^^^&oid&ISO`` (surrounding single quotes allowed, as in XDS slots)."""
        text = cx.strip()
        if len(text) >= 2 and text[0] == text[-1] == "'":
            text = text[1:-1]
        value, sep, authority = text.partition("^^^")
        parts = authority.split("&")
        if not sep or len(parts) != 3 or parts[0] or parts[2] != "ISO":
            raise ValueError("not a CX identifier of the form value^^^&oid&ISO")
        return cls(value=value, domain=parts[1])


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    #: ISO 3166-1 alpha-2
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PatientDemographics:
    """A patient as the national index knows them; the XCPD answer is built from it."""

    identifiers: tuple[PatientIdentifier, ...]
    family_name: str
    given_names: tuple[str, ...]
    birth_date: date | None
    gender: Gender | None
    birth_name: str | None = None
    #: INSEE COG code (France: a strict INS trait) or a place name
    birth_place: str | None = None
    address: Address | None = None

    def __post_init__(self) -> None:
        if not self.identifiers:
            raise ValueError("a patient has at least one identifier")

    @property
    def primary_identifier(self) -> PatientIdentifier:
        return self.identifiers[0]


@dataclass(frozen=True, slots=True)
class PatientQuery:
    """What country B asked for, per the International Search Mask.

    Identifiers select; traits (names, birth date, gender) verify. Without an
    identifier, a family name and a birth date are the least we search on.
    """

    identifiers: tuple[PatientIdentifier, ...] = ()
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    gender: Gender | None = None


@dataclass(frozen=True, slots=True)
class PrescriptionDetails:
    """CP-051 dispensing metadata listed with each ePrescription."""

    #: what an eDispensation's ``inFulfillmentOf/order/id`` refers to (``root`` or ``root^ext``)
    prescription_id: str
    dispensable: bool
    atc_code: str | None = None
    atc_display: str | None = None
    product_name: str | None = None
    dose_form: str | None = None
    strength: str | None = None
    substitution_allowed: bool | None = None


@dataclass(frozen=True, slots=True)
class DocumentMetadata:
    """XDS-style metadata of one national document (an ITI-38 list entry).

    ``sha1`` feeds XDS ``DocumentEntry.hash`` (SHA-1 by the IHE profile);
    ``sha256`` is the digest we check content against.
    """

    document_id: str
    repository_id: str
    patient: PatientIdentifier
    class_code: str
    format: DocumentFormat
    title: str
    created: datetime
    language: str
    mime_type: str
    size: int
    sha256: str
    sha1: str
    #: the other half of the L3/L1 pair (XDS association XFRM)
    related_document_id: str | None = None
    prescription: PrescriptionDetails | None = None


@dataclass(frozen=True, slots=True)
class NationalDocument:
    """A friendly (national codes, national language) document and its metadata."""

    metadata: DocumentMetadata
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class DispensationReceipt:
    """What the national system answers for a stored eDispensation.

    Returned again, unchanged, when the same key and bytes are submitted again.
    """

    dispensation_id: str
    idempotency_key: str
    patient: PatientIdentifier
    prescription_ids: tuple[str, ...]
    received_at: datetime
    sha256: str
    status: DispensationStatus
