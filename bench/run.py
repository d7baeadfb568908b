"""ncpeh benchmarks (``make bench``). Not a test: it measures and reports.

Every figure is a ratio to a floor measured in the same run (the machines are
shared and noisy), from medians of repeated runs:

* translate: hardened parse + translate + serialize, divided by bare lxml
  parse + serialize of the same bytes, per corpus document;
* transcode + translate of our own friendly fixtures, same floor;
* HTML render (view extraction + Jinja2) per document;
* catalogue cold load: the demo catalogue and a generated 100,000-concept one,
  each in a fresh interpreter;
* peak memory (max RSS) of those runs.

Results go to stdout and ``bench/results/latest.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / ".." / "shared" / "conformance" / "ehdsi-cda").resolve()
REPEAT = int(os.environ.get("NCPEH_BENCH_REPEAT", "15"))


def median_ms(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - t0)
    return statistics.median(samples) / 1e6


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "platform": platform.platform(),
    }


def bench_translate() -> dict[str, object]:
    from ncpeh.terminology import load_catalogue
    from ncpeh.transform import translate
    from ncpeh.xmlsafe import parse_xml, serialize_xml

    catalogue = load_catalogue()
    bare_parser = etree.XMLParser()
    rows = []
    files = sorted(p for d in ("ps", "ep", "ed") for p in (CORPUS / d).glob("*.xml"))
    for path in files:
        data = path.read_bytes()

        def bare(data: bytes = data) -> bytes:
            return etree.tostring(
                etree.fromstring(data, bare_parser), xml_declaration=True, encoding="UTF-8"
            )

        def full(data: bytes = data, lang: str = "fr") -> bytes:
            tree = parse_xml(data)
            translate(tree, catalogue=catalogue, language=lang)
            return serialize_xml(tree)

        floor = median_ms(bare)
        fr = median_ms(full)
        rows.append(
            {
                "file": f"{path.parent.name}/{path.name}",
                "kb": round(len(data) / 1024, 1),
                "parse_serialize_ms": round(floor, 3),
                "translate_ms": round(fr, 3),
                "ratio": round(fr / floor, 2),
            }
        )
    ratios = [r["ratio"] for r in rows]
    return {
        "documents": rows,
        "median_ratio": round(statistics.median(ratios), 2),
        "max_ratio": max(ratios),
        "min_ratio": min(ratios),
    }


def bench_transcode_translate() -> list[dict[str, object]]:
    from ncpeh.samples import sample_path
    from ncpeh.terminology import load_catalogue
    from ncpeh.transform import transcode, translate
    from ncpeh.xmlsafe import parse_xml, serialize_xml

    catalogue = load_catalogue()
    out = []
    for name, country in (("PT-PS-friendly.xml", "PT"), ("FR-PS-friendly.xml", "FR")):
        path = sample_path(name)
        if not path.is_file():
            continue
        data = path.read_bytes()

        def bare(data: bytes = data) -> bytes:
            return etree.tostring(etree.fromstring(data), xml_declaration=True, encoding="UTF-8")

        def full(data: bytes = data, country: str = country) -> bytes:
            tree = parse_xml(data)
            transcode(tree, catalogue=catalogue, country=country)
            translate(tree, catalogue=catalogue, language="fr")
            return serialize_xml(tree)

        floor = median_ms(bare)
        t = median_ms(full)
        out.append(
            {
                "file": name,
                "parse_serialize_ms": round(floor, 3),
                "transcode_translate_ms": round(t, 3),
                "ratio": round(t / floor, 2),
            }
        )
    return out


def bench_render() -> dict[str, object]:
    from ncpeh.documents import extract_view
    from ncpeh.render import render_html
    from ncpeh.terminology import load_catalogue
    from ncpeh.transform import translate
    from ncpeh.xmlsafe import parse_xml

    catalogue = load_catalogue()
    rows = []
    for path in sorted((CORPUS / "ps").glob("*.xml")):
        data = path.read_bytes()
        tree = parse_xml(data)
        result = translate(tree, catalogue=catalogue, language="fr")
        floor = median_ms(lambda data=data: etree.fromstring(data))

        def html(result: object = result) -> str:
            view = extract_view(
                result.tree,
                display_language="fr",  # type: ignore[attr-defined]
                outcomes=result.outcomes,
            )  # type: ignore[attr-defined]
            return render_html(view, language="fr")

        t = median_ms(html)
        rows.append(
            {
                "file": path.name,
                "render_ms": round(t, 3),
                "parse_ms": round(floor, 3),
                "ratio_to_parse": round(t / floor, 2),
            }
        )
    times = [r["render_ms"] for r in rows]
    return {
        "documents": rows,
        "median_ms": round(statistics.median(times), 2),
        "max_ms": max(times),
        "speedup_vs_saxon_display_tool_110_280ms": [
            round(110 / max(times), 1),
            round(280 / statistics.median(times), 1),
        ],
    }


_COLD = """
import resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from ncpeh.terminology import load_catalogue
t1 = time.perf_counter()
cat = load_catalogue([Path(p) for p in sys.argv[2:]], include_demo=sys.argv[1] == "demo")
t2 = time.perf_counter()
assert cat.concept_count > 0
print(t2 - t1, t1 - t0, cat.concept_count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def cold_load(*args: str) -> dict[str, float]:
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", _COLD, *args], capture_output=True, text=True, check=True
        ).stdout.split()
        runs.append(out)
    load = statistics.median(float(r[0]) for r in runs)
    imported = statistics.median(float(r[1]) for r in runs)
    return {
        "load_s": round(load, 3),
        "import_s": round(imported, 3),
        "concepts": int(runs[0][2]),
        "max_rss_mb": round(int(runs[0][3]) / 1024, 1),
    }


def generate_catalogue(directory: Path, concepts: int = 100_000) -> None:
    """A synthetic 100k-concept FHIR CodeSystem with 4 designations each, plus a map."""
    cs = {
        "resourceType": "CodeSystem",
        "url": "urn:oid:1.2.3.4.99",
        "name": "Synthetic",
        "status": "active",
        "content": "complete",
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": "urn:oid:1.2.3.4.99"}],
        "concept": [
            {
                "code": f"C{i:06d}",
                "display": f"Synthetic concept {i}",
                "designation": [
                    {"language": lg, "value": f"{lg} concept {i}"}
                    for lg in ("en", "fr", "nb", "pt")
                ],
            }
            for i in range(concepts)
        ],
    }
    (directory / "CodeSystem-synthetic.json").write_text(json.dumps(cs))
    vs = {
        "resourceType": "ValueSet",
        "url": "urn:x:vs",
        "compose": {
            "include": [
                {
                    "system": "urn:oid:1.2.3.4.99",
                    "concept": [{"code": f"C{i:06d}"} for i in range(0, concepts, 2)],
                }
            ]
        },
    }
    (directory / "ValueSet-synthetic.json").write_text(json.dumps(vs))
    cm = {
        "resourceType": "ConceptMap",
        "url": "urn:x:cm",
        "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "PT"}]}],
        "group": [
            {
                "source": "urn:oid:9.9.9",
                "target": "urn:oid:1.2.3.4.99",
                "element": [
                    {
                        "code": f"N{i}",
                        "target": [{"code": f"C{i:06d}", "equivalence": "equivalent"}],
                    }
                    for i in range(0, concepts, 4)
                ],
            }
        ],
    }
    (directory / "ConceptMap-synthetic.json").write_text(json.dumps(cm))


def main() -> None:
    results: dict[str, object] = {"machine": machine(), "repeat": REPEAT}
    if CORPUS.is_dir():
        results["translate"] = tr = bench_translate()
        print(
            f"translate ÷ parse+serialize: median {tr['median_ratio']}×, "
            f"range {tr['min_ratio']}–{tr['max_ratio']}× over {len(tr['documents'])} docs"
        )
        results["render_html"] = rh = bench_render()
        print(f"HTML render per PS: median {rh['median_ms']} ms, max {rh['max_ms']} ms")
    else:
        print(f"corpus not found at {CORPUS}: corpus benchmarks skipped")
    results["transcode_translate"] = tt = bench_transcode_translate()
    for row in tt:
        print(f"transcode+translate {row['file']}: {row['ratio']}× parse+serialize")
    results["catalogue_demo"] = cd = cold_load("demo")
    print(
        f"demo catalogue cold load: {cd['load_s']} s ({cd['concepts']} concepts, "
        f"max RSS {cd['max_rss_mb']} MB)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        generate_catalogue(Path(tmp))
        results["catalogue_100k"] = c100 = cold_load("none", tmp)
    print(f"100k-concept catalogue cold load: {c100['load_s']} s (max RSS {c100['max_rss_mb']} MB)")
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"machine: {results['machine']}")
    print(f"full results: {out / 'latest.json'}")


if __name__ == "__main__":
    main()
