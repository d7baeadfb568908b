"""Typed view model of an eHDSI document, for display and APIs.

The XML stays the source of truth (the engine edits it in place); this model is
extracted from it for reading. Every coded value keeps its chain of codings:
the term shown to the reader first, then the pivot and national originals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

__all__ = [
    "Address",
    "Author",
    "CodeStatus",
    "CodedValue",
    "Coding",
    "DocumentView",
    "Entry",
    "EntryField",
    "FieldValue",
    "Identifier",
    "PatientView",
    "Quantity",
    "Section",
    "SectionKind",
    "SectionState",
    "TimeValue",
]


class CodeStatus(StrEnum):
    """What happened to a coded element, as the reader must be told."""

    TRANSLATED = "translated"  # term in the reader's language, original kept
    UNTRANSLATED = "untranslated"  # no designation in the reader's language: English shown
    UNMAPPED = "unmapped"  # country A had no MVC code (nullFlavor OTH / missing map)
    TRANSCODED = "transcoded"  # national code replaced by its MVC code (country A)
    ORIGINAL = "original"  # not processed (pivot code kept as is, or not a coded element)
    NO_INFORMATION = "no-information"  # nullFlavor without a code


@dataclass(frozen=True, slots=True)
class Coding:
    """One coding as written in the document (outer element or a ``translation``)."""

    code: str | None
    system: str | None
    system_name: str | None = None
    system_version: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True)
class CodedValue:
    """A coded element: ``display`` is what the reader sees; ``originals`` the chain.

    ``originals`` lists the nested ``translation`` codings outermost first: after
    translation by country B, the first is the English pivot coding and the next
    the national coding country A kept.
    """

    coding: Coding
    status: CodeStatus
    display: str | None
    display_language: str | None = None
    originals: tuple[Coding, ...] = ()
    null_flavor: str | None = None
    original_text: str | None = None
    #: name of the coded-element table rule, e.g. ``allergy-agent``; None when unlisted
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Quantity:
    value: str | None
    unit: str | None = None
    low: str | None = None
    high: str | None = None
    null_flavor: str | None = None


@dataclass(frozen=True, slots=True)
class TimeValue:
    """A CDA time (TS, IVL_TS, PIVL_TS, EIVL_TS) kept at its given precision."""

    value: date | datetime | None = None
    low: date | datetime | None = None
    high: date | datetime | None = None
    #: frequency for PIVL_TS, e.g. ("8", "h"); event code for EIVL_TS lives in a CodedValue
    period: tuple[str, str] | None = None
    null_flavor: str | None = None
    raw: str | None = None


FieldValue = CodedValue | Quantity | TimeValue | str


@dataclass(frozen=True, slots=True)
class EntryField:
    """A labelled value of an entry. ``label`` is a UI label key (gettext msgid)."""

    label: str
    value: FieldValue
    #: the value's text is in the document's original language (never translated)
    original_language: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One clinical statement: the headline concept plus labelled details."""

    kind: str  # e.g. "allergy", "medication", "problem"
    headline: CodedValue | str | None
    fields: tuple[EntryField, ...] = ()
    #: "known-absent" when the entry states a known absence (IPS absent/unknown code)
    absence: str | None = None


class SectionKind(StrEnum):
    ALLERGIES = "allergies"
    RESULTS = "results"
    ACTIVE_PROBLEMS = "active-problems"
    MEDICATION_SUMMARY = "medication-summary"
    MEDICAL_DEVICES = "medical-devices"
    PROCEDURES = "procedures"
    PAST_ILLNESS = "past-illness"
    IMMUNIZATIONS = "immunizations"
    PLAN_OF_CARE = "plan-of-care"
    FUNCTIONAL_STATUS = "functional-status"
    SOCIAL_HISTORY = "social-history"
    PREGNANCY = "pregnancy"
    VITAL_SIGNS = "vital-signs"
    ADVANCE_DIRECTIVES = "advance-directives"
    PRESCRIPTIONS = "prescriptions"
    DISPENSED = "dispensed"
    OTHER = "other"


class SectionState(StrEnum):
    ENTRIES = "entries"  # has clinical entries
    KNOWN_ABSENT = "known-absent"  # e.g. no-known-allergies
    NO_INFORMATION = "no-information"
    NARRATIVE_ONLY = "narrative-only"


@dataclass(frozen=True, slots=True)
class Section:
    kind: SectionKind
    code: CodedValue | None
    title: str | None  # as written in the document, original language
    state: SectionState
    entries: tuple[Entry, ...] = ()
    #: the narrative block converted to a safe, minimal HTML fragment (original language)
    narrative_html: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    root: str | None
    extension: str | None
    authority: str | None = None


@dataclass(frozen=True, slots=True)
class Address:
    lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PatientView:
    given: tuple[str, ...]
    family: tuple[str, ...]
    birth_date: date | None
    gender: CodedValue | None
    identifiers: tuple[Identifier, ...] = ()
    address: Address | None = None
    languages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Author:
    name: str | None
    organization: str | None = None
    function: CodedValue | None = None
    time: TimeValue | None = None


@dataclass(frozen=True, slots=True)
class DocumentView:
    """Everything the portal, API and renderer show of one document."""

    document_type: str  # DocumentType value
    level: int
    document_id: Identifier | None
    title: str | None
    code: CodedValue | None
    effective_time: TimeValue | None
    language: str | None  # ClinicalDocument/languageCode (narrative language)
    display_language: str  # the reader's language the coded terms were translated to
    source_country: str | None
    patient: PatientView | None
    authors: tuple[Author, ...] = ()
    custodian: str | None = None
    confidentiality: CodedValue | None = None
    sections: tuple[Section, ...] = ()
    #: L1 documents: media type and size of the embedded non-XML body (never decoded here)
    non_xml_body: tuple[str, int] | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
