from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from ncpeh.errors import NcpehError

V3 = "urn:hl7-org:v3"
PHARM = "urn:hl7-org:pharm"
EPSOS = "urn:epsos-org:ep:medication"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
#: Namespaces whose elements can be eHDSI coded elements (both medication namespaces).
CDA_NAMESPACES = frozenset({V3, PHARM, EPSOS})

_TPL = "1.3.6.1.4.1.12559.11.10.1.3.1.1."


class DocumentError(NcpehError):
    code = "document.invalid"


class WrongRootError(DocumentError):
    code = "document.wrong-root"


class UnknownDocumentTypeError(DocumentError):
    code = "document.unknown-type"


class DocumentType(StrEnum):
    """eHDSI document kinds, by ``ClinicalDocument/templateId`` and ``code``."""

    PATIENT_SUMMARY = "PS"
    EPRESCRIPTION = "EP"
    EDISPENSATION = "ED"
    MRO = "MRO"
    ORCD = "ORCD"

    @property
    def transformable(self) -> bool:
        """OrCD documents are never transcoded or translated (documents.md §1.1)."""
        return self is not DocumentType.ORCD


@dataclass(frozen=True, slots=True)
class DocumentKind:
    type: DocumentType
    level: int  # 3 = structured body, 1 = PDF in nonXMLBody
    loinc: str


_BY_TEMPLATE: dict[str, DocumentKind] = {
    _TPL + "1": DocumentKind(DocumentType.EPRESCRIPTION, 3, "57833-6"),
    _TPL + "2": DocumentKind(DocumentType.EDISPENSATION, 3, "60593-1"),
    _TPL + "3": DocumentKind(DocumentType.PATIENT_SUMMARY, 3, "60591-5"),
    _TPL + "5": DocumentKind(DocumentType.MRO, 3, "56445-0"),
    _TPL + "6": DocumentKind(DocumentType.EPRESCRIPTION, 1, "57833-6"),
    _TPL + "7": DocumentKind(DocumentType.PATIENT_SUMMARY, 1, "60591-5"),
    _TPL + "8": DocumentKind(DocumentType.ORCD, 1, "11502-2"),
    _TPL + "9": DocumentKind(DocumentType.ORCD, 1, "34105-7"),
    _TPL + "10": DocumentKind(DocumentType.ORCD, 1, "18748-4"),
    _TPL + "11": DocumentKind(DocumentType.ORCD, 1, "x-clinical-image"),
}

_BY_LOINC: dict[str, DocumentType] = {
    "60591-5": DocumentType.PATIENT_SUMMARY,
    "57833-6": DocumentType.EPRESCRIPTION,
    "60593-1": DocumentType.EDISPENSATION,
    "56445-0": DocumentType.MRO,
    "11502-2": DocumentType.ORCD,
    "34105-7": DocumentType.ORCD,
    "18748-4": DocumentType.ORCD,
    "x-clinical-image": DocumentType.ORCD,
}

_Q_TEMPLATE = f"{{{V3}}}templateId"
_Q_CODE = f"{{{V3}}}code"
_Q_BODY = f"{{{V3}}}component/{{{V3}}}structuredBody"


def document_kind_or_raise(root: etree._Element, *, source: str = "input") -> DocumentKind:
    """Classify an eHDSI CDA document, or raise a one-line :class:`DocumentError`.

    The templateId decides; documents that carry only the LOINC code (several
    epSOS-era samples) fall back to ``ClinicalDocument/code``.
    """
    if (
        not isinstance(root.tag, str)
        or etree.QName(root).namespace != V3
        or (etree.QName(root).localname != "ClinicalDocument")
    ):
        name = root.tag if isinstance(root.tag, str) else "?"
        raise WrongRootError(
            f"{source}: root element is {name}, expected {{{V3}}}ClinicalDocument (an HL7 CDA)"
        )
    for tpl in root.iterchildren(_Q_TEMPLATE):
        kind = _BY_TEMPLATE.get(tpl.get("root", ""))
        if kind is not None:
            return kind
    code_el = root.find(_Q_CODE)
    code = code_el.get("code") if code_el is not None else None
    doc_type = _BY_LOINC.get(code or "")
    if doc_type is None:
        raise UnknownDocumentTypeError(
            f"{source}: not an eHDSI document type this engine handles "
            f"(no eHDSI document templateId; ClinicalDocument/code is {code or 'absent'})"
        )
    level = 3 if root.find(_Q_BODY) is not None else 1
    loinc = code or ""
    return DocumentKind(doc_type, level, loinc)


def element_path(el: etree._Element) -> str:
    """A readable absolute path with local names and 1-based indices where ambiguous.

    Example: ``/ClinicalDocument/component/structuredBody/component[2]/section/code``.
    """
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        parent = node.getparent()
        name = etree.QName(node).localname
        if parent is None:
            parts.append(name)
        else:
            index = 1 + sum(1 for _ in node.itersiblings(node.tag, preceding=True))
            ambiguous = index > 1 or next(node.itersiblings(node.tag), None) is not None
            parts.append(f"{name}[{index}]" if ambiguous else name)
        node = parent
    return "/" + "/".join(reversed(parts))
