"""Read FHIR R4 ``CodeSystem``/``ValueSet``/``ConceptMap`` JSON into a :class:`Catalogue`.

Accepted input: one resource per file, a FHIR ``Bundle`` of them, or a directory of
``*.json`` files. Designations carry ``designation.language``; the concept's
``display`` is the English (pivot) term. ``ConceptMap.jurisdiction`` (ISO 3166)
names the country whose national codes the map transcodes.

Also reads ncpeh's own ``placeholders.json`` list of (codeSystem, code) values
that occur in real documents but are not concepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from ncpeh.files import write_atomic
from ncpeh.terminology._catalogue import (
    Catalogue,
    CatalogueFormatError,
    international_systems,
)
from ncpeh.terminology.models import (
    CodeSystem,
    Concept,
    ConceptMapping,
    Designation,
    Placeholder,
    ValueSet,
)

_OID_PREFIX = "urn:oid:"
_MAX_FILE_BYTES = 256 * 1024 * 1024
_Json = dict[str, Any]


def demo_catalogue_dir() -> Path:
    """The directory of the demo catalogue shipped in the package."""
    return Path(str(resources.files("ncpeh.terminology").joinpath("data/demo")))


@dataclass(frozen=True, slots=True)
class _Source:
    name: str
    resource: _Json


def _iter_files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        elif path.is_file():
            yield path
        else:
            raise CatalogueFormatError(f"{path}: no such file or directory")


def read_resources(paths: Iterable[Path]) -> list[_Source]:
    """Read JSON files (unwrapping Bundles) into resources, with their file names."""
    out: list[_Source] = []
    for file in _iter_files(paths):
        if file.stat().st_size > _MAX_FILE_BYTES:
            raise CatalogueFormatError(f"{file}: over the {_MAX_FILE_BYTES}-byte limit")
        try:
            data = orjson.loads(file.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise CatalogueFormatError(f"{file}: not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise CatalogueFormatError(f"{file}: expected a JSON object")
        if data.get("resourceType") == "Bundle":
            for i, entry in enumerate(data.get("entry") or []):
                res = entry.get("resource") if isinstance(entry, dict) else None
                if not isinstance(res, dict):
                    raise CatalogueFormatError(f"{file}: Bundle.entry[{i}] has no resource")
                out.append(_Source(f"{file}#entry[{i}]", res))
        else:
            out.append(_Source(str(file), data))
    return out


def _str(res: _Json, key: str, where: str) -> str:
    value = res.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueFormatError(f"{where}: missing or empty '{key}'")
    return value


def _oid_of(res: _Json, url: str, builtin: dict[str, tuple[str, str]]) -> str:
    for ident in res.get("identifier") or []:
        value = ident.get("value") if isinstance(ident, dict) else None
        if isinstance(value, str) and value.startswith(_OID_PREFIX):
            return value[len(_OID_PREFIX) :]
    if url.startswith(_OID_PREFIX):
        return url[len(_OID_PREFIX) :]
    if url in builtin:
        return builtin[url][0]
    return url


def _concepts(items: list[Any], oid: str, where: str) -> Iterator[Concept]:
    for i, item in enumerate(items):
        here = f"{where}.concept[{i}]"
        if not isinstance(item, dict):
            raise CatalogueFormatError(f"{here}: expected an object")
        code = _str(item, "code", here)
        display = item.get("display") or ""
        designations: list[Designation] = []
        for j, d in enumerate(item.get("designation") or []):
            lang = d.get("language") if isinstance(d, dict) else None
            value = d.get("value") if isinstance(d, dict) else None
            if not isinstance(lang, str) or not isinstance(value, str) or not value:
                raise CatalogueFormatError(f"{here}.designation[{j}]: needs language and value")
            designations.append(Designation(lang, value))
            if not display and lang.lower().startswith("en"):
                display = value
        yield Concept(oid, code, str(display), tuple(designations))
        yield from _concepts(item.get("concept") or [], oid, here)


class _Resolver:
    def __init__(self, builtin: dict[str, tuple[str, str]], systems: dict[str, str]) -> None:
        self._builtin = builtin
        self._systems = systems

    def oid(self, system: str) -> str:
        if system in self._systems:
            return self._systems[system]
        if system in self._builtin:
            return self._builtin[system][0]
        if system.startswith(_OID_PREFIX):
            return system[len(_OID_PREFIX) :]
        return system


def catalogue_from_resources(sources: Iterable[_Source]) -> Catalogue:
    """Compile resources into a :class:`Catalogue` (two passes: systems first)."""
    builtin = international_systems()
    code_systems: list[CodeSystem] = []
    url_to_oid: dict[str, str] = {}
    later: list[_Source] = []
    placeholders: list[Placeholder] = []
    for src in sources:
        res = src.resource
        kind = res.get("resourceType")
        if kind == "CodeSystem":
            url = _str(res, "url", src.name)
            oid = _oid_of(res, url, builtin)
            name = str(res.get("name") or res.get("title") or url)
            concepts = tuple(_concepts(res.get("concept") or [], oid, src.name))
            code_systems.append(CodeSystem(oid, url, name, res.get("version"), concepts))
            url_to_oid[url] = oid
        elif kind in ("ValueSet", "ConceptMap"):
            later.append(src)
        elif kind is None and "placeholders" in res:
            placeholders.extend(_placeholders(res, src.name))
        else:
            raise CatalogueFormatError(
                f"{src.name}: resourceType {kind!r} is not a CodeSystem, ValueSet or ConceptMap"
            )
    # Well-known systems that no CodeSystem declared still resolve by URL.
    for url, (oid, name) in builtin.items():
        if url not in url_to_oid and oid not in {cs.oid for cs in code_systems}:
            code_systems.append(CodeSystem(oid, url, name))
    resolver = _Resolver(builtin, url_to_oid)
    value_sets: list[ValueSet] = []
    mappings: list[ConceptMapping] = []
    for src in later:
        if src.resource["resourceType"] == "ValueSet":
            value_sets.append(_value_set(src, resolver))
        else:
            mappings.extend(_concept_map(src, resolver))
    return Catalogue.build(code_systems, value_sets, mappings, placeholders)


def _value_set(src: _Source, resolver: _Resolver) -> ValueSet:
    res = src.resource
    url = _str(res, "url", src.name)
    oid = _oid_of(res, url, {})
    members: set[tuple[str, str]] = set()
    for inc in (res.get("compose") or {}).get("include") or []:
        system = inc.get("system")
        if not isinstance(system, str):
            raise CatalogueFormatError(f"{src.name}: compose.include without system")
        sys_oid = resolver.oid(system)
        for c in inc.get("concept") or []:
            members.add((sys_oid, _str(c, "code", src.name)))
    stack = list((res.get("expansion") or {}).get("contains") or [])
    while stack:
        c = stack.pop()
        if isinstance(c.get("system"), str) and isinstance(c.get("code"), str):
            members.add((resolver.oid(c["system"]), c["code"]))
        stack.extend(c.get("contains") or [])
    name = str(res.get("name") or res.get("title") or url)
    return ValueSet(oid, url, name, frozenset(members))


def _concept_map(src: _Source, resolver: _Resolver) -> Iterator[ConceptMapping]:
    res = src.resource
    countries = [
        coding.get("code")
        for j in res.get("jurisdiction") or []
        for coding in (j.get("coding") or [])
        if coding.get("system") == "urn:iso:std:iso:3166" and isinstance(coding.get("code"), str)
    ]
    if not countries:
        raise CatalogueFormatError(
            f"{src.name}: ConceptMap needs a jurisdiction coding from urn:iso:std:iso:3166 "
            "naming the country whose codes it maps"
        )
    for g, group in enumerate(res.get("group") or []):
        where = f"{src.name}.group[{g}]"
        source = resolver.oid(_str(group, "source", where))
        target = resolver.oid(_str(group, "target", where))
        for e, element in enumerate(group.get("element") or []):
            code = _str(element, "code", f"{where}.element[{e}]")
            for t in element.get("target") or []:
                equivalence = str(t.get("equivalence") or "equivalent")
                if equivalence in ("unmatched", "disjoint") or not t.get("code"):
                    continue
                for country in countries:
                    yield ConceptMapping(
                        country.upper(),
                        source,
                        code,
                        target,
                        str(t["code"]),
                        t.get("display"),
                        equivalence,
                    )


def _placeholders(res: _Json, where: str) -> Iterator[Placeholder]:
    for i, p in enumerate(res.get("placeholders") or []):
        here = f"{where}.placeholders[{i}]"
        if not isinstance(p, dict):
            raise CatalogueFormatError(f"{here}: expected an object")
        code = p.get("code")
        alias = p.get("alias_of")
        yield Placeholder(
            _str(p, "codeSystem", here),
            code if isinstance(code, str) else None,
            _str(p, "reason", here),
            alias if isinstance(alias, str) and alias else None,
        )


def load_catalogue(paths: Iterable[Path] = (), *, include_demo: bool = True) -> Catalogue:
    """Load the demo catalogue (optional) plus every resource under ``paths``."""
    roots: list[Path] = []
    if include_demo:
        roots.append(demo_catalogue_dir())
    roots.extend(paths)
    return catalogue_from_resources(read_resources(roots))


class CatalogueStore:
    """A directory holding imported FHIR terminology, one file per resource.

    ``import_files`` validates everything first (the whole set must compile into a
    catalogue) and only then writes, each file atomically: a bad import leaves the
    store as it was.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def import_files(self, paths: Iterable[Path]) -> list[Path]:
        sources = read_resources(paths)
        if not sources:
            raise CatalogueFormatError("nothing to import: no JSON resources found")
        existing = read_resources([self.root]) if self.root.is_dir() else []
        catalogue_from_resources([*existing, *sources])  # validates the combination
        self.root.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for src in sources:
            res = src.resource
            kind = res.get("resourceType") or "Placeholders"
            ident = str(res.get("id") or res.get("url") or Path(src.name).stem)
            safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in ident)[:120]
            target = self.root / f"{kind}-{safe}.json"
            write_atomic(target, orjson.dumps(res, option=orjson.OPT_INDENT_2))
            written.append(target)
        return written
