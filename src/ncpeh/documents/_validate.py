from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from lxml import etree

from ncpeh.documents._cda import V3, DocumentType, document_kind_or_raise, element_path
from ncpeh.documents._coded_elements import CodedElementTable, coded_element_table
from ncpeh.errors import NcpehError
from ncpeh.terminology import Catalogue
from ncpeh.xmlsafe import element_xpath

_TPL_SECTION = "1.3.6.1.4.1.12559.11.10.1.3.1.2."
#: The five basic PS sections that must be present or carry a reason
#: (ERROR_PS_MISSING_BASIC_SECTIONS; which five is inferred, documents.md §1.6).
BASIC_PS_SECTIONS = {
    "48765-2": "Allergies and intolerances",
    "10160-0": "Medication summary",
    "11450-4": "Active problems",
    "47519-4": "History of procedures",
    "46264-8": "Medical devices",
}
_Q_SECTION = f".//{{{V3}}}section"
_Q_CODE = f"{{{V3}}}code"
_Q_ENTRY = f"{{{V3}}}entry"
_Q_TEMPLATE = f"{{{V3}}}templateId"
_Q_TEXT = f"{{{V3}}}text"
_CODED = element_xpath("//*[@codeSystem]")


class SchemaError(NcpehError):
    code = "document.schema"


@dataclass(frozen=True, slots=True)
class Finding:
    """One validation finding. ``severity`` is ``error`` or ``warning``."""

    severity: str
    rule: str
    message: str
    location: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "severity": self.severity,
            "rule": self.rule,
            "message": self.message,
            "location": self.location,
        }


def load_schema(schema_dir: Path) -> etree.XMLSchema:
    """Compile ``CDA_Pharma.xsd`` (or ``CDA.xsd``) from a directory, offline."""
    for name in ("CDA_Pharma.xsd", "CDA.xsd"):
        path = schema_dir / name
        if path.is_file():
            break
    else:
        raise SchemaError(f"{schema_dir}: no CDA_Pharma.xsd or CDA.xsd found")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(str(path), parser))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as exc:
        raise SchemaError(f"{path}: cannot compile schema: {exc}") from None


def validate_document(
    tree: etree._ElementTree,
    *,
    catalogue: Catalogue,
    schema: etree.XMLSchema | None = None,
    table: CodedElementTable | None = None,
    source: str = "input",
) -> list[Finding]:
    """Check a CDA against ncpeh's rules and, when given, the eHDSI XSD.

    Rules: an eHDSI document templateId; an L3 body; for a PS the five basic
    sections (present, with entries or a stated reason); required coded elements
    not nullFlavored when usage is R; codes inside their MVC value set whenever
    the catalogue holds that value set; no placeholder code systems.
    """
    table = table or coded_element_table()
    root = tree.getroot()
    kind = document_kind_or_raise(root, source=source)
    findings: list[Finding] = []
    roots = {t.get("root") for t in root.iterchildren(_Q_TEMPLATE)}
    if not any(r and r.startswith("1.3.6.1.4.1.12559.11.10.1.3.1.1.") for r in roots):
        findings.append(
            Finding(
                "warning",
                "document-template",
                "no eHDSI document templateId (1.3.6.1.4.1.12559.11.10.1.3.1.1.x)",
            )
        )
    if schema is not None and not schema.validate(tree):
        log = cast(Iterable[etree._LogEntry], schema.error_log)
        for err in list(log)[:50]:
            findings.append(Finding("error", "xsd", err.message, f"line {err.line}"))
    if kind.level == 3 and kind.type is DocumentType.PATIENT_SUMMARY:
        findings.extend(_basic_sections(root))
    for el in _CODED(root):
        rule = table.match(el)
        system, code = el.get("codeSystem"), el.get("code")
        if system is None:
            continue
        placeholder = catalogue.placeholder(system, code)
        if placeholder is not None:
            findings.append(
                Finding(
                    "error",
                    "placeholder-code",
                    f"{system}|{code}: {placeholder.reason}",
                    element_path(el),
                )
            )
            continue
        if rule is None or code is None:
            continue
        member = catalogue.in_value_set(rule.value_set, system, code)
        if member is False and etree.QName(el).localname != "translation":
            findings.append(
                Finding(
                    "error",
                    "value-set",
                    f"{system}|{code} is not in value set {rule.value_set} ({rule.name})",
                    element_path(el),
                )
            )
    for rule in table.rules:
        if rule.usage_for(kind.type) != "R" or not rule.absolute:
            continue
        node: etree._Element = root
        for step in rule.steps[1:]:
            found: etree._Element | None = next(
                (c for c in node.iterchildren() if step.matches(c)), None
            )
            if found is None:
                findings.append(
                    Finding(
                        "error",
                        "required-element",
                        f"required coded element {rule.path} is missing",
                    )
                )
                break
            node = found
        else:
            if node.get("nullFlavor") is not None:
                findings.append(
                    Finding(
                        "error",
                        "required-element",
                        f"{rule.path} is required and may not be nullFlavored",
                        element_path(node),
                    )
                )
    return findings


def _basic_sections(root: etree._Element) -> list[Finding]:
    found: dict[str, etree._Element] = {}
    for section in root.iterfind(_Q_SECTION):
        code = section.find(_Q_CODE)
        if code is not None and code.get("code") in BASIC_PS_SECTIONS:
            found.setdefault(code.get("code", ""), section)
    out: list[Finding] = []
    for loinc, title in BASIC_PS_SECTIONS.items():
        present = found.get(loinc)
        if present is None:
            out.append(
                Finding(
                    "error",
                    "basic-section",
                    f"basic Patient Summary section {title} ({loinc}) is missing "
                    "(ERROR_PS_MISSING_BASIC_SECTIONS)",
                )
            )
        elif present.find(_Q_ENTRY) is None and present.get("nullFlavor") is None:
            text = present.find(_Q_TEXT)
            if text is None or not "".join(str(t) for t in text.itertext()).strip():
                out.append(
                    Finding(
                        "warning",
                        "basic-section",
                        f"section {title} ({loinc}) has no entries and no reason",
                        element_path(present),
                    )
                )
    return out
