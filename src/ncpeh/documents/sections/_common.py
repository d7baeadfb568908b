"""Shared reading helpers for the section extractors: namespaces, codes, times, values.

Every lookup here goes by *namespace URI and local name* over the three CDA
namespaces (HL7 v3, ``urn:hl7-org:pharm`` and the epSOS-era
``urn:epsos-org:ep:medication``), never by prefix: real documents bind ``pharm``
to the v3 namespace (``CzRequest3.xml``) and nest v3 ``translation`` elements
inside ``pharm:formCode``. Nothing here raises on odd input; a missing part
becomes ``None`` and oddities are recorded as warnings on the :class:`Context`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from lxml import etree

from ncpeh.documents._cda import EPSOS, PHARM, V3, XSI
from ncpeh.documents._coded_elements import CodedElementTable
from ncpeh.documents.models import (
    CodedValue,
    CodeStatus,
    Coding,
    Entry,
    EntryField,
    FieldValue,
    Quantity,
    TimeValue,
)
from ncpeh.transform.models import ElementOutcome

__all__ = [
    "ABSENT_UNKNOWN_SYSTEM",
    "Context",
    "N_",
    "absence_of",
    "absent_entry",
    "child",
    "children",
    "coded",
    "descend",
    "descend_all",
    "end_of",
    "descend_first",
    "first_child",
    "field_if",
    "has_template",
    "headed_entry",
    "local_name",
    "observation_value",
    "parse_ts",
    "quantity",
    "start_of",
    "strength",
    "text_content",
    "time_value",
    "usable",
    "xsi_type",
]

#: IPS Absent/Unknown code system (documents.md §1.6), CC0.
ABSENT_UNKNOWN_SYSTEM = "2.16.840.1.113883.5.1150.1"
_SNOMED = "2.16.840.1.113883.6.96"
#: SNOMED CT "no known ..." situations used for known absence by epSOS-era
#: documents (e.g. ``RTD_W2_known_absence.xml``) before the IPS code system existed.
_SNOMED_KNOWN_ABSENT = frozenset(
    {
        "716186003",  # No known allergy
        "409137002",  # No known history of drug allergy
        "429625007",  # No known food allergy
        "428607008",  # No known environmental allergy
        "160245001",  # No current problems or disability
        "182849000",  # No drug therapy prescribed
    }
)
_NO_INFO = re.compile(r"^no-[a-z-]+-info$")
_CDA_NS = (V3, PHARM, EPSOS)
_XSI_TYPE = f"{{{XSI}}}type"
_TS = re.compile(
    r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:[.,]\d+)?(?:([+-])(\d{2})(\d{2})?)?$"
)


def N_(message: str) -> str:  # noqa: N802 - the gettext "mark for extraction" convention
    """Mark a UI label for gettext extraction without translating it here.

    Labels are translated at render time, in the reader's language; the view
    model only carries the English msgid (``EntryField.label``).
    """
    return message


@lru_cache(maxsize=256)
def _qnames(name: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{name}" for ns in _CDA_NS)


def local_name(el: etree._Element) -> str | None:
    """Local name of an element of a CDA namespace, else None (comments, foreign XML)."""
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    ns, _, local = tag[1:].partition("}")
    return local if ns in _CDA_NS else None


def children(el: etree._Element | None, name: str) -> list[etree._Element]:
    """Children named ``name`` in any CDA namespace, in document order."""
    if el is None:
        return []
    names = _qnames(name)
    return [c for c in el if c.tag in names]


def child(el: etree._Element | None, name: str) -> etree._Element | None:
    """First child named ``name`` in any CDA namespace."""
    if el is None:
        return None
    names = _qnames(name)
    for c in el:
        if c.tag in names:
            return c
    return None


def first_child(el: etree._Element | None, *names: str) -> etree._Element | None:
    """First child having any of ``names`` (in that order of preference).

    Use this rather than ``child(a) or child(b)``: an lxml element without
    children is falsy, so ``or`` would skip an empty but present element.
    """
    for name in names:
        hit = child(el, name)
        if hit is not None:
            return hit
    return None


def descend_first(el: etree._Element | None, *paths: str) -> etree._Element | None:
    """The element reached by the first of ``paths`` that exists."""
    for path in paths:
        hit = descend(el, path)
        if hit is not None:
            return hit
    return None


def descend(el: etree._Element | None, path: str) -> etree._Element | None:
    """Follow ``a/b/c`` child steps (first match at each step), namespace-agnostic."""
    for step in path.split("/"):
        el = child(el, step)
        if el is None:
            return None
    return el


def descend_all(el: etree._Element | None, path: str) -> list[etree._Element]:
    """All elements reached by ``a/b/c`` child steps (every match at each step)."""
    nodes = [el] if el is not None else []
    for step in path.split("/"):
        nodes = [c for n in nodes for c in children(n, step)]
    return nodes


def has_template(el: etree._Element, *suffixes: str) -> bool:
    """True when ``el`` has an eHDSI entry templateId ending in one of ``suffixes``."""
    roots = {t.get("root", "") for t in children(el, "templateId")}
    return any(f"1.3.6.1.4.1.12559.11.10.1.3.1.3.{s}" in roots for s in suffixes)


def xsi_type(el: etree._Element) -> str | None:
    """The local part of ``xsi:type`` (``epsos:PQ`` and ``urn:PQ`` both give ``PQ``)."""
    value = el.get(_XSI_TYPE)
    return value.rpartition(":")[2] if value else None


def text_content(el: etree._Element | None) -> str | None:
    """All text below ``el`` with whitespace collapsed; None when empty."""
    if el is None:
        return None
    text = " ".join("".join(str(t) for t in el.itertext()).split())
    return text or None


@dataclass(slots=True)
class Context:
    """What every extractor needs about the document being read.

    ``ids`` maps narrative ``ID`` attributes to their text, so that
    ``originalText/reference/@value="#x"`` resolves without an XPath per element.
    """

    display_language: str
    document_language: str | None
    table: CodedElementTable
    outcomes: Mapping[etree._Element, ElementOutcome] | None = None
    ids: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def role_of(self, el: etree._Element) -> str | None:
        """The coded-element table rule name of ``el`` (one indexed match)."""
        rule = self.table.match(el)
        return rule.name if rule is not None else None

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def resolve(self, ref: str | None) -> str | None:
        """Text of the narrative element a ``reference/@value`` points at."""
        if not ref:
            return None
        key = ref[1:] if ref.startswith("#") else ref
        return self.ids.get(key)

    def referenced_text(self, el: etree._Element | None) -> str | None:
        """Inline text of ``el`` (originalText, text) or the narrative it references."""
        if el is None:
            return None
        ref = child(el, "reference")
        if ref is not None:
            target = ref.get("value")
            hit = self.resolve(target)
            if hit is None and target:
                self.warn(f"narrative reference {target} does not resolve to an ID")
            inline = (el.text or "").strip()
            return hit or inline or None
        return text_content(el)


def _coding(el: etree._Element) -> Coding:
    return Coding(
        code=el.get("code"),
        system=el.get("codeSystem"),
        system_name=el.get("codeSystemName"),
        system_version=el.get("codeSystemVersion"),
        display=el.get("displayName"),
    )


def _chain(el: etree._Element) -> Iterator[etree._Element]:
    """Nested ``translation`` elements, outermost first, depth first."""
    for tr in children(el, "translation"):
        yield tr
        yield from _chain(tr)


def _inferred_status(el: etree._Element, chain: list[etree._Element]) -> CodeStatus:
    if el.get("nullFlavor") is not None:
        return (
            CodeStatus.UNMAPPED
            if el.get("nullFlavor") == "OTH" and chain
            else (CodeStatus.NO_INFORMATION)
        )
    if el.get("code") is None and el.get("codeSystem") is None:
        return CodeStatus.ORIGINAL
    if chain:
        first = chain[0]
        if first.get("code") != el.get("code") or first.get("codeSystem") != el.get("codeSystem"):
            return CodeStatus.TRANSCODED
        display, previous = el.get("displayName"), first.get("displayName")
        # A change of case only ("Tablet" / "tablet") is a copy, not a translation.
        if display is not None and (previous or "").casefold() != display.casefold():
            return CodeStatus.TRANSLATED
    return CodeStatus.ORIGINAL


def coded(ctx: Context, el: etree._Element | None) -> CodedValue | None:
    """Read a coded element (CD, CE, CV, CS...) with its translation chain.

    The status comes from the transformation outcomes when the caller has them,
    else it is inferred from the element: a translation chain whose first link
    has the same code but another display means the display was translated; a
    different code means it was transcoded; ``nullFlavor="OTH"`` with a
    translation means country A found no MVC code (the original is kept in the
    translation); any other nullFlavor means no information.
    """
    if el is None:
        return None
    chain = list(_chain(el))
    outcome = ctx.outcomes.get(el) if ctx.outcomes is not None else None
    status = outcome.status if outcome is not None else _inferred_status(el, chain)
    original_text = ctx.referenced_text(child(el, "originalText"))
    display = el.get("displayName")
    display_language: str | None = None
    if status is CodeStatus.UNMAPPED:
        # The outer element has no code: the reader sees the national original.
        display = next((t.get("displayName") for t in chain if t.get("displayName")), None)
        display_language = ctx.document_language
    elif status is CodeStatus.TRANSLATED:
        display_language = ctx.display_language
    elif status is CodeStatus.UNTRANSLATED:
        display_language = "en"
    if not display and original_text:
        display = original_text
        display_language = ctx.document_language
    return CodedValue(
        coding=_coding(el),
        status=status,
        display=display or None,
        display_language=display_language,
        originals=tuple(_coding(t) for t in chain),
        null_flavor=el.get("nullFlavor"),
        original_text=original_text,
        role=ctx.role_of(el),
    )


def absence_of(value: CodedValue | None) -> str | None:
    """``known-absent`` / ``no-information`` when a code states an absence, else None.

    IPS Absent/Unknown codes (``no-known-allergies``, ``no-allergy-info``) and the
    older SNOMED CT "no known ..." situations both count (documents.md §1.6).
    """
    if value is None:
        return None
    for coding in (value.coding, *value.originals):
        code = coding.code or ""
        if coding.system == ABSENT_UNKNOWN_SYSTEM:
            if code.startswith("no-known-"):
                return "known-absent"
            if _NO_INFO.match(code) or code == "unknown":
                return "no-information"
        elif coding.system == _SNOMED and code in _SNOMED_KNOWN_ABSENT:
            return "known-absent"
    return None


def absent_entry(kind: str, *values: CodedValue | None) -> Entry | None:
    """The entry stating an absence, headed by the first of ``values`` that states one."""
    for value in values:
        absence = absence_of(value)
        if absence is not None:
            return Entry(kind=kind, headline=value, absence=absence)
    return None


def parse_ts(raw: str | None) -> date | datetime | None:
    """A CDA TS at its precision: up to the day a :class:`date`, else a datetime.

    Partial dates (``2022``, ``202206``) give the first day of the period; the
    caller keeps the raw string so the renderer can show the real precision.
    """
    if not raw:
        return None
    m = _TS.match(raw.strip())
    if m is None:
        return None
    y, mo, d, hh, mi, ss, sign, tzh, tzm = m.groups()
    try:
        if hh is None:
            return date(int(y), int(mo or 1), int(d or 1))
        tz = None
        if sign is not None:
            offset = timedelta(hours=int(tzh), minutes=int(tzm or 0))
            tz = timezone(-offset if sign == "-" else offset)
        return datetime(int(y), int(mo), int(d), int(hh), int(mi or 0), int(ss or 0), tzinfo=tz)
    except (ValueError, TypeError):
        return None


def _checked_ts(ctx: Context, raw: str | None) -> date | datetime | None:
    value = parse_ts(raw)
    if raw and value is None:
        ctx.warn(f"unreadable date/time value {raw!r}")
    return value


def time_value(ctx: Context, el: etree._Element | None) -> TimeValue | None:
    """Read TS, IVL_TS or PIVL_TS; None when the element is absent.

    ``raw`` keeps the most precise written value (``value`` or ``low``) so the
    renderer can show "2022" rather than "1 Jan 2022".
    """
    if el is None:
        return None
    low_el, high_el = child(el, "low"), child(el, "high")
    period_el = child(el, "period")
    period = None
    if period_el is not None and period_el.get("value"):
        period = (period_el.get("value") or "", period_el.get("unit") or "")
    null = el.get("nullFlavor")
    if null is None and low_el is not None and high_el is not None:
        if low_el.get("nullFlavor") and high_el.get("nullFlavor") and not low_el.get("value"):
            null = low_el.get("nullFlavor")
    value_raw = el.get("value")
    if value_raw is None and (low_el is not None or high_el is not None):
        # An interval keeps both written precisions as an ISO 8601 interval
        # ("20170415/2022"), since low and high are dates without precision.
        low_raw = low_el.get("value") if low_el is not None else None
        high_raw = high_el.get("value") if high_el is not None else None
        if low_raw or high_raw:
            raw = f"{low_raw or ''}/{high_raw or ''}"
            return TimeValue(
                low=_checked_ts(ctx, low_raw),
                high=_checked_ts(ctx, high_raw),
                period=period,
                null_flavor=null,
                raw=raw,
            )
    return TimeValue(
        value=_checked_ts(ctx, value_raw),
        low=_checked_ts(ctx, low_el.get("value")) if low_el is not None else None,
        high=_checked_ts(ctx, high_el.get("value")) if high_el is not None else None,
        period=period,
        null_flavor=null,
        raw=value_raw,
    )


def _pq(el: etree._Element | None) -> tuple[str | None, str | None]:
    if el is None:
        return None, None
    return el.get("value"), el.get("unit")


def quantity(el: etree._Element | None) -> Quantity | None:
    """Read PQ or IVL_PQ (``doseQuantity``, a PQ ``value``); None when absent."""
    if el is None:
        return None
    low_v, low_u = _pq(child(el, "low"))
    high_v, high_u = _pq(child(el, "high"))
    unit = el.get("unit") or low_u or high_u
    if low_v is not None and low_v == high_v and low_u == high_u:
        return Quantity(value=low_v, unit=unit, null_flavor=el.get("nullFlavor"))
    return Quantity(
        value=el.get("value"),
        unit=unit,
        low=low_v,
        high=high_v,
        null_flavor=el.get("nullFlavor"),
    )


def _unit(unit: str | None) -> str:
    return "" if unit in (None, "", "1") else str(unit)


def strength(el: etree._Element | None) -> str | None:
    """An ingredient strength (RTO numerator/denominator) as ``20 mg/5 mL`` text.

    UCUM unit ``1`` (a count) is not printed, nor a denominator of one unit.
    """
    if el is None:
        return None
    num_v, num_u = _pq(child(el, "numerator"))
    den_v, den_u = _pq(child(el, "denominator"))
    if num_v is None:
        return None
    text = f"{num_v} {_unit(num_u)}".strip()
    if den_v is not None:
        den_unit = _unit(den_u)
        if den_v == "1" and den_unit:
            text += f"/{den_unit}"
        elif not (den_v == "1" and not den_unit):
            text += f"/{den_v} {den_unit}".rstrip()
    return text


def observation_value(ctx: Context, obs: etree._Element | None) -> FieldValue | None:
    """The ``value`` of an observation, typed by ``xsi:type`` (ANY is abstract in CDA).

    Coded types give a :class:`CodedValue`, PQ and IVL_PQ a :class:`Quantity`,
    TS and IVL_TS a :class:`TimeValue`, strings and numbers their text.
    """
    val = child(obs, "value")
    if val is None:
        return None
    kind = xsi_type(val)
    if kind in ("CD", "CE", "CV", "CO", "CS") or (
        kind is None and (val.get("code") is not None or val.get("codeSystem") is not None)
    ):
        return coded(ctx, val)
    if kind in ("PQ", "IVL_PQ") or (kind is None and val.get("unit") is not None):
        return quantity(val)
    if kind in ("TS", "IVL_TS"):
        return time_value(ctx, val)
    if kind in ("INT", "REAL", "BL", "MO"):
        text = val.get("value")
        if text is not None and val.get("currency"):
            text = f"{text} {val.get('currency')}"
        return text
    if kind == "RTO":
        return strength(val)
    if val.get("nullFlavor") is not None and not len(val) and not (val.text or "").strip():
        return coded(ctx, val)
    text = ctx.referenced_text(val) if child(val, "reference") is not None else text_content(val)
    if text is None and val.get("value") is not None:
        return val.get("value")
    return text


def field_if(
    label: str, value: FieldValue | None, *, original_language: bool = False
) -> list[EntryField]:
    """A one-item list with the field when ``value`` is present, else an empty list.

    Lets extractors write ``fields += field_if(N_("Onset"), onset)`` without an
    ``if`` per optional field.
    """
    if value is None or value == "":
        return []
    return [EntryField(label=label, value=value, original_language=original_language)]


def start_of(ctx: Context, el: etree._Element | None) -> TimeValue | None:
    """When something began: ``effectiveTime/@value`` or ``effectiveTime/low``."""
    et = child(el, "effectiveTime")
    if et is None:
        return None
    if et.get("value"):
        return time_value(ctx, et)
    low = child(et, "low")
    if low is None or not low.get("value"):
        return None
    return time_value(ctx, low)


def end_of(ctx: Context, el: etree._Element | None) -> TimeValue | None:
    """When something ended: ``effectiveTime/high`` when it carries a value."""
    high = descend(el, "effectiveTime/high")
    if high is None or not high.get("value"):
        return None
    return time_value(ctx, high)


def usable(value: CodedValue | None) -> bool:
    """A coded value worth showing: it has a code or a term (not a bare nullFlavor)."""
    return value is not None and (value.display is not None or value.coding.code is not None)


def headed_entry(
    kind: str,
    headline: CodedValue | str | None,
    code: CodedValue | None,
    fields: list[EntryField],
) -> Entry:
    """The entry headed by ``headline`` (else ``code``); ``no-information`` when it says nothing."""
    if headline is None and not fields:
        return Entry(kind=kind, headline=code, absence="no-information")
    return Entry(
        kind=kind, headline=headline if headline is not None else code, fields=tuple(fields)
    )
