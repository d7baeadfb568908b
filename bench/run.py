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
    import resource

    return {
        "process_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
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
        # The eHDSI display tool (XSLT 2.0 on Saxon-HE) takes 110-280 ms per PS on this
        # kind of machine (issue figure): how many times faster than its fastest case.
        "times_faster_than_saxon_110ms_at_median": round(110 / statistics.median(times), 1),
        "times_faster_than_saxon_110ms_at_max": round(110 / max(times), 1),
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


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def bench_gateway(transactions: int = 240) -> dict[str, object]:
    """End-to-end PS retrieval FR (B) <- PT (A) over mTLS keep-alive with signed assertions.

    Each transaction is ITI-39 retrieve of the L3 (HCP + TRC verified at A, consent,
    national store read, transcode) plus translation to French at B. The raw floor is
    a bare POST of the same pivot bytes to an echo endpoint over the same kind of
    keep-alive mTLS connection; gateway-added time = transaction - raw exchange.
    """
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    from ncpeh.gateway import CountryPlan, build_network, demo_hp_identity
    from ncpeh.net import MtlsServer, PartnerClient, client_ssl_context, server_ssl_context
    from ncpeh.terminology import load_catalogue
    from ncpeh.trust import PatientId

    catalogue = load_catalogue()
    plan = (
        CountryPlan("FR", consumes=frozenset({"60591-5"})),
        CountryPlan("PT", exports=frozenset({"60591-5", "57833-6"}), consent="opt-in"),
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        network = build_network(Path(tmp), catalogue=catalogue, plan=plan)
        network.start()
        cold = time.perf_counter() - t0
        try:
            fr = network.nodes["FR"]
            pt_node = network.nodes["PT"]
            patient = network.patients["PT"][0].identifier
            pid = PatientId(root=patient.domain, extension=patient.value)
            session = fr.initiator.login(demo_hp_identity("FR"))
            fr.initiator.query_patient(session, country="PT", patient_ids=[pid])
            entries = fr.initiator.query_documents(
                session, country="PT", patient=pid, class_code="60591-5"
            )
            l3 = next(e for e in entries if not e.unique_id.endswith(".1"))
            durations = []
            parses = []
            pivot = fr.initiator.retrieve_document(
                session, country="PT", patient=pid, entry=l3, target_language="fr"
            ).pivot
            for _ in range(transactions):
                # The floor is measured interleaved with the transactions, in the same
                # moments of machine load.
                t = time.perf_counter_ns()
                etree.fromstring(pivot)
                parses.append((time.perf_counter_ns() - t) / 1e6)
                t = time.perf_counter_ns()
                got = fr.initiator.retrieve_document(
                    session, country="PT", patient=pid, entry=l3, target_language="fr"
                )
                durations.append((time.perf_counter_ns() - t) / 1e6)
                pivot = got.pivot
            stats = fr.initiator.partner_stats["PT"]

            async def echo(request: Request) -> Response:
                return Response(await request.body(), media_type="application/soap+xml")

            keys_pt, keys_fr = pt_node.keys, fr.keys
            echo_server = MtlsServer(
                Starlette(routes=[Route("/echo", echo, methods=["POST"])]),
                server_ssl_context(
                    keys_pt.tls_server.certificate_path,
                    keys_pt.tls_server.key_path,
                    [keys_pt.ca_path],
                ),
            )
            echo_server.start()
            raw_client = PartnerClient(
                "PT",
                client_ssl_context(
                    keys_fr.tls_client.certificate_path,
                    keys_fr.tls_client.key_path,
                    [keys_fr.ca_path],
                ),
            )
            try:
                url = f"https://localhost:{echo_server.port}/echo"
                raw = []
                raw_client.post_soap(url, pivot, "urn:echo")  # the one handshake
                for _ in range(transactions):
                    t = time.perf_counter_ns()
                    raw_client.post_soap(url, pivot, "urn:echo")
                    raw.append((time.perf_counter_ns() - t) / 1e6)
            finally:
                raw_client.close()
                echo_server.stop()
        finally:
            network.stop()
    parse = statistics.median(parses)
    p50, p95, p99 = (_percentile(durations, q) for q in (0.5, 0.95, 0.99))
    raw50 = _percentile(raw, 0.5)
    added = p50 - raw50
    return {
        "transactions": transactions,
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(p99, 2),
        "p99_over_p50": round(p99 / p50, 2),
        "raw_exchange_p50_ms": round(raw50, 3),
        "gateway_added_p50_ms": round(added, 2),
        "pivot_kb": round(len(pivot) / 1024, 1),
        "bare_parse_ms": round(parse, 3),
        "gateway_added_over_parse": round(added / parse, 1),
        "tls_handshakes": stats.tls_handshakes,  # type: ignore[attr-defined]
        "requests": stats.requests,  # type: ignore[attr-defined]
        "handshakes_per_transaction": round(stats.tls_handshakes / max(1, stats.requests), 4),  # type: ignore[attr-defined]
        "two_node_cold_start_s": round(cold, 2),
    }


def main() -> None:
    results: dict[str, object] = {"machine": machine(), "repeat": REPEAT}
    if CORPUS.is_dir():
        results["translate"] = tr = bench_translate()
        print(
            f"translate ÷ parse+serialize: median {tr['median_ratio']}×, "
            f"range {tr['min_ratio']}–{tr['max_ratio']}× over {len(tr['documents'])} docs; "
            f"process max RSS {tr['process_max_rss_mb']} MB"
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
    results["gateway"] = gw = bench_gateway()
    print(
        f"PS retrieval over mTLS ({gw['transactions']} tx): p50 {gw['p50_ms']} ms, "
        f"p95 {gw['p95_ms']} ms, p99/p50 {gw['p99_over_p50']}; gateway-added "
        f"{gw['gateway_added_p50_ms']} ms = {gw['gateway_added_over_parse']}× bare parse; "
        f"{gw['handshakes_per_transaction']} TLS handshakes per transaction"
    )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"machine: {results['machine']}")
    print(f"full results: {out / 'latest.json'}")


if __name__ == "__main__":
    main()
