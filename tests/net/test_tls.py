"""SSL contexts: policy checks without sockets (handshakes are in test_server/test_client)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest

from ncpeh.net import TlsConfigError, client_ssl_context, server_ssl_context

from .conftest import Pki


def _assert_policy(ctx: ssl.SSLContext) -> None:
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_REQUIRED
    for flag in (ssl.OP_NO_COMPRESSION, ssl.OP_NO_RENEGOTIATION, ssl.OP_NO_TICKET):
        assert ctx.options & flag
    assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
    ciphers = ctx.get_ciphers()
    assert ciphers
    for cipher in ciphers:
        # forward secrecy: ephemeral (EC)DH for TLS 1.2, any TLS 1.3 suite
        assert cipher["kea"] in ("kx-ecdhe", "kx-dhe", "kx-any"), cipher["name"]
        assert cipher["aead"], cipher["name"]
        assert cipher["protocol"] in ("TLSv1.2", "TLSv1.3"), cipher["name"]


def test_server_context_policy(pki: Pki) -> None:
    _assert_policy(pki.server_ctx)
    assert pki.server_ctx.num_tickets == 0


def test_client_context_policy(pki: Pki) -> None:
    _assert_policy(pki.client_ctx)
    assert pki.client_ctx.check_hostname


def test_client_context_trusts_only_the_given_cas(pki: Pki) -> None:
    # No system store: only the partner CA (eDelivery PKI, not the web PKI).
    assert [c["subject"] for c in pki.client_ctx.get_ca_certs()] == [
        ((("organizationName", "ncpeh tests"),), (("commonName", "test partner CA"),))
    ]


@pytest.mark.parametrize("factory", [server_ssl_context, client_ssl_context])
def test_missing_or_mismatched_files_are_config_errors(
    pki: Pki, tmp_path: Path, factory: Callable[..., ssl.SSLContext]
) -> None:
    with pytest.raises(TlsConfigError, match="nope.pem"):
        factory(tmp_path / "nope.pem", pki.server.key_path, [pki.ca.cert_path])
    with pytest.raises(TlsConfigError, match="cannot load certificate"):
        factory(pki.server.cert_path, pki.client_fr.key_path, [pki.ca.cert_path])
    with pytest.raises(TlsConfigError, match="CA"):
        factory(pki.server.cert_path, pki.server.key_path, [tmp_path / "no-ca.pem"])
    with pytest.raises(TlsConfigError, match="non-empty"):
        factory(pki.server.cert_path, pki.server.key_path, [])
    with pytest.raises(TlsConfigError, match="non-empty"):
        factory(pki.server.cert_path, pki.server.key_path, str(pki.ca.cert_path))
