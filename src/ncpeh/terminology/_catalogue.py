from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import orjson

from ncpeh.errors import NcpehError
from ncpeh.terminology.models import (
    CodeSystem,
    Concept,
    ConceptMapping,
    Placeholder,
    ValueSet,
)

#: The eHDSI pivot language. English designations are the concepts' display.
PIVOT_LANGUAGE = "en"


class TerminologyError(NcpehError):
    code = "terminology.error"


class CatalogueFormatError(TerminologyError):
    code = "terminology.format"


@lru_cache(maxsize=1)
def international_systems() -> dict[str, tuple[str, str]]:
    """FHIR URI -> (OID, name) of the international code systems eHDSI pivots use.

    Codes from these systems are already pivot codes; codes from any other system
    are national and need a concept map to reach the MVC.
    """
    raw = resources.files("ncpeh.terminology").joinpath("data/systems.json").read_bytes()
    return {s["url"]: (s["oid"], s["name"]) for s in orjson.loads(raw)["systems"]}


def base_language(tag: str) -> str:
    """``fr-FR`` -> ``fr``; ``NB_no`` -> ``nb``; ``no`` stays ``no``."""
    return tag.replace("_", "-").split("-", 1)[0].lower()


_LANGUAGE_FALLBACK = {"no": "nb", "nn": "nb"}


@dataclass(frozen=True, slots=True)
class Lookup:
    """The outcome of looking a code up for one target language."""

    concept: Concept | None
    term: str | None
    placeholder: Placeholder | None


class Catalogue:
    """In-memory terminology index, compiled once and read-only afterwards.

    Every hot-path lookup is one or two dict probes: no I/O, no per-concept query
    (house style, performance rule 5). Build it with :meth:`build` or
    :func:`ncpeh.terminology.load_catalogue`.

    Example:
        >>> from ncpeh.terminology.models import CodeSystem, Concept, Designation
        >>> cs = CodeSystem("2.16.840.1.113883.5.1", "http://x", "Gender",
        ...     concepts=(Concept("2.16.840.1.113883.5.1", "F", "Female",
        ...                       (Designation("fr", "Féminin"),)),))
        >>> Catalogue.build([cs]).term("2.16.840.1.113883.5.1", "F", "fr-FR")
        'Féminin'
    """

    __slots__ = (
        "_by_lang",
        "_concepts",
        "_maps",
        "_placeholder_codes",
        "_placeholder_systems",
        "_pivot_systems",
        "_systems",
        "_url_to_oid",
        "_value_sets",
        "_vs_by_url",
    )

    def __init__(self) -> None:
        self._systems: dict[str, CodeSystem] = {}
        self._url_to_oid: dict[str, str] = {}
        self._concepts: dict[tuple[str, str], Concept] = {}
        self._by_lang: dict[str, dict[tuple[str, str], str]] = {}
        self._value_sets: dict[str, ValueSet] = {}
        self._vs_by_url: dict[str, str] = {}
        self._maps: dict[tuple[str, str, str], ConceptMapping] = {}
        self._placeholder_systems: dict[str, Placeholder] = {}
        self._placeholder_codes: dict[tuple[str, str], Placeholder] = {}
        self._pivot_systems: frozenset[str] = frozenset()

    # -- construction -------------------------------------------------------------
    @classmethod
    def build(
        cls,
        code_systems: Iterable[CodeSystem],
        value_sets: Iterable[ValueSet] = (),
        mappings: Iterable[ConceptMapping] = (),
        placeholders: Iterable[Placeholder] = (),
        pivot_systems: Iterable[str] | None = None,
    ) -> Catalogue:
        """Compile the index. ``pivot_systems`` (OIDs) defaults to the international ones."""
        cat = cls()
        if pivot_systems is None:
            pivot_systems = (oid for oid, _ in international_systems().values())
        cat._pivot_systems = frozenset(pivot_systems)
        for cs in code_systems:
            cat._add_code_system(cs)
        for vs in value_sets:
            cat._value_sets[vs.oid] = vs
            cat._vs_by_url[vs.url] = vs.oid
        for m in mappings:
            cat._maps[(m.country.upper(), m.source_system, m.source_code)] = m
        for p in placeholders:
            if p.code is None:
                cat._placeholder_systems[p.system] = p
            else:
                cat._placeholder_codes[(p.system, p.code)] = p
        return cat

    def _add_code_system(self, cs: CodeSystem) -> None:
        known = self._systems.get(cs.oid)
        if known is not None and known.url != cs.url:
            raise CatalogueFormatError(
                f"code system {cs.oid} declared with two URLs: {known.url} and {cs.url}"
            )
        self._systems[cs.oid] = cs if known is None else known
        self._url_to_oid[cs.url] = cs.oid
        self._url_to_oid[f"urn:oid:{cs.oid}"] = cs.oid
        for concept in cs.concepts:
            key = (cs.oid, concept.code)
            self._concepts[key] = concept
            en = self._by_lang.setdefault(PIVOT_LANGUAGE, {})
            en.setdefault(key, concept.display)
            for d in concept.designations:
                full = d.language.replace("_", "-").lower()
                base = base_language(full)
                self._by_lang.setdefault(base, {})[key] = d.value
                if full != base:
                    self._by_lang.setdefault(full, {})[key] = d.value

    # -- queries ------------------------------------------------------------------
    def system_oid(self, system: str) -> str:
        """Resolve a FHIR URI or ``urn:oid:`` to the OID; unknown values pass through."""
        oid = self._url_to_oid.get(system)
        if oid is not None:
            return oid
        if system.startswith("urn:oid:"):
            return system[8:]
        return system

    def code_system(self, system: str) -> CodeSystem | None:
        return self._systems.get(self.system_oid(system))

    def concept(self, system: str, code: str) -> Concept | None:
        return self._concepts.get((system, code)) or self._concepts.get(
            (self.system_oid(system), code)
        )

    def term(self, system: str, code: str, language: str) -> str | None:
        """The designation of (system, code) in ``language`` (``fr-FR`` falls back to ``fr``)."""
        key = (system, code)
        tag = language.replace("_", "-").lower()
        table = self._by_lang.get(tag)
        if table is not None:
            hit = table.get(key)
            if hit is not None:
                return hit
        base = base_language(tag)
        base = _LANGUAGE_FALLBACK.get(base, base)
        table = self._by_lang.get(base)
        if table is None:
            return None
        hit = table.get(key)
        if hit is None and system not in self._systems:
            return table.get((self.system_oid(system), code))
        return hit

    def is_pivot_system(self, system: str) -> bool:
        """True for international systems whose codes need no national mapping."""
        return self.system_oid(system) in self._pivot_systems

    def placeholder(self, system: str, code: str | None) -> Placeholder | None:
        """Why (system, code) is not a real concept, when the catalogue lists it so."""
        hit = self._placeholder_systems.get(system)
        if hit is None and code is not None:
            hit = self._placeholder_codes.get((system, code))
        return hit

    def mapping(self, country: str, system: str, code: str) -> ConceptMapping | None:
        """The national -> MVC mapping for ``country``, or ``None``."""
        cc = country.upper()
        hit = self._maps.get((cc, system, code))
        if hit is None:
            hit = self._maps.get((cc, self.system_oid(system), code))
        return hit

    def value_set(self, ref: str) -> ValueSet | None:
        """A value set by OID, ``urn:oid:`` or canonical URL."""
        oid = self._vs_by_url.get(ref, ref[8:] if ref.startswith("urn:oid:") else ref)
        return self._value_sets.get(oid)

    def in_value_set(self, ref: str, system: str, code: str) -> bool | None:
        """Membership, or ``None`` when the value set is not in the catalogue."""
        vs = self.value_set(ref)
        if vs is None:
            return None
        return (system, code) in vs.members or (self.system_oid(system), code) in vs.members

    def languages(self) -> frozenset[str]:
        return frozenset(self._by_lang)

    @property
    def concept_count(self) -> int:
        return len(self._concepts)

    @property
    def code_systems(self) -> tuple[CodeSystem, ...]:
        return tuple(self._systems.values())

    @property
    def value_sets(self) -> tuple[ValueSet, ...]:
        return tuple(self._value_sets.values())

    @property
    def mappings(self) -> tuple[ConceptMapping, ...]:
        return tuple(self._maps.values())

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return (*self._placeholder_systems.values(), *self._placeholder_codes.values())

    def countries_with_maps(self) -> frozenset[str]:
        return frozenset(k[0] for k in self._maps)
