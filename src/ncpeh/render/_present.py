"""Turn a :class:`DocumentView` into a flat, pre-formatted page model for the template.

Everything that depends on the reader's language (labels, dates, countries,
languages, units) is resolved here once, in Python, so the template only loops
over ready strings: no per-entry template lookups, no logic in markup. Clinical
terms are taken as they are in the view (from the document or the catalogue);
only UI labels go through gettext.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources

import orjson
from babel import Locale
from babel.dates import format_date, format_time
from babel.units import format_unit
from markupsafe import Markup

from ncpeh.documents.models import (
    CodedValue,
    CodeStatus,
    Coding,
    DocumentView,
    Entry,
    FieldValue,
    Quantity,
    Section,
    SectionKind,
    SectionState,
    TimeValue,
)
from ncpeh.render._i18n import N_, babel_locale, base_language

__all__ = ["Page", "Row", "SectionBlock", "Term", "build_page", "section_label"]

Gettext = Callable[[str], str]

#: eHDSI display order (documents.md §1.8): allergies first, then the fixed order.
SECTION_ORDER: tuple[SectionKind, ...] = (
    SectionKind.ALLERGIES,
    SectionKind.PRESCRIPTIONS,
    SectionKind.DISPENSED,
    SectionKind.RESULTS,
    SectionKind.ACTIVE_PROBLEMS,
    SectionKind.MEDICATION_SUMMARY,
    SectionKind.MEDICAL_DEVICES,
    SectionKind.PROCEDURES,
    SectionKind.PAST_ILLNESS,
    SectionKind.IMMUNIZATIONS,
    SectionKind.PLAN_OF_CARE,
    SectionKind.FUNCTIONAL_STATUS,
    SectionKind.SOCIAL_HISTORY,
    SectionKind.PREGNANCY,
    SectionKind.VITAL_SIGNS,
    SectionKind.ADVANCE_DIRECTIVES,
    SectionKind.OTHER,
)
_RANK = {kind: i for i, kind in enumerate(SECTION_ORDER)}

_SECTION_LABELS: dict[SectionKind, tuple[str, str]] = {
    # kind: (section heading, headline column header)
    SectionKind.ALLERGIES: (N_("Allergies and intolerances"), N_("Agent")),
    SectionKind.RESULTS: (N_("Results"), N_("Test")),
    SectionKind.ACTIVE_PROBLEMS: (N_("Active problems"), N_("Problem")),
    SectionKind.MEDICATION_SUMMARY: (N_("Medication summary"), N_("Medicinal product")),
    SectionKind.MEDICAL_DEVICES: (N_("Medical devices"), N_("Device")),
    SectionKind.PROCEDURES: (N_("History of procedures"), N_("Procedure")),
    SectionKind.PAST_ILLNESS: (N_("History of past illness"), N_("Problem")),
    SectionKind.IMMUNIZATIONS: (N_("Immunisations"), N_("Vaccine")),
    SectionKind.PLAN_OF_CARE: (N_("Plan of care"), N_("Planned care")),
    SectionKind.FUNCTIONAL_STATUS: (N_("Functional status"), N_("Assessment")),
    SectionKind.SOCIAL_HISTORY: (N_("Social history"), N_("Observation")),
    SectionKind.PREGNANCY: (N_("History of pregnancies"), N_("Observation")),
    SectionKind.VITAL_SIGNS: (N_("Vital signs"), N_("Measurement")),
    SectionKind.ADVANCE_DIRECTIVES: (N_("Advance directives"), N_("Directive")),
    SectionKind.PRESCRIPTIONS: (N_("Prescriptions"), N_("Prescribed product")),
    SectionKind.DISPENSED: (N_("Medication dispensed"), N_("Dispensed product")),
    SectionKind.OTHER: (N_("Other section"), N_("Item")),
}

_DOCUMENT_LABELS = {
    "PS": N_("Patient Summary"),
    "EP": N_("ePrescription"),
    "ED": N_("eDispensation"),
    "MRO": N_("Medication-related overview"),
    "ORCD": N_("Original clinical document"),
}
_UNKNOWN_DOCUMENT = N_("Clinical document")

#: UCUM time units of PIVL_TS periods -> CLDR duration units (Babel).
_DURATIONS = {
    "s": "duration-second",
    "min": "duration-minute",
    "h": "duration-hour",
    "d": "duration-day",
    "wk": "duration-week",
    "mo": "duration-month",
    "a": "duration-year",
}


@lru_cache(maxsize=1)
def _system_names() -> dict[str, str]:
    """Code system OID -> short name, from the terminology package's table."""
    try:
        raw = resources.files("ncpeh.terminology").joinpath("data/systems.json").read_bytes()
        return {str(s["oid"]): str(s["name"]) for s in orjson.loads(raw)["systems"]}
    except (OSError, KeyError, TypeError, ValueError):
        return {}


@dataclass(frozen=True, slots=True)
class Term:
    """One displayable value, already formatted for the reader.

    ``status`` is one of ``translated``, ``untranslated``, ``unmapped``,
    ``no-information``, ``known-absent`` or None; ``originals`` are the original
    terms (text, lang) shown beside a translated term.
    """

    text: str
    lang: str | None = None
    status: str | None = None
    originals: tuple[tuple[str, str | None], ...] = ()
    system: str | None = None
    code: str | None = None
    missing: bool = False
    original_language: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    headline: Term
    fields: tuple[tuple[str, Term], ...]
    absence: str | None


@dataclass(frozen=True, slots=True)
class SectionBlock:
    anchor: str
    kind: str
    heading: str
    original_title: str | None
    state: str
    headline_label: str
    rows: tuple[Row, ...]
    narrative: Markup | None


@dataclass(frozen=True, slots=True)
class Identity:
    value: str
    authority: str | None


@dataclass(frozen=True, slots=True)
class Page:
    lang: str
    title: str
    document_label: str
    original_title: str | None
    patient_name: str
    birth: str | None
    age: str | None
    sex: Term | None
    identifiers: tuple[Identity, ...]
    source_country: str | None
    source_language: str | None
    display_language: str
    document_date: str | None
    author_organization: str | None
    document_id: str | None
    allergies: tuple[Term, ...]
    allergy_state: str | None
    sections: tuple[SectionBlock, ...]
    non_xml_body: str | None
    warnings: tuple[str, ...]
    footer: str
    doc_lang: str | None


class _Formatter:
    """Locale-bound formatting of dates, quantities, coded values and fields."""

    def __init__(self, gettext: Gettext, locale: Locale, page_lang: str, doc_lang: str | None):
        self._ = gettext
        self.locale = locale
        self.page_lang = page_lang
        self.doc_lang = doc_lang
        self.not_known = gettext("Not known")
        self.systems = _system_names()

    # -- dates ----------------------------------------------------------------------
    def ts(self, value: date | datetime | None, raw: str | None = None) -> str | None:
        """A date at its written precision, month always in letters (``07 mars 2024``)."""
        if value is None:
            return None
        digits = len(raw.split(".")[0].split("+")[0].split("-")[0]) if raw else 8
        day = value.date() if isinstance(value, datetime) else value
        if digits <= 4:
            return format_date(day, "y", locale=self.locale)
        if digits <= 6:
            return format_date(day, "MMM y", locale=self.locale)
        text = format_date(day, "dd MMM y", locale=self.locale)
        if isinstance(value, datetime) and digits > 8:
            text += " " + format_time(value.time(), "HH:mm", locale=self.locale)
        return text

    def time(self, tv: TimeValue) -> str | None:
        low_raw = high_raw = tv.raw
        if tv.raw and "/" in tv.raw:
            low_raw, _, high_raw = tv.raw.partition("/")
        if tv.period is not None:
            value, unit = tv.period
            interval = self.duration(value, unit)
            return self._("every %(interval)s") % {"interval": interval}
        if tv.value is not None:
            return self.ts(tv.value, tv.raw)
        low = self.ts(tv.low, low_raw)
        high = self.ts(tv.high, high_raw)
        if low and high:
            return f"{low} – {high}"
        if low:
            return self._("from %(date)s") % {"date": low}
        if high:
            return self._("until %(date)s") % {"date": high}
        return None

    def duration(self, value: str, unit: str) -> str:
        cldr = _DURATIONS.get(unit)
        if cldr is not None:
            try:
                number = float(value) if "." in value else int(value)
                return format_unit(number, cldr, length="long", locale=self.locale)
            except (ValueError, KeyError):
                pass
        return f"{value} {unit}".strip()

    # -- values ---------------------------------------------------------------------
    @staticmethod
    def _unit(unit: str | None) -> str:
        return "" if unit in (None, "", "1") else f" {unit}"

    def quantity(self, q: Quantity) -> str | None:
        if q.value is not None:
            return f"{q.value}{self._unit(q.unit)}"
        if q.low is not None and q.high is not None:
            return f"{q.low}–{q.high}{self._unit(q.unit)}"
        if q.low is not None:
            return f"≥ {q.low}{self._unit(q.unit)}"
        if q.high is not None:
            return f"≤ {q.high}{self._unit(q.unit)}"
        return None

    def _lang(self, tag: str | None) -> str | None:
        """``lang`` attribute for text in ``tag``, when it differs from the page's."""
        if not tag or base_language(tag) == base_language(self.page_lang):
            return None
        return tag

    def system_name(self, coding: Coding) -> str | None:
        if coding.system_name:
            return coding.system_name
        if coding.system is None:
            return None
        return self.systems.get(coding.system, coding.system)

    def coded(self, cv: CodedValue, absence: str | None = None) -> Term:
        status: str | None = {
            CodeStatus.TRANSLATED: "translated",
            CodeStatus.UNTRANSLATED: "untranslated",
            CodeStatus.UNMAPPED: "unmapped",
            CodeStatus.NO_INFORMATION: "no-information",
        }.get(cv.status)
        if absence is not None:
            status = absence
        code_source = cv.coding
        if cv.coding.code is None:
            code_source = next((o for o in cv.originals if o.code), cv.coding)
        text = cv.display
        missing = False
        lang = self._lang(cv.display_language)
        if not text:
            if code_source.code:
                text = code_source.code
            else:
                text, missing, lang = self.not_known, True, None
        originals: list[tuple[str, str | None]] = []
        seen = {text.casefold()}
        last = len(cv.originals) - 1
        for i, original in enumerate(cv.originals):
            shown = original.display
            if not shown or shown.casefold() in seen:
                continue
            seen.add(shown.casefold())
            if i == 0 and cv.status is CodeStatus.TRANSLATED:
                tag: str | None = "en"
            elif i == last:
                tag = self.doc_lang
            else:
                tag = None
            originals.append((shown, tag))
        if cv.original_text and cv.original_text.casefold() not in seen and not missing:
            originals.append((cv.original_text, self.doc_lang))
        show_code = code_source.code is not None and text != code_source.code
        return Term(
            text=text,
            lang=lang,
            status=status,
            originals=tuple(originals[:3]),
            system=self.system_name(code_source) if code_source.code else None,
            code=code_source.code if show_code else None,
            missing=missing,
        )

    def value(self, value: FieldValue | None, original_language: bool = False) -> Term:
        if isinstance(value, CodedValue):
            return self.coded(value)
        text: str | None
        if isinstance(value, Quantity):
            text = self.quantity(value)
        elif isinstance(value, TimeValue):
            text = self.time(value)
        else:
            text = value
        if not text:
            return Term(text=self.not_known, missing=True)
        lang = self._lang(self.doc_lang) if original_language else None
        return Term(text=text, lang=lang, original_language=original_language)

    def headline(self, entry: Entry) -> Term:
        if isinstance(entry.headline, CodedValue):
            return self.coded(entry.headline, entry.absence)
        if entry.headline:
            # A product's brand name or a narrative excerpt: tagged with the
            # document's language, without the "original language" marker.
            return Term(text=entry.headline, lang=self._lang(self.doc_lang), status=entry.absence)
        return Term(text=self.not_known, status=entry.absence, missing=True)


def section_label(kind: SectionKind) -> tuple[str, str]:
    """The (heading, headline column) msgids of a section kind."""
    return _SECTION_LABELS[kind]


def _row(fmt: _Formatter, entry: Entry) -> Row:
    _ = fmt._
    fields = tuple((_(f.label), fmt.value(f.value, f.original_language)) for f in entry.fields)
    return Row(headline=fmt.headline(entry), fields=fields, absence=entry.absence)


def _section(fmt: _Formatter, section: Section, index: int) -> SectionBlock:
    _ = fmt._
    heading_id, column = _SECTION_LABELS[section.kind]
    heading = _(heading_id)
    if section.kind is SectionKind.OTHER and section.title:
        heading = section.title
    return SectionBlock(
        anchor=f"section-{index}-{section.kind.value}",
        kind=section.kind.value,
        heading=heading,
        original_title=section.title,
        state=section.state.value,
        headline_label=_(column),
        rows=tuple(_row(fmt, e) for e in section.entries),
        narrative=Markup(section.narrative_html) if section.narrative_html else None,
    )


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _country(locale: Locale, code: str | None) -> str | None:
    if not code:
        return None
    name = locale.territories.get(code.upper()) if len(code) == 2 else None
    return f"{name} ({code.upper()})" if name else code


def _language_name(locale: Locale, tag: str | None) -> str | None:
    if not tag:
        return None
    try:
        return babel_locale(tag).get_display_name(locale) or tag
    except (ValueError, TypeError):
        return tag


def build_page(
    view: DocumentView,
    *,
    language: str,
    gettext: Gettext,
    generated_by: str,
    generated_at: datetime | None,
) -> Page:
    """Build the page model of ``view`` for a reader of ``language``."""
    _ = gettext
    locale = babel_locale(language)
    fmt = _Formatter(gettext, locale, language, view.language)
    now = generated_at or datetime.now(UTC)
    patient = view.patient
    name = _("Unknown patient")
    birth = age = None
    sex = None
    identifiers: tuple[Identity, ...] = ()
    if patient is not None:
        family = " ".join(patient.family)
        given = " ".join(patient.given)
        name = ", ".join(p for p in (family.upper(), given) if p) or name
        if patient.birth_date is not None:
            birth = fmt.ts(patient.birth_date)
            years = _age(patient.birth_date, now.date())
            if 0 <= years < 150:
                age = format_unit(years, "duration-year", length="long", locale=locale)
        sex = fmt.coded(patient.gender) if patient.gender is not None else None
        identifiers = tuple(
            Identity(i.extension or i.root or "", i.authority or (i.root if i.extension else None))
            for i in patient.identifiers
        )
    ordered = sorted(
        enumerate(view.sections), key=lambda pair: (_RANK.get(pair[1].kind, 99), pair[0])
    )
    sections = tuple(_section(fmt, s, i) for i, s in ordered)
    allergies: list[Term] = []
    allergy_state: str | None = None
    allergy_sections = [s for s in view.sections if s.kind is SectionKind.ALLERGIES]
    if view.document_type == "PS" and view.level == 3:
        allergy_state = "no-information"
    for s in allergy_sections:
        if s.state is SectionState.ENTRIES:
            allergy_state = "entries"
            allergies += [fmt.headline(e) for e in s.entries if e.absence is None]
        elif allergy_state != "entries":
            allergy_state = s.state.value
    author_org = next((a.organization for a in view.authors if a.organization), None)
    doc_id = None
    if view.document_id is not None:
        doc_id = view.document_id.extension or view.document_id.root
    country = _country(locale, view.source_country)
    non_xml = None
    if view.non_xml_body is not None:
        media, size = view.non_xml_body
        kb = max(1, round(size / 1024))
        non_xml = _(
            "This Level 1 document holds an embedded %(media)s file of %(size)s; "
            "open it with the original-document viewer."
        ) % {
            "media": media,
            "size": format_unit(kb, "digital-kilobyte", length="short", locale=locale),
        }
    doc_label = _(_DOCUMENT_LABELS.get(view.document_type, _UNKNOWN_DOCUMENT))
    footer = _("Translated by %(by)s on %(date)s; source: %(country)s, document %(id)s") % {
        "by": generated_by,
        "date": fmt.ts(now, now.strftime("%Y%m%d%H%M")),
        "country": country or fmt.not_known,
        "id": doc_id or fmt.not_known,
    }
    when = view.effective_time
    return Page(
        lang=language,
        title=f"{doc_label} – {name}",
        document_label=doc_label,
        original_title=view.title,
        patient_name=name,
        birth=birth,
        age=age,
        sex=sex,
        identifiers=identifiers,
        source_country=country,
        source_language=_language_name(locale, view.language),
        display_language=_language_name(locale, view.display_language) or language,
        document_date=fmt.time(when) if when is not None else None,
        author_organization=author_org or view.custodian,
        document_id=doc_id,
        allergies=tuple(allergies),
        allergy_state=allergy_state,
        sections=sections,
        non_xml_body=non_xml,
        warnings=view.warnings,
        footer=footer,
        doc_lang=view.language,
    )
