"""Pure terminology types: code systems, concepts, designations, value sets, maps.

Code systems are keyed the way CDA writes them: by OID. FHIR URIs are kept
alongside and resolved to the OID on import, so a CDA ``@codeSystem`` and a FHIR
``Coding.system`` land on the same concept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "CodeSystem",
    "Concept",
    "ConceptMapping",
    "Designation",
    "Placeholder",
    "ValueSet",
]


@dataclass(frozen=True, slots=True)
class Designation:
    """A term for a concept in one language (BCP-47 tag such as ``fr`` or ``nb-NO``)."""

    language: str
    value: str


@dataclass(frozen=True, slots=True)
class Concept:
    system: str
    code: str
    display: str
    designations: tuple[Designation, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeSystem:
    """A code system as CDA (``oid``) and FHIR (``url``) name it."""

    oid: str
    url: str
    name: str
    version: str | None = None
    concepts: tuple[Concept, ...] = ()


@dataclass(frozen=True, slots=True)
class ValueSet:
    """An MVC value set: its OID (``1.3.6.1.4.1.12559.11.10.1.3.1.42.N``) and members."""

    oid: str
    url: str
    name: str
    members: frozenset[tuple[str, str]] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class ConceptMapping:
    """National code -> MVC code, valid for one country (ISO 3166-1 alpha-2)."""

    country: str
    source_system: str
    source_code: str
    target_system: str
    target_code: str
    target_display: str | None = None
    equivalence: str = "equivalent"


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A (codeSystem, code) seen in real documents that is not a real concept.

    ``code`` is ``None`` when the whole code system value is a placeholder.
    ``alias_of`` names the real code system when the value is a known misspelling
    of it (e.g. ``1.3.5.1.4.1.19376.1.5.3.2`` for IHE's ``1.3.6.1.4.1.19376.1.5.3.2``):
    translation then reads the real system and reports the correction.
    """

    system: str
    code: str | None
    reason: str
    alias_of: str | None = None
