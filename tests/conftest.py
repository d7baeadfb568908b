from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = (REPO / ".." / "shared" / "conformance").resolve()
CDA_DIR = CORPUS / "ehdsi-cda"
SCHEMA_DIR = CDA_DIR / "schema"
DATA = Path(__file__).resolve().parent / "data"


def corpus_or_skip() -> Path:
    if not CDA_DIR.is_dir():
        pytest.skip(f"conformance corpus not found at {CORPUS} (../shared/conformance)")
    return CORPUS


def corpus_files(*folders: str) -> list[Path]:
    """Corpus CDA files for parametrisation (empty when the corpus is absent)."""
    if not CDA_DIR.is_dir():
        return []
    return sorted(p for f in folders for p in (CDA_DIR / f).glob("*.xml"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    return corpus_or_skip()


@pytest.fixture(scope="session")
def demo_catalogue():  # type: ignore[no-untyped-def]
    from ncpeh.terminology import load_catalogue

    return load_catalogue()


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # Tests never read a developer's .env or catalogue directory.
    monkeypatch.setenv("NCPEH_CATALOGUE_DIR", str(tmp_path / "no-catalogue"))
    monkeypatch.chdir(tmp_path)
    yield
