"""Section recognition and per-family entry extractors (one module per family).

A section is recognised by its LOINC ``code`` first and its eHDSI section
templateId (``1.3.6.1.4.1.12559.11.10.1.3.1.2.N``) second (documents.md §1.2):
real documents carry the right code far more reliably than the right template
(``es_ps_pivot.xml`` puts the results template on its devices section). Each
kind maps to an extractor that turns the section's entries into
:class:`~ncpeh.documents.models.Entry` objects; unknown sections keep their
narrative and get the generic observation reader.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from ncpeh.documents.models import Entry, Section, SectionKind, SectionState
from ncpeh.documents.sections._common import Context, child, children, coded, text_content
from ncpeh.documents.sections.allergies import extract_allergies
from ncpeh.documents.sections.devices import extract_devices
from ncpeh.documents.sections.dispensations import extract_dispensations
from ncpeh.documents.sections.functional_status import extract_functional_status
from ncpeh.documents.sections.immunizations import extract_immunizations
from ncpeh.documents.sections.medications import extract_medications
from ncpeh.documents.sections.narrative import narrative_html
from ncpeh.documents.sections.plan_of_care import extract_plan_of_care
from ncpeh.documents.sections.pregnancy import extract_pregnancy
from ncpeh.documents.sections.prescriptions import extract_prescriptions
from ncpeh.documents.sections.problems import extract_problems
from ncpeh.documents.sections.procedures import extract_procedures
from ncpeh.documents.sections.results import extract_results, observation_entries
from ncpeh.documents.sections.social_history import extract_social_history
from ncpeh.documents.sections.vital_signs import extract_vital_signs

__all__ = [
    "SECTION_BY_LOINC",
    "SECTION_BY_TEMPLATE",
    "Context",
    "read_section",
    "section_kind",
]

Extractor = Callable[[Context, etree._Element], tuple[Entry, ...]]

#: LOINC section codes (documents.md §1.2 and the IPS section table, §2.1).
SECTION_BY_LOINC: dict[str, SectionKind] = {
    "48765-2": SectionKind.ALLERGIES,
    "30954-2": SectionKind.RESULTS,
    "11450-4": SectionKind.ACTIVE_PROBLEMS,
    "10160-0": SectionKind.MEDICATION_SUMMARY,
    "46264-8": SectionKind.MEDICAL_DEVICES,
    "47519-4": SectionKind.PROCEDURES,
    "11348-0": SectionKind.PAST_ILLNESS,
    "11369-6": SectionKind.IMMUNIZATIONS,
    "18776-5": SectionKind.PLAN_OF_CARE,
    "47420-5": SectionKind.FUNCTIONAL_STATUS,
    "29762-2": SectionKind.SOCIAL_HISTORY,
    "10162-6": SectionKind.PREGNANCY,
    "8716-3": SectionKind.VITAL_SIGNS,
    "42348-3": SectionKind.ADVANCE_DIRECTIVES,
    "57828-6": SectionKind.PRESCRIPTIONS,
    "60590-7": SectionKind.DISPENSED,
}

_TPL = "1.3.6.1.4.1.12559.11.10.1.3.1.2."
#: eHDSI section templateIds (documents.md §1.2); plan of care has none known.
SECTION_BY_TEMPLATE: dict[str, SectionKind] = {
    _TPL + "1": SectionKind.PRESCRIPTIONS,
    _TPL + "2": SectionKind.DISPENSED,
    _TPL + "3": SectionKind.MEDICATION_SUMMARY,
    _TPL + "4": SectionKind.MEDICAL_DEVICES,
    _TPL + "5": SectionKind.RESULTS,
    _TPL + "6": SectionKind.VITAL_SIGNS,
    _TPL + "7": SectionKind.PREGNANCY,
    _TPL + "9": SectionKind.ACTIVE_PROBLEMS,
    _TPL + "10": SectionKind.PAST_ILLNESS,
    _TPL + "11": SectionKind.PROCEDURES,
    _TPL + "12": SectionKind.ALLERGIES,
    _TPL + "13": SectionKind.SOCIAL_HISTORY,
    _TPL + "14": SectionKind.FUNCTIONAL_STATUS,
    _TPL + "15": SectionKind.IMMUNIZATIONS,
    _TPL + "16": SectionKind.ADVANCE_DIRECTIVES,
}


def _generic(kind: str) -> Extractor:
    def extract(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
        return observation_entries(ctx, section, kind)

    return extract


_EXTRACTORS: dict[SectionKind, Extractor] = {
    SectionKind.ALLERGIES: extract_allergies,
    SectionKind.RESULTS: extract_results,
    SectionKind.ACTIVE_PROBLEMS: extract_problems,
    SectionKind.MEDICATION_SUMMARY: extract_medications,
    SectionKind.MEDICAL_DEVICES: extract_devices,
    SectionKind.PROCEDURES: extract_procedures,
    SectionKind.PAST_ILLNESS: extract_problems,
    SectionKind.IMMUNIZATIONS: extract_immunizations,
    SectionKind.PLAN_OF_CARE: extract_plan_of_care,
    SectionKind.FUNCTIONAL_STATUS: extract_functional_status,
    SectionKind.SOCIAL_HISTORY: extract_social_history,
    SectionKind.PREGNANCY: extract_pregnancy,
    SectionKind.VITAL_SIGNS: extract_vital_signs,
    SectionKind.ADVANCE_DIRECTIVES: _generic("advance-directive"),
    SectionKind.PRESCRIPTIONS: extract_prescriptions,
    SectionKind.DISPENSED: extract_dispensations,
    SectionKind.OTHER: _generic("other"),
}


def section_kind(section: etree._Element) -> SectionKind:
    """The kind of a ``section`` element: LOINC code first, then eHDSI templateId."""
    code = child(section, "code")
    if code is not None:
        by_code = SECTION_BY_LOINC.get(code.get("code") or "")
        if by_code is not None:
            return by_code
    for tpl in children(section, "templateId"):
        by_tpl = SECTION_BY_TEMPLATE.get(tpl.get("root") or "")
        if by_tpl is not None:
            return by_tpl
    return SectionKind.OTHER


def _state(
    section: etree._Element, entries: tuple[Entry, ...], narrative: str | None
) -> SectionState:
    if entries:
        absences = {e.absence for e in entries}
        if absences == {"known-absent"}:
            return SectionState.KNOWN_ABSENT
        if None not in absences:
            return SectionState.NO_INFORMATION
        return SectionState.ENTRIES
    if section.get("nullFlavor") is not None or narrative is None:
        return SectionState.NO_INFORMATION
    return SectionState.NARRATIVE_ONLY


def read_section(ctx: Context, section: etree._Element) -> Section:
    """Read one section: kind, code, title, entries, state and safe narrative HTML.

    Extractors never raise on odd content; an unexpected error in one section is
    recorded as a warning and the section keeps its narrative, so one strange
    entry never hides the rest of the document.
    """
    kind = section_kind(section)
    narrative = narrative_html(child(section, "text"))
    try:
        entries = _EXTRACTORS[kind](ctx, section)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        ctx.warn(f"{kind.value} section: entries could not be read ({type(exc).__name__})")
        entries = ()
    return Section(
        kind=kind,
        code=coded(ctx, child(section, "code")),
        title=text_content(child(section, "title")),
        state=_state(section, entries, narrative),
        entries=entries,
        narrative_html=narrative,
    )
