"""UI labels (gettext) and locale data (Babel) for the renderer.

UI labels come from the package's own gettext catalogues
(``render/locale/<lang>/LC_MESSAGES/messages.po``); the ``.po`` files are the
only form committed and are compiled in memory on first use
(``read_po`` + ``write_mo`` into :class:`gettext.GNUTranslations`), so there is
no build step and no stale ``.mo``. Clinical terms never come from here: they
come from the document or the terminology catalogue (house-style, i18n row).
An unknown language falls back to English labels, as the eHDSI display tool
falls back to ``en-GB`` (documents.md §1.8).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from importlib import resources
from io import BytesIO

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "FALLBACK_LANGUAGE",
    "N_",
    "SUPPORTED_LANGUAGES",
    "babel_locale",
    "base_language",
    "catalogue_path",
    "translations",
    "ui_language",
]

FALLBACK_LANGUAGE = "en"
#: Languages with a shipped UI catalogue.
SUPPORTED_LANGUAGES = ("en", "fr", "nb", "pt")
_ALIASES = {"no": "nb", "nn": "nb"}


def N_(message: str) -> str:  # noqa: N802 - the gettext extraction-marker convention
    """Mark a msgid for extraction; it is translated later, with the reader's catalogue."""
    return message


def base_language(tag: str | None) -> str:
    """``fr-FR`` -> ``fr``; ``NB_no`` -> ``nb``; ``no`` and ``nn`` -> ``nb``."""
    base = (tag or "").replace("_", "-").split("-", 1)[0].lower()
    return _ALIASES.get(base, base)


def ui_language(tag: str | None) -> str:
    """The UI catalogue language for a reader's language tag (English when unknown)."""
    base = base_language(tag)
    return base if base in SUPPORTED_LANGUAGES else FALLBACK_LANGUAGE


def catalogue_path(language: str) -> str:
    """Package-relative path of a language's ``.po`` file."""
    return f"locale/{language}/LC_MESSAGES/messages.po"


@lru_cache(maxsize=len(SUPPORTED_LANGUAGES))
def _compiled(language: str) -> gettext.GNUTranslations:
    source = resources.files("ncpeh.render").joinpath(catalogue_path(language))
    with source.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(tag: str | None) -> gettext.GNUTranslations:
    """Compiled UI translations for ``tag``, compiled once per language."""
    return _compiled(ui_language(tag))


@lru_cache(maxsize=64)
def babel_locale(tag: str | None) -> Locale:
    """The Babel locale for dates, countries and language names (English if unknown).

    The region is kept when Babel knows it (``fr-BE``), else the base language
    is used, so an odd tag such as ``cs-DE`` still formats as Czech.
    """
    normalized = (tag or "").replace("-", "_")
    for candidate in (normalized, base_language(tag)):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale.parse(FALLBACK_LANGUAGE)
