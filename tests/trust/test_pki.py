"""Demo PKI: layout, key separation, country in the subject, idempotence, atomic files."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from ncpeh.trust import (
    DemoPki,
    KeyRole,
    PkiError,
    certificate_country,
    create_demo_pki,
    load_certificates,
    load_demo_pki,
    load_node_keys,
)

from .factories import COUNTRIES


def _fingerprint(cert: x509.Certificate) -> bytes:
    return cert.fingerprint(hashes.SHA256())


def test_layout_and_private_key_permissions(pki: DemoPki) -> None:
    d = pki.directory
    assert (d / "ca" / "ca.cert.pem").is_file()
    assert (d / "ca" / "ca.key.pem").is_file()
    for cc in COUNTRIES:
        for role in KeyRole:
            key = d / cc / f"{role}.key.pem"
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
            assert (d / cc / f"{role}.cert.pem").is_file()
    assert stat.S_IMODE((d / "ca" / "ca.key.pem").stat().st_mode) == 0o600
    # Atomic writes leave no temporary files behind.
    assert not [p for p in d.rglob("*") if p.name.endswith(".tmp")]


def test_every_node_certificate_names_its_country(pki: DemoPki) -> None:
    assert set(pki.nodes) == set(COUNTRIES)
    for cc, node in pki.nodes.items():
        assert node.country == cc
        for pair in (node.tls_server, node.tls_client, node.signing):
            assert certificate_country(pair.certificate) == cc
            assert pair.certificate.issuer == pki.ca_certificate.subject


def test_keys_are_separated_by_use(pki: DemoPki) -> None:
    """trust-security.md §1: SP (server), SC (client) and NCP_SIG are distinct keys."""
    numbers = set()
    for node in pki.nodes.values():
        for pair in (node.tls_server, node.tls_client, node.signing):
            numbers.add(pair.key.public_key().public_numbers().n)
    assert len(numbers) == 3 * len(COUNTRIES)


def test_extended_key_usage_matches_the_role(pki: DemoPki) -> None:
    node = pki.nodes["FR"]

    def eku(cert: x509.Certificate) -> list[x509.ObjectIdentifier] | None:
        try:
            return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
        except x509.ExtensionNotFound:
            return None

    assert eku(node.tls_server.certificate) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert eku(node.tls_client.certificate) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert eku(node.signing.certificate) is None
    usage = node.signing.certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    san = node.tls_server.certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value
    assert {"localhost", "ncp-fr", "ncp-fr.localhost"} <= set(san.get_values_for_type(x509.DNSName))


def test_rerun_is_idempotent_and_adds_countries(pki: DemoPki, tmp_path: Path) -> None:
    # Copy the session PKI (CA and nodes) so the shared one stays untouched.
    target = tmp_path / "pki"
    shutil.copytree(pki.directory, target)
    before = {cc: _fingerprint(n.signing.certificate) for cc, n in pki.nodes.items()}
    again = create_demo_pki(target, ["fr", "no", "pt"])
    assert {cc: _fingerprint(n.signing.certificate) for cc, n in again.nodes.items()} == before
    assert _fingerprint(again.ca_certificate) == _fingerprint(pki.ca_certificate)


def test_an_interrupted_node_is_regenerated_completely(pki: DemoPki, tmp_path: Path) -> None:
    target = tmp_path / "pki"
    shutil.copytree(pki.directory, target)
    (target / "NO" / "signing.key.pem").unlink()
    old = _fingerprint(pki.nodes["NO"].tls_server.certificate)
    again = create_demo_pki(target, ["NO"])
    assert _fingerprint(again.nodes["NO"].tls_server.certificate) != old
    assert _fingerprint(again.ca_certificate) == _fingerprint(pki.ca_certificate)
    # The whole directory still loads, every country included.
    assert set(load_demo_pki(target).nodes) == set(COUNTRIES)


def test_swapped_key_files_are_detected(pki: DemoPki, tmp_path: Path) -> None:
    target = tmp_path / "pki"
    shutil.copytree(pki.directory, target)
    fr = target / "FR"
    (fr / "signing.key.pem").write_bytes((fr / "tls-client.key.pem").read_bytes())
    with pytest.raises(PkiError, match="does not match"):
        load_node_keys(target, "FR")


def test_a_certificate_of_another_country_is_detected(pki: DemoPki, tmp_path: Path) -> None:
    target = tmp_path / "pki"
    shutil.copytree(pki.directory, target)
    for kind in ("key", "cert"):
        shutil.copy(target / "PT" / f"signing.{kind}.pem", target / "FR" / f"signing.{kind}.pem")
    with pytest.raises(PkiError, match="expected 'FR'"):
        load_node_keys(target, "FR")


@pytest.mark.parametrize("country", ["", "F", "FRA", "1A", "É1"])
def test_bad_country_codes_are_refused(tmp_path: Path, country: str) -> None:
    with pytest.raises(PkiError, match="country"):
        create_demo_pki(tmp_path, [country])


def test_small_keys_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="2048"):
        create_demo_pki(tmp_path, ["FR"], key_size=1024)


def test_missing_files_raise_a_pki_error(tmp_path: Path) -> None:
    with pytest.raises(PkiError, match="cannot read"):
        load_node_keys(tmp_path, "FR")
    bad = tmp_path / "bundle.pem"
    bad.write_bytes(b"not a certificate")
    with pytest.raises(PkiError):
        load_certificates(bad)
