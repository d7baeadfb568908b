"""Results of a transformation pass: per-element outcomes and the JSON report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from lxml import etree

from ncpeh.documents.models import CodeStatus

__all__ = ["CodedElementRef", "ElementOutcome", "TransformReport", "TransformResult"]

Operation = Literal["translate", "transcode"]


@dataclass(frozen=True, slots=True)
class ElementOutcome:
    status: CodeStatus
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class CodedElementRef:
    """A coded element named in a report: where it is and what it carried."""

    xpath: str
    system: str | None
    code: str | None
    display: str | None = None
    reason: str | None = None
    element: str | None = None  # coded-element table rule name, e.g. "allergy-agent"
    value_set: str | None = None
    usage: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in (
                ("xpath", self.xpath),
                ("system", self.system),
                ("code", self.code),
                ("display", self.display),
                ("reason", self.reason),
                ("element", self.element),
                ("value_set", self.value_set),
                ("usage", self.usage),
            )
            if v is not None or k in ("xpath", "system", "code")
        }


@dataclass(slots=True)
class TransformReport:
    """What a pass did, in the shape the CLI writes with ``--report``.

    ``coded_elements`` counts the document's coded elements (elements of the CDA
    namespaces carrying ``@codeSystem``, plus nullFlavored elements of the
    coded-element table), never the ``translation`` children that hold originals,
    so the count is the same before and after a pass.
    """

    operation: Operation
    document_type: str
    language: str | None = None
    country: str | None = None
    coded_elements: int = 0
    translated: int = 0
    transcoded: int = 0
    unchanged: int = 0
    #: transcode: pivot codes whose national-language display became the English term
    english_displays: int = 0
    no_information: int = 0
    untranslated: list[CodedElementRef] = field(default_factory=list)
    unmapped: list[CodedElementRef] = field(default_factory=list)
    #: display names replaced where the data type has no slot for a translation (EIVL event)
    replaced_displays: list[CodedElementRef] = field(default_factory=list)
    #: translated through a known misspelling of a code system OID (code system left as is)
    aliased: list[CodedElementRef] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)
    skipped: str | None = None

    @property
    def translatable(self) -> int:
        """Coded elements that carry a code (nullFlavored ones have nothing to translate)."""
        return self.coded_elements - self.no_information

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "operation": self.operation,
            "document_type": self.document_type,
            "language": self.language,
            "coded_elements": self.coded_elements,
        }
        if self.operation == "translate":
            out["translated"] = self.translated
        else:
            out["country"] = self.country
            out["transcoded"] = self.transcoded
            out["english_displays"] = self.english_displays
        out.update(
            unchanged=self.unchanged,
            no_information=self.no_information,
            untranslated=[r.to_json() for r in self.untranslated],
            unmapped=[r.to_json() for r in self.unmapped],
            replaced_displays=[r.to_json() for r in self.replaced_displays],
            aliased=[r.to_json() for r in self.aliased],
            errors=self.errors,
            warnings=self.warnings,
        )
        if self.skipped:
            out["skipped"] = self.skipped
        return out


@dataclass(slots=True)
class TransformResult:
    """The transformed tree (edited in place), its report and per-element outcomes."""

    tree: etree._ElementTree
    report: TransformReport
    outcomes: dict[etree._Element, ElementOutcome] = field(default_factory=dict)

    @property
    def withheld(self) -> bool:
        return bool(self.report.errors)

    def outcome(self, element: etree._Element) -> ElementOutcome | None:
        return self.outcomes.get(element)
