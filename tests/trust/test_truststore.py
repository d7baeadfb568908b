"""Trust store: CA anchors with path validation, pinned certificates, validity."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from ncpeh.trust import DemoPki, PkiError, TrustStore, UntrustedIssuerError, create_demo_pki


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def test_signing_certificates_chain_to_the_demo_ca(pki: DemoPki) -> None:
    store = TrustStore([pki.ca_certificate])
    now = datetime.now(UTC)
    for node in pki.nodes.values():
        store.verify_signing_certificate_or_raise(node.signing.certificate, at=now)


def test_certificates_of_another_ca_are_not_trusted(pki: DemoPki, tmp_path: Path) -> None:
    other = create_demo_pki(tmp_path / "other", ["FR"])
    store = TrustStore([pki.ca_certificate])
    with pytest.raises(UntrustedIssuerError):
        store.verify_signing_certificate_or_raise(
            other.nodes["FR"].signing.certificate, at=datetime.now(UTC)
        )


def test_validity_is_checked(pki: DemoPki) -> None:
    store = TrustStore([pki.ca_certificate])
    cert = pki.nodes["NO"].signing.certificate
    with pytest.raises(UntrustedIssuerError):
        store.verify_signing_certificate_or_raise(cert, at=datetime(2000, 1, 1, tzinfo=UTC))


def test_pinned_certificates_are_trusted_without_a_ca(pki: DemoPki) -> None:
    cert = pki.nodes["PT"].signing.certificate
    store = TrustStore(pinned=[cert])
    store.verify_signing_certificate_or_raise(cert, at=datetime.now(UTC))
    with pytest.raises(UntrustedIssuerError):
        store.verify_signing_certificate_or_raise(
            pki.nodes["FR"].signing.certificate, at=datetime.now(UTC)
        )
    with pytest.raises(UntrustedIssuerError, match="not valid"):
        store.verify_signing_certificate_or_raise(cert, at=datetime(2000, 1, 1, tzinfo=UTC))


def test_an_empty_trust_store_is_refused() -> None:
    with pytest.raises(PkiError):
        TrustStore()


def test_the_ca_file_is_a_trust_store(pki: DemoPki) -> None:
    store = TrustStore.from_pem_file(pki.ca_path)
    assert [_fingerprint(c) for c in store.anchors] == [_fingerprint(pki.ca_certificate)]
    assert pki.nodes["FR"].ca_path == pki.ca_path
