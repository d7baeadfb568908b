"""``ncpeh demo``: the document engine end to end on a bundled sample.

Country A (PT) transcodes its friendly Patient Summary to the pivot; country B
translates the pivot into the reader's language and renders it.
"""

from __future__ import annotations

import time
from pathlib import Path

from ncpeh.cli._io import echo, write_atomic, write_json
from ncpeh.config import Settings
from ncpeh.samples import sample_path
from ncpeh.terminology import load_catalogue
from ncpeh.xmlsafe import parse_xml_file, serialize_xml


def run_demo(out: Path, lang: str, settings: Settings) -> None:
    from ncpeh.documents import extract_view
    from ncpeh.render import RenderError, render_html, render_pdf
    from ncpeh.transform import transcode, translate

    t0 = time.perf_counter()
    paths = [settings.catalogue_dir] if settings.catalogue_dir.is_dir() else []
    catalogue = load_catalogue(paths, include_demo=settings.demo_catalogue)
    t_cat = time.perf_counter()
    source = sample_path("PT-PS-friendly.xml")
    tree = parse_xml_file(source, max_bytes=settings.max_document_bytes)
    a = transcode(tree, catalogue=catalogue, country="PT", source=str(source))
    if a.withheld:
        echo(f"country A withheld the document: {a.report.errors[0]['code']}")
    pivot = serialize_xml(a.tree)
    b = translate(a.tree, catalogue=catalogue, language=lang, source=str(source))
    t_tr = time.perf_counter()
    view = extract_view(b.tree, display_language=lang, outcomes=b.outcomes, source_country="PT")
    page = render_html(view, language=lang)
    t_html = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / "PT-PS-pivot.xml", pivot)
    write_atomic(out / f"PT-PS-{lang}.xml", serialize_xml(b.tree))
    write_json(
        out / f"PT-PS-{lang}.report.json",
        {"transcode": a.report.to_json(), "translate": b.report.to_json()},
    )
    write_atomic(out / f"PT-PS-{lang}.html", page.encode("utf-8"))
    pdf_note = ""
    try:
        write_atomic(out / f"PT-PS-{lang}.pdf", render_pdf(view, language=lang))
    except RenderError as exc:
        pdf_note = f" (PDF skipped: {exc})"
    r = b.report
    echo("ncpeh demo: Portuguese Patient Summary -> pivot -> " + lang)
    echo(f"  catalogue: {catalogue.concept_count} concepts loaded in {(t_cat - t0) * 1000:.0f} ms")
    echo(
        f"  country A (PT) transcoded {a.report.transcoded} of {a.report.coded_elements} "
        f"coded elements, {len(a.report.unmapped)} unmapped"
    )
    echo(
        f"  country B translated {r.translated} of {r.coded_elements} coded elements to "
        f"{lang}, {len(r.untranslated)} untranslated ({(t_tr - t_cat) * 1000:.1f} ms); "
        f"HTML rendered in {(t_html - t_tr) * 1000:.1f} ms"
    )
    echo(f"  pivot CDA:      {out / 'PT-PS-pivot.xml'}")
    echo(f"  translated CDA: {out / f'PT-PS-{lang}.xml'}")
    echo(f"  report:         {out / f'PT-PS-{lang}.report.json'}")
    echo(f"  HTML:           {(out / f'PT-PS-{lang}.html').resolve()}")
    echo(f"  PDF:            {(out / f'PT-PS-{lang}.pdf').resolve()}{pdf_note}")
