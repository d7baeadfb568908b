from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from ncpeh.documents._cda import (
    CDA_NAMESPACES,
    V3,
    XSI,
    DocumentKind,
    DocumentType,
    document_kind_or_raise,
    element_path,
)
from ncpeh.documents._coded_elements import (
    CodedElementRule,
    CodedElementTable,
    coded_element_table,
)
from ncpeh.documents.models import CodeStatus
from ncpeh.errors import NcpehError
from ncpeh.terminology import PIVOT_LANGUAGE, Catalogue
from ncpeh.transform.models import (
    CodedElementRef,
    ElementOutcome,
    TransformReport,
    TransformResult,
)
from ncpeh.xmlsafe import element_xpath

_Q_TRANSLATION = f"{{{V3}}}translation"
_XSI_TYPE = f"{{{XSI}}}type"
_CODING_ATTRS = ("code", "codeSystem", "codeSystemName", "codeSystemVersion", "displayName")
_CODING_SET = frozenset(_CODING_ATTRS)
_TRANSLATION_TAGS = tuple(f"{{{ns}}}translation" for ns in sorted(CDA_NAMESPACES))
#: Data types whose schema forbids child elements or translations: EIVL.event
#: (restriction of CE with empty content), CS and CV.
_NO_TRANSLATION_SLOT_NAMES = frozenset({"event", "statusCode", "languageCode", "realmCode"})
_NO_TRANSLATION_SLOT_TYPES = frozenset({"CV", "CS", "CO"})
_CANDIDATES = element_xpath("//*[@codeSystem or @nullFlavor]")

MissingMappingPolicy = Literal["withhold", "flag"]


class TransformError(NcpehError):
    code = "transform.error"


_ERROR_PREFIX = {
    DocumentType.PATIENT_SUMMARY: "PS",
    DocumentType.EPRESCRIPTION: "EP",
    DocumentType.EDISPENSATION: "ED",
    DocumentType.MRO: "MRO",
    DocumentType.ORCD: "ORCD",
}


def _local(tag: str) -> tuple[str, str]:
    if tag[0] == "{":
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


@dataclass(slots=True)
class _Coded:
    el: etree._Element
    local: str
    system: str | None
    code: str | None


_TAG_CACHE: dict[str, str | None] = {}


def _coded_local_name(tag: str) -> str | None:
    """Local name when ``tag`` can be a coded element (CDA namespace, not translation)."""
    try:
        return _TAG_CACHE[tag]
    except KeyError:
        ns, local = _local(tag)
        result = local if ns in CDA_NAMESPACES and local != "translation" else None
        if len(_TAG_CACHE) < 4096:
            _TAG_CACHE[tag] = result
        return result


def _coded_elements(root: etree._Element, table: CodedElementTable) -> Iterator[_Coded]:
    """Every coded element once, in document order, never a ``translation`` child."""
    leaves = table.leaf_names
    for el in _CANDIDATES(root):
        tag = el.tag
        if not isinstance(tag, str):
            continue
        local = _coded_local_name(tag)
        if local is None:
            continue
        system = el.get("codeSystem")
        if system is None:
            # A nullFlavored element counts where the table expects a code, or where
            # it keeps an unmapped original (nullFlavor OTH with a translation).
            if el.find(_Q_TRANSLATION) is None and (local not in leaves or table.match(el) is None):
                continue
        yield _Coded(el, local, system, el.get("code"))


def _has_translation_slot(el: etree._Element, local: str) -> bool:
    if local in _NO_TRANSLATION_SLOT_NAMES:
        return False
    xsi_type = el.get(_XSI_TYPE)
    return not (xsi_type and xsi_type.rpartition(":")[2] in _NO_TRANSLATION_SLOT_TYPES)


def _push_translation(el: etree._Element) -> None:
    """Keep the current coding as a ``translation`` child (eHDSI nesting rule).

    Earlier ``translation`` children move inside the new one, so the chain reads
    outermost = most recent. The new child goes last, where CD's content model
    (originalText, qualifier*, translation*) puts translations.
    """
    values = {str(k): str(v) for k, v in el.items() if k in _CODING_SET}
    earlier = list(el.iterchildren(*_TRANSLATION_TAGS)) if len(el) else []
    tr = etree.SubElement(el, _Q_TRANSLATION, values)
    for child in earlier:
        tr.append(child)
    prev = tr.getprevious()
    # Pretty-printed input stays tidy: the new child takes the closing indentation
    # and the previous last child the children's indentation.
    if prev is not None and prev.tail is not None and not prev.tail.strip():
        tr.tail = prev.tail
        if el.text is not None and not el.text.strip():
            prev.tail = el.text


def _ref(
    item: _Coded,
    reason: str,
    rule: CodedElementRule | None,
    kind: DocumentKind,
    display: str | None = None,
) -> CodedElementRef:
    return CodedElementRef(
        xpath=element_path(item.el),
        system=item.system,
        code=item.code,
        display=display if display is not None else item.el.get("displayName"),
        reason=reason,
        element=rule.name if rule else None,
        value_set=rule.value_set if rule else None,
        usage=rule.usage_for(kind.type) if rule else None,
    )


def _untranslated_reason(catalogue: Catalogue, system: str, code: str, language: str) -> str:
    placeholder = catalogue.placeholder(system, code)
    if placeholder is not None:
        return placeholder.reason
    if catalogue.concept(system, code) is not None:
        return f"no {language} designation in the catalogue"
    if catalogue.code_system(system) is None:
        return "code system not in the catalogue"
    return "code not in the catalogue"


def translate(
    tree: etree._ElementTree,
    *,
    catalogue: Catalogue,
    language: str,
    table: CodedElementTable | None = None,
    source: str = "input",
) -> TransformResult:
    """Translate every coded element's display into ``language``, in place.

    Country B's step (and country A's for an incoming eDispensation). The code is
    never changed; the previous coding is kept as a nested ``translation``. A
    missing designation is a warning (``WARNING_*_MISSING_EXPECTED_TRANSLATION``):
    the English term stays and the element is listed as untranslated.
    """
    table = table or coded_element_table()
    root = tree.getroot()
    kind = document_kind_or_raise(root, source=source)
    report = TransformReport("translate", kind.type.value, language=language)
    result = TransformResult(tree, report)
    if not kind.type.transformable:
        report.skipped = "original clinical documents are never translated"
        return result
    outcomes = result.outcomes
    term_of = catalogue.term
    warn_code = f"WARNING_{_ERROR_PREFIX[kind.type]}_MISSING_EXPECTED_TRANSLATION"
    for item in _coded_elements(root, table):
        report.coded_elements += 1
        el = item.el
        system, code = item.system, item.code
        if system is None or code is None:
            rule = table.match(el)
            if el.get("nullFlavor") == "OTH" and el.find(_Q_TRANSLATION) is not None:
                report.unmapped.append(_ref(item, "country A found no MVC code (OTH)", rule, kind))
                outcomes[el] = ElementOutcome(CodeStatus.UNMAPPED)
            else:
                report.no_information += 1
                outcomes[el] = ElementOutcome(CodeStatus.NO_INFORMATION)
            continue
        term = term_of(system, code, language)
        if term is None:
            placeholder = catalogue.placeholder(system, code)
            if placeholder is not None and placeholder.alias_of is not None:
                term = term_of(placeholder.alias_of, code, language)
                if term is not None:
                    report.aliased.append(_ref(item, placeholder.reason, table.match(el), kind))
        if term is None:
            reason = _untranslated_reason(catalogue, system, code, language)
            report.untranslated.append(_ref(item, reason, table.match(el), kind))
            outcomes[el] = ElementOutcome(CodeStatus.UNTRANSLATED, reason)
            continue
        report.translated += 1
        outcomes[el] = ElementOutcome(CodeStatus.TRANSLATED)
        current = el.get("displayName")
        if current == term:
            continue
        if _has_translation_slot(el, item.local):
            _push_translation(el)
        elif current is not None:
            report.replaced_displays.append(
                _ref(item, "data type has no translation slot", table.match(el), kind, current)
            )
        el.set("displayName", term)
    if report.untranslated:
        report.warnings.append(
            {
                "code": warn_code,
                "message": f"{len(report.untranslated)} coded element(s) have no {language} "
                "designation; the English term is shown",
            }
        )
    return result


def transcode(
    tree: etree._ElementTree,
    *,
    catalogue: Catalogue,
    country: str,
    on_missing_mapping: MissingMappingPolicy = "withhold",
    table: CodedElementTable | None = None,
    source: str = "input",
) -> TransformResult:
    """Transcode national codes to MVC codes through ``country``'s concept maps.

    Country A's step (and B's for an outgoing eDispensation). Each mapped element
    gets the MVC code and English term; the national coding is kept as a nested
    ``translation``. A national code without a mapping is an error
    (``ERROR_*_MISSING_EXPECTED_MAPPING``): the result is marked withheld, unless
    ``on_missing_mapping="flag"``, which sets ``nullFlavor="OTH"`` and keeps the
    original as the translation, as eHDSI does for unmapped concepts.
    """
    table = table or coded_element_table()
    root = tree.getroot()
    kind = document_kind_or_raise(root, source=source)
    report = TransformReport(
        "transcode", kind.type.value, language=PIVOT_LANGUAGE, country=country.upper()
    )
    result = TransformResult(tree, report)
    if not kind.type.transformable:
        report.skipped = "original clinical documents are never transcoded"
        return result
    error_code = f"ERROR_{_ERROR_PREFIX[kind.type]}_MISSING_EXPECTED_MAPPING"
    outcomes = result.outcomes
    for item in _coded_elements(root, table):
        report.coded_elements += 1
        el = item.el
        system, code = item.system, item.code
        if system is None or code is None:
            report.no_information += 1
            outcomes[el] = ElementOutcome(CodeStatus.NO_INFORMATION)
            continue
        mapping = catalogue.mapping(country, system, code)
        if mapping is not None:
            if not _has_translation_slot(el, item.local):
                _unmapped(
                    report,
                    outcomes,
                    item,
                    table,
                    kind,
                    "data type has no slot to keep the national code",
                    on_missing_mapping,
                )
                continue
            _push_translation(el)
            target_cs = catalogue.code_system(mapping.target_system)
            el.set("code", mapping.target_code)
            el.set("codeSystem", mapping.target_system)
            if target_cs is not None:
                el.set("codeSystemName", target_cs.name)
            elif "codeSystemName" in el.attrib:
                del el.attrib["codeSystemName"]
            if "codeSystemVersion" in el.attrib:
                del el.attrib["codeSystemVersion"]
            english = (
                catalogue.term(mapping.target_system, mapping.target_code, PIVOT_LANGUAGE)
                or mapping.target_display
            )
            if english:
                el.set("displayName", english)
            elif "displayName" in el.attrib:
                del el.attrib["displayName"]
            report.transcoded += 1
            outcomes[el] = ElementOutcome(CodeStatus.TRANSCODED)
            continue
        placeholder = catalogue.placeholder(system, code)
        if placeholder is None and catalogue.is_pivot_system(system):
            # Already an international (pivot) code: the code stays; the pivot carries
            # the English term, the national-language display is kept as translation.
            english = catalogue.term(system, code, PIVOT_LANGUAGE)
            current = el.get("displayName")
            if (
                english
                and current is not None
                and current != english
                and (_has_translation_slot(el, item.local))
            ):
                _push_translation(el)
                el.set("displayName", english)
                report.english_displays += 1
            report.unchanged += 1
            outcomes[el] = ElementOutcome(CodeStatus.ORIGINAL)
            continue
        reason = (
            placeholder.reason
            if placeholder is not None
            else f"national code without a {country.upper()} mapping to an MVC code"
        )
        _unmapped(report, outcomes, item, table, kind, reason, on_missing_mapping)
    if report.unmapped:
        entry = {
            "code": error_code,
            "message": f"{len(report.unmapped)} coded element(s) have no mapping to the MVC",
        }
        if on_missing_mapping == "withhold":
            report.errors.append(entry)
        else:
            report.warnings.append(entry)
    return result


def _unmapped(
    report: TransformReport,
    outcomes: dict[etree._Element, ElementOutcome],
    item: _Coded,
    table: CodedElementTable,
    kind: DocumentKind,
    reason: str,
    policy: MissingMappingPolicy,
) -> None:
    rule = table.match(item.el)
    report.unmapped.append(_ref(item, reason, rule, kind))
    outcomes[item.el] = ElementOutcome(CodeStatus.UNMAPPED, reason)
    if policy == "flag" and _has_translation_slot(item.el, item.local):
        el = item.el
        _push_translation(el)
        for attr in _CODING_ATTRS:
            if attr in el.attrib:
                del el.attrib[attr]
        el.set("nullFlavor", "OTH")


__all__ = ["MissingMappingPolicy", "TransformError", "transcode", "translate"]
