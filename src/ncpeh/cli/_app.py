from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from lxml import etree

from ncpeh.cli._io import (
    EXIT_FINDINGS,
    EXIT_WITHHELD,
    echo,
    fail,
    guarded,
    write_atomic,
    write_json,
)
from ncpeh.config import Settings, get_settings
from ncpeh.terminology import Catalogue, CatalogueStore, load_catalogue
from ncpeh.xmlsafe import parse_xml_file, serialize_xml

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="ncpeh: National Contact Point for eHealth (MyHealth@EU).",
    pretty_exceptions_enable=False,
)
terminology_app = typer.Typer(no_args_is_help=True, help="Manage the terminology catalogue.")
app.add_typer(terminology_app, name="terminology")

CatalogueOpt = Annotated[
    list[Path] | None,
    typer.Option("--catalogue", help="Extra FHIR terminology files or directories to load."),
]


def _catalogue(settings: Settings, extra: list[Path] | None) -> Catalogue:
    paths = list(extra or [])
    if settings.catalogue_dir.is_dir():
        paths.insert(0, settings.catalogue_dir)
    return load_catalogue(paths, include_demo=settings.demo_catalogue)


def _read(path: Path, settings: Settings) -> etree._ElementTree:
    return parse_xml_file(path, max_bytes=settings.max_document_bytes)


@app.command()
@guarded
def translate(
    input: Annotated[Path, typer.Argument(help="Pivot CDA to translate.")],
    to: Annotated[str, typer.Option("--to", help="Reader's language, e.g. fr or nb-NO.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Translated CDA to write.")],
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Translate a pivot document into the reader's language (country B)."""
    from ncpeh.transform import translate as run

    settings = get_settings()
    cat = _catalogue(settings, catalogue)
    tree = _read(input, settings)
    result = run(tree, catalogue=cat, language=to, source=str(input))
    write_atomic(output, serialize_xml(result.tree))
    if report is not None:
        write_json(report, result.report.to_json())
    r = result.report
    echo(
        f"{output}: {r.translated}/{r.coded_elements} coded elements translated to {to}, "
        f"{len(r.untranslated)} untranslated, {len(r.unmapped)} unmapped"
        + (f" ({r.skipped})" if r.skipped else "")
    )


@app.command()
@guarded
def transcode(
    input: Annotated[Path, typer.Argument(help="Friendly (national) CDA to transcode.")],
    country: Annotated[str, typer.Option(help="Country whose concept maps apply (ISO 3166).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Pivot CDA to write.")],
    report: Annotated[Path | None, typer.Option(help="Write the JSON report here.")] = None,
    on_missing_mapping: Annotated[
        str | None,
        typer.Option(help="withhold (default: eHDSI error, no output) or flag (nullFlavor OTH)."),
    ] = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Transcode national codes to the MVC pivot (country A)."""
    from ncpeh.transform import transcode as run

    settings = get_settings()
    policy = on_missing_mapping or settings.on_missing_mapping
    if policy not in ("withhold", "flag"):
        raise fail(f"--on-missing-mapping must be withhold or flag, not {policy!r}")
    cat = _catalogue(settings, catalogue)
    tree = _read(input, settings)
    result = run(
        tree,
        catalogue=cat,
        country=country,
        source=str(input),
        on_missing_mapping="flag" if policy == "flag" else "withhold",
    )
    if report is not None:
        write_json(report, result.report.to_json())
    r = result.report
    if result.withheld:
        first = r.unmapped[0]
        raise fail(
            f"{input}: document withheld, {r.errors[0]['code']}: {len(r.unmapped)} coded "
            f"element(s) without mapping, first {first.system}|{first.code} at {first.xpath}",
            EXIT_WITHHELD,
        )
    write_atomic(output, serialize_xml(result.tree))
    echo(
        f"{output}: {r.transcoded}/{r.coded_elements} coded elements transcoded for "
        f"{r.country}, {len(r.unmapped)} unmapped"
    )


@app.command()
@guarded
def render(
    input: Annotated[Path, typer.Argument(help="CDA to render (pivot or translated).")],
    lang: Annotated[str, typer.Option(help="Reader's language.")],
    html: Annotated[Path | None, typer.Option(help="Write standalone HTML here.")] = None,
    pdf: Annotated[Path | None, typer.Option(help="Write PDF here (needs ncpeh[pdf]).")] = None,
    catalogue: CatalogueOpt = None,
) -> None:
    """Render a document for a health professional, translated into LANG."""
    if (html is None) == (pdf is None):
        raise fail("give exactly one of --html OUT or --pdf OUT")
    from ncpeh.documents import extract_view
    from ncpeh.render import render_html, render_pdf
    from ncpeh.transform import translate as run

    settings = get_settings()
    cat = _catalogue(settings, catalogue)
    tree = _read(input, settings)
    result = run(tree, catalogue=cat, language=lang, source=str(input))
    view = extract_view(result.tree, display_language=lang, outcomes=result.outcomes)
    if html is not None:
        write_atomic(html, render_html(view, language=lang).encode("utf-8"))
        echo(f"{html}: HTML in {lang}")
    if pdf is not None:
        write_atomic(pdf, render_pdf(view, language=lang))
        echo(f"{pdf}: PDF in {lang}")


@app.command()
@guarded
def validate(
    input: Annotated[Path, typer.Argument(help="CDA to check.")],
    schema_dir: Annotated[
        Path | None, typer.Option(help="Directory with CDA_Pharma.xsd to validate against.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Check templateIds, basic sections, value sets and, optionally, the eHDSI XSD."""
    from ncpeh.documents import load_schema, validate_document

    settings = get_settings()
    schema = load_schema(schema_dir) if schema_dir is not None else None
    cat = _catalogue(settings, catalogue)
    tree = _read(input, settings)
    findings = validate_document(tree, catalogue=cat, schema=schema, source=str(input))
    errors = [f for f in findings if f.severity == "error"]
    if json_out:
        echo(
            orjson.dumps(
                {
                    "file": str(input),
                    "valid": not errors,
                    "findings": [f.to_json() for f in findings],
                }
            ).decode()
        )
    else:
        for f in findings:
            where = f" at {f.location}" if f.location else ""
            echo(f"{f.severity}: [{f.rule}] {f.message}{where}")
        echo(
            f"{input}: {'invalid' if errors else 'valid'} "
            f"({len(errors)} error(s), {len(findings) - len(errors)} warning(s))"
        )
    if errors:
        raise typer.Exit(EXIT_FINDINGS)


@terminology_app.command("import")
@guarded
def terminology_import(
    paths: Annotated[list[Path], typer.Argument(help="FHIR CodeSystem/ValueSet/ConceptMap JSON.")],
    into: Annotated[Path | None, typer.Option(help="Catalogue directory.")] = None,
) -> None:
    """Validate FHIR R4 terminology resources and add them to the catalogue."""
    settings = get_settings()
    store = CatalogueStore(into or settings.catalogue_dir)
    written = store.import_files(paths)
    cat = load_catalogue([store.root], include_demo=False)
    echo(
        f"imported {len(written)} resource(s) into {store.root}: catalogue now has "
        f"{cat.concept_count} concepts, {len(cat.value_sets)} value sets, "
        f"{len(cat.mappings)} mappings"
    )


@terminology_app.command("lookup")
@guarded
def terminology_lookup(
    system: Annotated[str, typer.Argument(help="Code system OID or URI.")],
    code: Annotated[str, typer.Argument(help="Code.")],
    lang: Annotated[list[str] | None, typer.Option(help="Languages to show.")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
    catalogue: CatalogueOpt = None,
) -> None:
    """Show a concept's designations, value sets and national mappings."""
    cat = _catalogue(get_settings(), catalogue)
    concept = cat.concept(system, code)
    placeholder = cat.placeholder(system, code)
    if concept is None:
        why = f" ({placeholder.reason})" if placeholder else ""
        raise fail(f"{system}|{code} is not in the catalogue{why}")
    langs = lang or sorted(cat.languages())
    terms = {lg: cat.term(concept.system, code, lg) for lg in langs}
    sets = sorted(vs.oid for vs in cat.value_sets if (concept.system, code) in vs.members)
    maps = [m for m in cat.mappings if m.target_system == concept.system and m.target_code == code]
    if json_out:
        echo(
            orjson.dumps(
                {
                    "system": concept.system,
                    "code": code,
                    "display": concept.display,
                    "designations": terms,
                    "value_sets": sets,
                    "mapped_from": [
                        {"country": m.country, "system": m.source_system, "code": m.source_code}
                        for m in maps
                    ],
                }
            ).decode()
        )
        return
    echo(f"{concept.system}|{code}  {concept.display}")
    for lg, term in terms.items():
        echo(f"  {lg}: {term if term is not None else '(no designation)'}")
    for oid in sets:
        echo(f"  in value set {oid}")
    for m in maps:
        echo(f"  mapped from {m.country} {m.source_system}|{m.source_code}")


demo_app = typer.Typer(help="The demo MyHealth@EU network and the document-engine demo.")
app.add_typer(demo_app, name="demo")
pki_app = typer.Typer(no_args_is_help=True, help="Demo PKI: CA and per-node keys.")
app.add_typer(pki_app, name="pki")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
DirOpt = Annotated[Path, typer.Option("--dir", help="Demo network state directory.")]


@demo_app.callback(invoke_without_command=True)
@guarded
def demo(
    ctx: typer.Context,
    directory: DirOpt = Path("var/demo"),
    port_base: Annotated[
        int | None, typer.Option(help="Fixed ports from here (default: free ports).")
    ] = None,
) -> None:
    """Start FR, NO and PT NCPeH nodes on loopback; Ctrl-C stops them."""
    if ctx.invoked_subcommand is not None:
        return
    from ncpeh.cli._network import run_network

    run_network(directory, get_settings(), port_base=port_base)


@demo_app.command("info")
@guarded
def demo_info(
    directory: DirOpt = Path("var/demo"),
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """Nodes (country, roles, URLs) and seeded patients of the running demo."""
    from ncpeh.cli._network import show_info

    show_info(directory, as_json=json_out)


@demo_app.command("document")
@guarded
def demo_document(
    out: Annotated[Path, typer.Option(help="Where to write the output.")] = Path("demo-output"),
    lang: Annotated[str, typer.Option(help="Reader's language.")] = "fr",
) -> None:
    """The document engine alone: PT friendly PS -> pivot -> LANG, HTML and PDF."""
    from ncpeh.cli._demo import run_demo

    run_demo(out, lang, get_settings())


@app.command()
@guarded
def query(
    at: Annotated[str, typer.Option("--at", help="Country of treatment (the HP's node).")],
    patient_country: Annotated[str, typer.Option(help="The patient's country.")],
    id: Annotated[str, typer.Option("--id", help="The patient's national identifier.")],
    lang: Annotated[str, typer.Option(help="Reader's language.")] = "fr",
    purpose: Annotated[str, typer.Option(help="TREATMENT or EMERGENCY.")] = "TREATMENT",
    document: Annotated[str, typer.Option("--class", help="ps or ep.")] = "ps",
    domain: Annotated[str | None, typer.Option(help="Identifier domain OID.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    html: Annotated[
        Path | None, typer.Option(help="Also render the translated document as HTML here.")
    ] = None,
    directory: DirOpt = Path("var/demo"),
) -> None:
    """Run identify -> TRC -> list -> retrieve -> translate against the running demo."""
    from ncpeh.cli._network import run_query

    if purpose not in ("TREATMENT", "EMERGENCY"):
        raise fail("--purpose must be TREATMENT or EMERGENCY")
    if document not in ("ps", "ep"):
        raise fail("--class must be ps or ep")
    run_query(
        directory,
        at=at,
        patient_country=patient_country,
        patient_id=id,
        domain=domain,
        lang=lang,
        purpose=purpose,
        document_class=document,
        output=output,
        html=html,
    )


@pki_app.command("init")
@guarded
def pki_init(
    directory: Annotated[Path, typer.Option("--dir", help="Where keys go.")] = Path("var/pki"),
    countries: Annotated[str, typer.Option(help="Comma-separated countries.")] = "FR,NO,PT",
) -> None:
    """Create a demo CA and per-node TLS server, TLS client and signing keys."""
    from ncpeh.cli._network import init_pki

    init_pki(directory, [c.strip() for c in countries.split(",") if c.strip()])


@db_app.command("upgrade")
@guarded
def db_upgrade(
    url: Annotated[
        str, typer.Option(help="SQLAlchemy URL (sqlite:///... or postgresql+psycopg://...).")
    ] = "sqlite:///var/ncpeh.db",
) -> None:
    """Apply database migrations up to the latest revision."""
    from ncpeh.storage import head_revision, upgrade_database

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    upgrade_database(url)
    echo(f"database at revision {head_revision()}")


def main() -> None:
    app()
