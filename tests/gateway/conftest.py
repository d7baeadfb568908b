"""Fixtures of the gateway end-to-end tests (``test_e2e.py``).

One demo network (FR, NO, PT nodes on loopback, mutual TLS) is built per test module
and per xdist worker, because building one costs ~3 s; tests share it and must leave
it running (a test that needs a dead partner builds its own, see ``test_e2e.py``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from ncpeh.gateway._initiator import HpSession
from ncpeh.gateway._network import Network, build_network
from ncpeh.gateway._node import Node, demo_hp_identity
from ncpeh.terminology import Catalogue
from ncpeh.trust import AssertionSigner, DemoPki, create_demo_pki

from .e2e_support import RawPeer


@pytest.fixture(scope="module")
def e2e_network(
    demo_catalogue: Catalogue, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Network]:
    """A started FR/NO/PT network in a fresh directory, stopped after the module."""
    network = build_network(tmp_path_factory.mktemp("e2e-network"), catalogue=demo_catalogue)
    network.start()
    try:
        yield network
    finally:
        network.stop()


def _peer(node: Node) -> RawPeer:
    keys = node.keys.tls_client
    return RawPeer(
        f"raw-{node.config.country}", keys.certificate_path, keys.key_path, node.keys.ca_path
    )


@pytest.fixture(scope="module")
def e2e_fr_peer(e2e_network: Network) -> Iterator[RawPeer]:
    """Raw SOAP over FR's registered TLS client certificate."""
    peer = _peer(e2e_network.nodes["FR"])
    yield peer
    peer.close()


@pytest.fixture(scope="module")
def e2e_no_peer(e2e_network: Network) -> Iterator[RawPeer]:
    """Raw SOAP over NO's registered TLS client certificate ("another country's peer")."""
    peer = _peer(e2e_network.nodes["NO"])
    yield peer
    peer.close()


@pytest.fixture(scope="module")
def e2e_fr_signer(e2e_network: Network) -> AssertionSigner:
    """FR's assertion signing key (the ``NCP_SIG`` key FR's initiator signs with)."""
    return AssertionSigner.from_node_keys(e2e_network.nodes["FR"].keys)


@pytest.fixture
def e2e_fr_session(e2e_network: Network) -> HpSession:
    """A freshly logged-in French doctor (HCP assertion signed by FR's node)."""
    return e2e_network.nodes["FR"].initiator.login(demo_hp_identity("FR"))


@pytest.fixture(scope="module")
def e2e_rogue_pki(tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    """FR keys from a CA no node trusts (a look-alike "FR" NCP)."""
    return create_demo_pki(tmp_path_factory.mktemp("e2e-rogue-pki"), ["FR"])


@pytest.fixture(scope="module")
def e2e_unregistered_pki(e2e_network: Network, tmp_path_factory: pytest.TempPathFactory) -> DemoPki:
    """Keys issued by the network's own (trusted) CA but listed in no registry: a DE node,
    and a second FR node whose TLS client certificate is not the registered one."""
    directory = tmp_path_factory.mktemp("e2e-unregistered-pki")
    (directory / "ca").mkdir()
    for name in ("ca.cert.pem", "ca.key.pem"):
        shutil.copy(e2e_network.directory / "pki" / "ca" / name, directory / "ca" / name)
    return create_demo_pki(directory, ["DE", "FR"])
