from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import orjson
from lxml import etree

from ncpeh.documents._cda import CDA_NAMESPACES, V3, DocumentType

Usage = str  # "R" | "RNFA" | "O" | "NA"

_STEP = re.compile(r"^([A-Za-z][\w]*)((?:\[[^\]]+\])*)$")
_PRED = re.compile(r"\[([^\]]+)\]")
_Q_TEMPLATE = f"{{{V3}}}templateId"
_Q_CODE = f"{{{V3}}}code"


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    templates: tuple[str, ...]
    attrs: tuple[tuple[str, str], ...]
    child_code: str | None
    suffix: str = ""

    def matches(self, el: etree._Element) -> bool:
        tag = el.tag
        if not isinstance(tag, str):
            return False
        if not (tag.endswith(self.suffix) or tag == self.name):
            return False
        for key, value in self.attrs:
            if el.get(key) != value:
                return False
        if self.templates:
            roots = {t.get("root") for t in el.iterchildren(_Q_TEMPLATE)}
            if not all(t in roots for t in self.templates):
                return False
        if self.child_code is not None:
            code = el.find(_Q_CODE)
            if code is None or code.get("code") != self.child_code:
                return False
        return True


@dataclass(frozen=True, slots=True)
class CodedElementRule:
    """One row of the coded-element table: where, which MVC value set, how required."""

    name: str
    path: str
    value_set: str
    usage: dict[str, Usage]
    absolute: bool
    steps: tuple[_Step, ...]

    def usage_for(self, doc_type: DocumentType) -> Usage:
        return self.usage.get(doc_type.value, "NA")

    @property
    def leaf(self) -> str:
        return self.steps[-1].name

    def matches(self, el: etree._Element) -> bool:
        node: etree._Element | None = el
        for step in reversed(self.steps):
            if node is None or not step.matches(node):
                return False
            node = node.getparent()
        return not self.absolute or node is None


def _parse_step(text: str) -> _Step:
    m = _STEP.match(text)
    if m is None:
        raise ValueError(f"bad coded-element path step: {text!r}")
    templates: list[str] = []
    attrs: list[tuple[str, str]] = []
    child_code: str | None = None
    for pred in _PRED.findall(m.group(2)):
        if pred.startswith("tpl:"):
            templates.append(pred[4:])
        elif pred.startswith("code:"):
            child_code = pred[5:]
        elif pred.startswith("@") and "=" in pred:
            key, value = pred[1:].split("=", 1)
            attrs.append((key, value))
        else:
            raise ValueError(f"bad coded-element predicate: [{pred}]")
    name = m.group(1)
    return _Step(name, tuple(templates), tuple(attrs), child_code, "}" + name)


def _parse_rule(raw: dict[str, object]) -> CodedElementRule:
    path = str(raw["path"])
    absolute = not path.startswith("//")
    steps = tuple(_parse_step(s) for s in path.lstrip("/").split("/"))
    usage = raw["usage"]
    if not isinstance(usage, dict):
        raise ValueError(f"usage of {path} must be an object")
    return CodedElementRule(
        str(raw["name"]),
        path,
        str(raw["value_set"]),
        {str(k): str(v) for k, v in usage.items()},
        absolute,
        steps,
    )


class CodedElementTable:
    """The table of eHDSI coded elements, indexed by leaf element name.

    Matching walks up from a candidate element, so it is only done for the few
    elements that need it (unmapped, untranslated, nullFlavored): translation
    itself applies to every coded element, listed or not.
    """

    def __init__(self, rules: tuple[CodedElementRule, ...]) -> None:
        self.rules = rules
        by_leaf: dict[str, list[CodedElementRule]] = {}
        for rule in rules:
            by_leaf.setdefault(rule.leaf, []).append(rule)
        # Most specific (longest) first, so a generic rule never shadows a precise one.
        self._by_leaf = {
            k: tuple(sorted(v, key=lambda r: -len(r.steps))) for k, v in by_leaf.items()
        }
        # Candidates by (leaf, parent) name: most elements are rejected by one dict probe.
        by_pair: dict[tuple[str, str | None], list[CodedElementRule]] = {}
        for leaf, ordered in self._by_leaf.items():
            for rule in ordered:
                parent = rule.steps[-2].name if len(rule.steps) > 1 else None
                by_pair.setdefault((leaf, parent), []).append(rule)
        self._by_pair = {k: tuple(v) for k, v in by_pair.items()}
        self._single_step = frozenset(k[0] for k in by_pair if k[1] is None)

    @property
    def leaf_names(self) -> frozenset[str]:
        return frozenset(self._by_leaf)

    def match(self, el: etree._Element) -> CodedElementRule | None:
        tag = el.tag
        if not isinstance(tag, str):
            return None
        ns, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
        if ns not in CDA_NAMESPACES:
            return None
        parent = el.getparent()
        ptag = parent.tag if parent is not None else None
        parent_local = ptag.rpartition("}")[2] if isinstance(ptag, str) else None
        candidates = self._by_pair.get((local, parent_local), ())
        if local in self._single_step:
            candidates = (*candidates, *self._by_pair.get((local, None), ()))
        for rule in candidates:
            if rule.matches(el):
                return rule
        return None


@lru_cache(maxsize=1)
def coded_element_table() -> CodedElementTable:
    """The shipped table (``documents/data/coded_elements.json``), parsed once."""
    raw = resources.files("ncpeh.documents").joinpath("data/coded_elements.json").read_bytes()
    data = orjson.loads(raw)
    return CodedElementTable(tuple(_parse_rule(r) for r in data["rules"]))
