from __future__ import annotations

from datetime import datetime

import pytest

from ncpeh.trust import (
    AssertionSigner,
    DemoPki,
    HcpAssertion,
    Transaction,
    TrustStore,
    build_hcp_assertion,
    verify_hcp_assertion,
)

from .factories import doctor, now, shared_demo_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    return shared_demo_pki(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def fr_signer(pki: DemoPki) -> AssertionSigner:
    return AssertionSigner.from_node_keys(pki.nodes["FR"])


@pytest.fixture(scope="session")
def pt_signer(pki: DemoPki) -> AssertionSigner:
    return AssertionSigner.from_node_keys(pki.nodes["PT"])


@pytest.fixture(scope="session")
def trust(pki: DemoPki) -> TrustStore:
    return TrustStore([pki.ca_certificate])


@pytest.fixture
def t0() -> datetime:
    return now()


@pytest.fixture
def hcp(fr_signer: AssertionSigner, trust: TrustStore, t0: datetime) -> HcpAssertion:
    """A verified French HCP assertion (what NCP-A holds before checking the TRC)."""
    xml = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    return verify_hcp_assertion(
        xml, trust=trust, expected_country="FR", transaction=Transaction.PATIENT_SUMMARY, now=t0
    )
