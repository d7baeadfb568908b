"""``ncpeh demo`` (the multi-country network), ``demo info``, ``query``, ``pki``, ``db``."""

from __future__ import annotations

import base64
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from ncpeh.cli._io import echo, fail, write_atomic
from ncpeh.config import Settings

DEFAULT_DIR = Path("var/demo")


def run_network(directory: Path, settings: Settings, *, port_base: int | None) -> None:
    """Build, start and serve the FR/NO/PT network until Ctrl-C or SIGTERM."""
    from ncpeh.gateway import DEMO_PLAN, build_network
    from ncpeh.terminology import load_catalogue

    t0 = time.perf_counter()
    paths = [settings.catalogue_dir] if settings.catalogue_dir.is_dir() else []
    catalogue = load_catalogue(paths, include_demo=settings.demo_catalogue)
    ports = None
    if port_base:
        ports = {
            p.country: (port_base + 2 * i, port_base + 2 * i + 1) for i, p in enumerate(DEMO_PLAN)
        }
    network = build_network(directory, catalogue=catalogue, ports=ports)
    network.start()
    stop = threading.Event()
    try:
        info_path = network.write_info()
        elapsed = time.perf_counter() - t0
        info = network.info()
        echo(
            f"ncpeh demo: MyHealth@EU network of {len(info['nodes'])} NCPeH nodes "
            f"started in {elapsed:.1f} s"
        )
        for node in info["nodes"]:
            roles = "+".join(node["roles"]) or "-"
            exports = ",".join(node["exports"]) or "-"
            consumes = ",".join(node["consumes"]) or "-"
            echo(
                f"  {node['country']}  roles {roles:<4} exports {exports:<6}"
                f" consumes {consumes:<6} consent {node['consent_policy']}"
            )
            echo(f"      XCPD {node['soap']['xcpd']}")
            echo(f"      XCA  {node['soap']['xca']}")
            echo(f"      client API {node['client_api']} (token in {node['api_token_file']})")
        echo("  showcase patients:")
        for p in info["patients"]:
            if p["showcase"]:
                echo(
                    f"    {p['country']} {p['id']:<16} {p['name']} (documents: "
                    f"{','.join(p['documents']) or 'none'})"
                )
        first_pt = next(p for p in info["patients"] if p["country"] == "PT" and p["showcase"])
        first_fr = next(p for p in info["patients"] if p["country"] == "FR" and p["showcase"])
        echo("  try, in another shell:")
        echo(f"    ncpeh query --at FR --patient-country PT --id {first_pt['id']} --lang fr")
        echo(f"    ncpeh query --at NO --patient-country FR --id {first_fr['id']} --lang nb")
        echo(f"  network description: {info_path} (also: ncpeh demo info --json)")
        echo("  Ctrl-C stops everything.")

        def _terminate(_signum: int, _frame: object) -> None:
            stop.set()

        # Explicit handlers: a demo started in the background has SIGINT ignored by the
        # shell, and SIGTERM must stop it cleanly too.
        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGINT, _terminate)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        network.stop()
        (directory / "network.json").unlink(missing_ok=True)
        echo("ncpeh demo: stopped")


def load_info(directory: Path) -> dict[str, Any]:
    path = directory / "network.json"
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise fail(
            f"no running demo network found ({path} is missing): start `ncpeh demo` first"
        ) from None
    except orjson.JSONDecodeError as exc:
        raise fail(f"{path}: unreadable network description: {exc}") from None
    if not isinstance(data, dict):
        raise fail(f"{path}: unreadable network description")
    return data


def show_info(directory: Path, *, as_json: bool) -> None:
    info = load_info(directory)
    for node in info["nodes"]:
        try:
            httpx.get(node["client_api"].removesuffix("/client/v1") + "/healthz", timeout=1.0)
            node["running"] = True
        except httpx.HTTPError:
            node["running"] = False
    if as_json:
        echo(orjson.dumps(info, option=orjson.OPT_INDENT_2).decode())
        return
    for node in info["nodes"]:
        state = "running" if node["running"] else "NOT RUNNING"
        echo(
            f"{node['country']} ({'+'.join(node['roles']) or '-'}, {state}): "
            f"{node['soap']['xcpd']}  {node['client_api']}"
        )
    for p in info["patients"]:
        mark = "*" if p["showcase"] else " "
        echo(f"{mark} {p['country']} {p['id']:<16} {p['name']}")


class _Api:
    def __init__(self, node: dict[str, Any]) -> None:
        token = Path(node["api_token_file"]).read_text().strip()
        self.client = httpx.Client(
            base_url=node["client_api"], timeout=30.0, headers={"authorization": f"Bearer {token}"}
        )

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self.client.post(
                path, content=orjson.dumps(body), headers={"content-type": "application/json"}
            )
        except httpx.HTTPError as exc:
            raise fail(
                f"the node's client API is not reachable ({exc}); is `ncpeh demo` running?"
            ) from None
        data = orjson.loads(r.content) if r.content else {}
        if r.status_code != 200:
            raise fail(f"{path}: {data.get('title', r.status_code)}: {data.get('detail', '')}")
        if not isinstance(data, dict):
            raise fail(f"{path}: unexpected answer")
        return data


def run_query(
    directory: Path,
    *,
    at: str,
    patient_country: str,
    patient_id: str,
    domain: str | None,
    lang: str,
    purpose: str,
    document_class: str,
    output: Path | None,
    html: Path | None = None,
) -> None:
    info = load_info(directory)
    at, patient_country = at.upper(), patient_country.upper()
    node = next((n for n in info["nodes"] if n["country"] == at), None)
    if node is None:
        raise fail(f"no node for country {at} in the demo network")
    if domain is None:
        known = next(
            (
                p
                for p in info["patients"]
                if p["country"] == patient_country and p["id"] == patient_id
            ),
            None,
        )
        if known is None:
            raise fail(
                f"{patient_country} patient {patient_id} is not a seeded demo patient; "
                "give --domain OID to query any identifier"
            )
        domain = str(known["domain"])
    class_code = {"ps": "60591-5", "ep": "57833-6"}[document_class]
    api = _Api(node)
    total = time.perf_counter()

    def step(label: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        t = time.perf_counter()
        out = api.post(path, body)
        echo(f"  {label:<34} {(time.perf_counter() - t) * 1000:7.1f} ms")
        return out

    echo(
        f"ncpeh query: HP at {at} asks {patient_country} for {document_class.upper()} of "
        f"{patient_id}"
    )
    session = step("HCP assertion (login)", "/sessions", {})["session"]
    found = step(
        "identify patient (XCPD)",
        "/patients/search",
        {"session": session, "country": patient_country, "id": patient_id, "domain": domain},
    )
    patient = found["patients"][0]
    ident = next((i for i in patient["ids"] if i["extension"] == patient_id), patient["ids"][0])
    echo(
        f"    -> {' '.join(patient['given'])} {' '.join(patient['family'])}, born "
        f"{patient['birth_date']}"
    )
    ref = {"root": ident["root"], "extension": ident["extension"]}
    step(
        "treatment relationship (TRC)",
        "/trc",
        {"session": session, "patient": ref, "purpose": purpose},
    )
    docs = step(
        "list documents (XCA ITI-38)",
        "/documents/search",
        {
            "session": session,
            "country": patient_country,
            "patient": ref,
            "class_code": class_code,
            "purpose": purpose,
        },
    )["documents"]
    l3 = [d for d in docs if d["format_code"] != "urn:ihe:iti:xds-sd:pdf:2008"]
    echo(f"    -> {len(docs)} document(s), {len(l3)} structured (L3)")
    if not l3:
        raise fail(f"{patient_country} returned no structured document")
    got = step(
        f"retrieve + translate to {lang} (ITI-39)",
        "/documents/retrieve",
        {
            "session": session,
            "country": patient_country,
            "patient": ref,
            "document": l3[0],
            "lang": lang,
            "purpose": purpose,
        },
    )
    report = got["report"]
    target = output or Path(f"{patient_country}-{patient_id}-{document_class}-{lang}.xml")
    write_atomic(target, base64.b64decode(got["translated"]))
    echo(
        f"  total {(time.perf_counter() - total) * 1000:.1f} ms; {report['translated']}/"
        f"{report['coded_elements']} coded elements translated, "
        f"{len(report['untranslated'])} untranslated, {len(report['unmapped'])} unmapped"
        + (f"; warnings: {', '.join(got['warnings'])}" if got["warnings"] else "")
    )
    echo(f"  translated document: {target}")
    if html is not None:
        from ncpeh.documents import extract_view
        from ncpeh.render import render_html
        from ncpeh.xmlsafe import parse_xml

        tree = parse_xml(base64.b64decode(got["translated"]))
        view = extract_view(tree, display_language=lang, source_country=patient_country)
        page = render_html(view, language=lang, generated_by=f"NCPeH-{at}")
        write_atomic(html, page.encode("utf-8"))
        echo(f"  for the health professional: {html.resolve()}")


def init_pki(directory: Path, countries: list[str]) -> None:
    from ncpeh.trust import create_demo_pki

    pki = create_demo_pki(directory, countries)
    echo(
        f"demo CA {pki.ca_path}; nodes: {', '.join(sorted(pki.nodes))} "
        "(TLS server, TLS client and signing keys each)"
    )
