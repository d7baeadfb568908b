from __future__ import annotations

from pathlib import Path

import pytest

from ncpeh.trust import AssertionSigner, DemoPki, TrustStore

from ...conftest import CORPUS
from ...trust.factories import shared_demo_pki

WIRE = CORPUS / "wire"


def wire_files(*folders: str) -> list[Path]:
    """Corpus wire samples for parametrisation (empty when the corpus is absent)."""
    if not WIRE.is_dir():
        return []
    return sorted(p for f in folders for p in (WIRE / f).glob("*.xml"))


def wire_sample(relative: str) -> bytes:
    path = WIRE / relative
    if not path.is_file():
        pytest.skip(f"conformance corpus not found at {WIRE} (../shared/conformance)")
    return path.read_bytes()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return shared_demo_pki(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def fr_signer(pki: DemoPki) -> AssertionSigner:
    return AssertionSigner.from_node_keys(pki.nodes["FR"])


@pytest.fixture(scope="session")
def trust(pki: DemoPki) -> TrustStore:
    return TrustStore([pki.ca_certificate])
