"""Build the ncpeh demo terminology catalogue from the TSV tables in this folder.

The catalogue is written as FHIR R4 JSON (``CodeSystem``, ``ValueSet``, ``ConceptMap``)
plus ncpeh's own ``placeholders.json`` into ``src/ncpeh/terminology/data/demo/``. The TSV
tables are the source; the JSON is generated and never edited by hand.

Usage::

    python tools/demo_catalogue/build.py            # (re)write the JSON
    python tools/demo_catalogue/build.py --check    # exit 1 if the committed JSON is stale

Standard library only, so it runs before the package is installed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
OUT = REPO / "src" / "ncpeh" / "terminology" / "data" / "demo"

VERSION = "0.1.0"
PUBLISHER = "ncpeh project (synthetic demo catalogue)"
LANGUAGES = ("en", "fr", "nb", "pt")
MVC_PREFIX = "1.3.6.1.4.1.12559.11.10.1.3.1.42."
MVC_URL = "http://terminology.ehdsi.eu/ValueSet/"
ISO_3166 = "urn:iso:std:iso:3166"
EQUIVALENCES = frozenset({"equivalent", "equal", "wider", "subsumes", "narrower", "specializes"})
#: Fixed namespace so that ConceptMap URLs are stable from one build to the next.
MAP_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ncpeh:demo-catalogue:ConceptMap")
OID_RE = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")
DISCLAIMER = (
    "Designations in English, French, Norwegian Bokmål and Portuguese written by the ncpeh "
    "project for demonstration and tests. This is not an official eHDSI Master Translation/"
    "Transcoding Catalogue (MTC) nor a release of the code system; a deployment loads the "
    "real MTC, and the editions it is licensed for, from the eHDSI Central Terminology Server."
)

Json = dict[str, Any]


class TableError(Exception):
    """A source table is inconsistent; the message names the file and row."""


@dataclass(frozen=True, slots=True)
class System:
    key: str
    oid: str
    url: str
    name: str
    title: str
    country: str
    note: str


@dataclass(frozen=True, slots=True)
class ConceptRow:
    system: str
    code: str
    terms: dict[str, str]
    value_sets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ValueSetRow:
    n: int
    name: str
    title: str


@dataclass(frozen=True, slots=True)
class MapRow:
    country: str
    source: str
    source_code: str
    target: str
    target_code: str
    equivalence: str
    comment: str


@dataclass(frozen=True, slots=True)
class PlaceholderRow:
    code_system: str
    code: str | None
    reason: str
    alias_of: str | None
    note: str


@dataclass(slots=True)
class Tables:
    systems: dict[str, System] = field(default_factory=dict)
    concepts: dict[tuple[str, str], ConceptRow] = field(default_factory=dict)
    value_sets: dict[int, ValueSetRow] = field(default_factory=dict)
    maps: list[MapRow] = field(default_factory=list)
    placeholders: list[PlaceholderRow] = field(default_factory=list)


# -- reading ----------------------------------------------------------------------------------


def read_tsv(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a TSV table with a header line; ``#`` lines and blank lines are comments."""
    lines = [
        (n, line)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.strip() and not line.startswith("#")
    ]
    if not lines:
        raise TableError(f"{path.name}: empty")
    header = lines[0][1].split("\t")
    if tuple(header) != columns:
        raise TableError(f"{path.name}: header {header} is not {list(columns)}")
    for n, line in lines[1:]:
        cells = line.split("\t")
        if len(cells) != len(columns):
            raise TableError(f"{path.name}:{n}: {len(cells)} cells, expected {len(columns)}")
        if any(cell != cell.strip() for cell in cells):
            raise TableError(f"{path.name}:{n}: leading or trailing spaces in a cell")
        yield n, dict(zip(columns, cells, strict=True))


def load_tables(folder: Path = HERE) -> Tables:
    t = Tables()
    for n, r in read_tsv(
        folder / "systems.tsv", ("key", "oid", "url", "name", "title", "country", "note")
    ):
        where = f"systems.tsv:{n}"
        if not OID_RE.match(r["oid"]):
            raise TableError(f"{where}: {r['oid']!r} is not an OID")
        if r["key"] in t.systems:
            raise TableError(f"{where}: duplicate key {r['key']}")
        for other in t.systems.values():
            if r["oid"] == other.oid or r["url"] == other.url:
                raise TableError(f"{where}: OID or URL already used by {other.key}")
        if r["country"] and not re.fullmatch(r"[A-Z]{2}", r["country"]):
            raise TableError(f"{where}: country must be ISO 3166-1 alpha-2")
        t.systems[r["key"]] = System(**r)

    for n, r in read_tsv(folder / "valuesets.tsv", ("n", "name", "title")):
        vs = ValueSetRow(int(r["n"]), r["name"], r["title"])
        if vs.n in t.value_sets:
            raise TableError(f"valuesets.tsv:{n}: duplicate value set {vs.n}")
        t.value_sets[vs.n] = vs

    for n, r in read_tsv(folder / "concepts.tsv", ("system", "code", *LANGUAGES, "vs")):
        where = f"concepts.tsv:{n}"
        if r["system"] not in t.systems:
            raise TableError(f"{where}: unknown system {r['system']}")
        terms = {lang: r[lang] for lang in LANGUAGES}
        if not r["code"] or not all(terms.values()):
            raise TableError(f"{where}: code and the en, fr, nb and pt designations are required")
        value_sets = tuple(sorted({int(x) for x in r["vs"].split(",") if x}))
        for v in value_sets:
            if v not in t.value_sets:
                raise TableError(f"{where}: value set {v} is not in valuesets.tsv")
        key = (r["system"], r["code"])
        if key in t.concepts:
            raise TableError(f"{where}: duplicate concept {key}")
        t.concepts[key] = ConceptRow(r["system"], r["code"], terms, value_sets)

    columns = (
        "country",
        "source",
        "source_code",
        "target",
        "target_code",
        "equivalence",
        "comment",
    )
    seen: set[tuple[str, str, str]] = set()
    for n, r in read_tsv(folder / "maps.tsv", columns):
        where = f"maps.tsv:{n}"
        m = MapRow(**r)
        source = t.systems.get(m.source)
        if source is None or m.target not in t.systems:
            raise TableError(f"{where}: unknown source or target system")
        if source.country != m.country:
            raise TableError(f"{where}: {m.source} is not a {m.country} national system")
        if t.systems[m.target].country:
            raise TableError(f"{where}: the target {m.target} is a national system")
        if (m.source, m.source_code) not in t.concepts:
            raise TableError(f"{where}: source code {m.source_code} is not in concepts.tsv")
        if (m.target, m.target_code) not in t.concepts:
            raise TableError(f"{where}: target code {m.target_code} is not in concepts.tsv")
        if m.equivalence not in EQUIVALENCES:
            raise TableError(f"{where}: equivalence {m.equivalence!r}")
        if (m.country, m.source, m.source_code) in seen:
            raise TableError(f"{where}: {m.source_code} is mapped twice")
        seen.add((m.country, m.source, m.source_code))
        t.maps.append(m)

    oids = {s.oid: s.key for s in t.systems.values()}
    placeholder_columns = ("codeSystem", "code", "reason", "alias_of", "note")
    for n, r in read_tsv(folder / "placeholders.tsv", placeholder_columns):
        where = f"placeholders.tsv:{n}"
        code = None if r["code"] == "*" else r["code"]
        if not r["codeSystem"] or not r["reason"]:
            raise TableError(f"{where}: codeSystem and reason are required")
        system_key = oids.get(r["codeSystem"])
        if system_key is not None and (code is None or (system_key, code) in t.concepts):
            raise TableError(f"{where}: {r['codeSystem']} {code} is a concept of {system_key}")
        alias = r["alias_of"] or None
        if alias is not None and alias not in oids:
            raise TableError(f"{where}: alias_of {alias} is not a code system of the catalogue")
        t.placeholders.append(PlaceholderRow(r["codeSystem"], code, r["reason"], alias, r["note"]))
    return t


# -- building ---------------------------------------------------------------------------------


def _identifier(oid: str) -> list[Json]:
    return [{"system": "urn:ietf:rfc:3986", "value": f"urn:oid:{oid}"}]


def _jurisdiction(country: str) -> list[Json]:
    return [{"coding": [{"system": ISO_3166, "code": country}]}]


def code_system(t: Tables, system: System) -> Json:
    concepts = sorted(
        (c for c in t.concepts.values() if c.system == system.key), key=lambda c: c.code
    )
    res: Json = {
        "resourceType": "CodeSystem",
        "id": f"ncpeh-demo-{system.key}",
        "url": system.url,
        "identifier": _identifier(system.oid),
        "version": VERSION,
        "name": system.name,
        "title": system.title,
        "status": "active",
        "experimental": True,
        "publisher": PUBLISHER,
        "description": f"{system.note} {DISCLAIMER}".strip(),
        "caseSensitive": True,
        "content": "fragment",
        "property": [
            {
                "code": "valueSet",
                "description": "OID of an eHDSI MVC value set that lists the concept "
                f"({MVC_PREFIX}N); the demo ValueSet resources carry the same membership.",
                "type": "string",
            }
        ],
        "concept": [_concept(c) for c in concepts],
    }
    if system.country:
        res["jurisdiction"] = _jurisdiction(system.country)
    return res


def _concept(c: ConceptRow) -> Json:
    out: Json = {
        "code": c.code,
        "display": c.terms["en"],
        "designation": [{"language": lang, "value": c.terms[lang]} for lang in LANGUAGES],
    }
    if c.value_sets:
        out["property"] = [
            {"code": "valueSet", "valueString": f"{MVC_PREFIX}{n}"} for n in c.value_sets
        ]
    return out


def value_set(t: Tables, vs: ValueSetRow) -> Json:
    by_system: dict[str, list[str]] = defaultdict(list)
    for c in t.concepts.values():
        if vs.n in c.value_sets:
            by_system[t.systems[c.system].url].append(c.code)
    if not by_system:
        raise TableError(f"valuesets.tsv: value set {vs.n} has no concept")
    return {
        "resourceType": "ValueSet",
        "id": f"ncpeh-demo-{vs.name}",
        "url": f"{MVC_URL}{vs.name}",
        "identifier": _identifier(f"{MVC_PREFIX}{vs.n}"),
        "version": VERSION,
        "name": vs.name,
        "title": f"{vs.title} (ncpeh demo subset)",
        "status": "active",
        "experimental": True,
        "publisher": PUBLISHER,
        "description": f"The concepts of the ncpeh demo catalogue that belong to the MVC value "
        f"set {vs.title} ({MVC_PREFIX}{vs.n}). A subset for demonstration and tests, not the "
        "MVC value set; a deployment loads the real MVC from the eHDSI Central Terminology "
        "Server.",
        "compose": {
            "include": [
                {"system": url, "concept": [{"code": code} for code in sorted(codes)]}
                for url, codes in sorted(by_system.items())
            ]
        },
    }


def concept_maps(t: Tables) -> Iterator[tuple[str, Json]]:
    """One ConceptMap per (country, national source system), one group per target system."""
    grouped: dict[tuple[str, str], list[MapRow]] = defaultdict(list)
    for m in t.maps:
        grouped[(m.country, m.source)].append(m)
    for (country, source_key), rows in sorted(grouped.items()):
        source = t.systems[source_key]
        short = source_key.removeprefix(f"{country.lower()}-")
        lang = "pt" if country == "PT" else "fr" if country == "FR" else "en"
        groups: list[Json] = []
        for target_key in sorted({m.target for m in rows}):
            target = t.systems[target_key]
            elements = []
            for m in sorted(
                (m for m in rows if m.target == target_key), key=lambda m: m.source_code
            ):
                tgt: Json = {
                    "code": m.target_code,
                    "display": t.concepts[(m.target, m.target_code)].terms["en"],
                    "equivalence": m.equivalence,
                }
                if m.comment:
                    tgt["comment"] = m.comment
                elements.append(
                    {
                        "code": m.source_code,
                        "display": t.concepts[(m.source, m.source_code)].terms[lang],
                        "target": [tgt],
                    }
                )
            groups.append({"source": source.url, "target": target.url, "element": elements})
        name = f"{country}-{short}"
        yield (
            name,
            {
                "resourceType": "ConceptMap",
                "id": f"ncpeh-demo-{name}",
                "url": f"urn:uuid:{uuid.uuid5(MAP_NAMESPACE, name)}",
                "version": VERSION,
                "name": "Demo" + "".join(p.capitalize() for p in re.split(r"[-_]", name)),
                "title": f"{source.title} to eHDSI MVC ({country}, ncpeh demo)",
                "status": "active",
                "experimental": True,
                "publisher": PUBLISHER,
                "description": f"Transcoding of {country} national codes ({source.title}, OID "
                f"{source.oid}) to eHDSI MVC codes, written by the ncpeh project for demonstration "
                "and tests. Not an official MTC mapping; a deployment loads the real MTC.",
                "jurisdiction": _jurisdiction(country),
                "group": groups,
            },
        )


def placeholders(t: Tables) -> Json:
    rows = sorted(t.placeholders, key=lambda p: (p.code_system, p.code or ""))
    out: list[Json] = []
    for p in rows:
        entry: Json = {"codeSystem": p.code_system, "code": p.code, "reason": p.reason}
        if p.alias_of is not None:
            entry["alias_of"] = p.alias_of
        entry["note"] = p.note
        out.append(entry)
    return {
        "_comment": "ncpeh's own list of (codeSystem, code) values found in real eHDSI documents "
        "that are not concepts; code null = every code of that codeSystem value. Generated by "
        "tools/demo_catalogue/build.py from placeholders.tsv.",
        "placeholders": out,
    }


def build(t: Tables) -> dict[str, str]:
    """File name -> file content, for the whole output folder."""
    files: dict[str, Json] = {}
    for system in t.systems.values():
        files[f"CodeSystem-{system.key}.json"] = code_system(t, system)
    for vs in t.value_sets.values():
        files[f"ValueSet-{vs.name}.json"] = value_set(t, vs)
    for name, cm in concept_maps(t):
        files[f"ConceptMap-{name}.json"] = cm
    files["placeholders.json"] = placeholders(t)
    return {name: dump(files[name]) for name in sorted(files)}


def dump(data: Json) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


# -- command line -----------------------------------------------------------------------------


def stale_files(expected: dict[str, str], out: Path) -> list[str]:
    """Names whose committed content differs from ``expected`` (missing and extra included)."""
    present = {p.name for p in out.glob("*.json")} if out.is_dir() else set()
    stale = [
        name
        for name, text in expected.items()
        if name not in present or (out / name).read_text(encoding="utf-8") != text
    ]
    return sorted([*stale, *(present - expected.keys())])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="do not write; exit 1 if the committed JSON is not up to date",
    )
    parser.add_argument(
        "--out", type=Path, default=OUT, help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    try:
        expected = build(load_tables())
    except TableError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    out: Path = args.out
    stale = stale_files(expected, out)
    if args.check:
        if stale:
            sys.stderr.write(
                "demo catalogue is stale; run python tools/demo_catalogue/build.py\n"
                + "".join(f"  {name}\n" for name in stale)
            )
            return 1
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name in stale:
        path = out / name
        if name in expected:
            path.write_text(expected[name], encoding="utf-8", newline="\n")
        else:
            path.unlink()
    sys.stdout.write(f"{len(expected)} files in {out} ({len(stale)} updated)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
