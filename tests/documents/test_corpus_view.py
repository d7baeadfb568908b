"""Conformance: the view reads every corpus document, and its memoised
coded-element roles equal a direct match against the coded-element table."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncpeh.documents._coded_elements import coded_element_table
from ncpeh.documents._view import extract_view
from ncpeh.documents.sections._common import Context
from ncpeh.xmlsafe import parse_xml

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "ehdsi-cda"
FILES = (
    sorted(p for d in ("ps", "ep", "ed") for p in (CORPUS / d).glob("*.xml"))
    if CORPUS.is_dir()
    else []
)

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize("path", FILES or [None], ids=lambda p: p.name if p else "absent")
def test_roles_match_the_table_and_nothing_fails(path: Path | None) -> None:
    if path is None:
        pytest.skip("conformance corpus ../shared/conformance not found")
    tree = parse_xml(path.read_bytes())
    table = coded_element_table()
    ctx = Context(display_language="fr", document_language=None, table=table)
    for el in tree.getroot().iter():
        if isinstance(el.tag, str) and (el.get("codeSystem") or el.get("nullFlavor")):
            rule = table.match(el)
            assert ctx.role_of(el) == (rule.name if rule else None)
    view = extract_view(tree, display_language="fr")
    assert not [w for w in view.warnings if "could not be read" in w]
