"""The gettext catalogues are complete: every msgid the code and templates use is
translated in fr, nb and pt, and no catalogue keeps msgids nobody uses.

To add a label: mark it with ``N_()`` (Python) or ``_()`` (template), then add
the msgid with its translations to each ``render/locale/<lang>/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from ncpeh.render._i18n import SUPPORTED_LANGUAGES, catalogue_path

SRC = Path(__file__).resolve().parents[2] / "src" / "ncpeh"
_KEYWORDS = {"N_": None, "_": None, "gettext": None}
_PLACEHOLDER = re.compile(r"%\(\w+\)s")


def used_msgids() -> set[str]:
    found: set[str] = set()
    sources = [
        *SRC.joinpath("documents", "sections").glob("*.py"),
        *SRC.joinpath("render").glob("*.py"),
    ]
    for path in sources:
        with path.open("rb") as fh:
            found.update(
                msg
                for _, msg, _, _ in extract("python", fh, keywords=_KEYWORDS)
                if isinstance(msg, str)
            )
    for path in SRC.joinpath("render", "templates").glob("*.j2"):
        with path.open("rb") as fh:
            found.update(
                msg
                for _, _, msg, _ in babel_extract(
                    fh, ("_", "gettext"), [], {"extensions": "jinja2.ext.i18n"}
                )
                if isinstance(msg, str)
            )
    return found


def _catalogue(language: str) -> dict[str, str]:
    source = resources.files("ncpeh.render").joinpath(catalogue_path(language))
    with source.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_extraction_finds_the_labels() -> None:
    used = used_msgids()
    assert {"Allergies and intolerances", "Active ingredient", "Known absence"} <= used
    assert len(used) > 100


@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_catalogue_covers_every_used_msgid(language: str) -> None:
    catalogue = _catalogue(language)
    used = used_msgids()
    assert sorted(used - set(catalogue)) == []
    assert sorted(set(catalogue) - used) == []  # no obsolete labels


@pytest.mark.parametrize("language", ["fr", "nb", "pt"])
def test_catalogue_is_fully_translated(language: str) -> None:
    catalogue = _catalogue(language)
    untranslated = [msgid for msgid, msgstr in catalogue.items() if not msgstr.strip()]
    assert untranslated == []
    for msgid, msgstr in catalogue.items():
        assert sorted(_PLACEHOLDER.findall(msgid)) == sorted(_PLACEHOLDER.findall(msgstr)), msgid
