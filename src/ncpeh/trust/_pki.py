"""Demo PKI: one CA and, per country, separate TLS-server, TLS-client and signing keys.

eHDSI separates keys by use: ``SP_*`` serves other NCPs over mTLS, ``SC_*`` calls
them, ``NCP_SIG_*`` signs assertions, audit messages and evidences
(``trust-security.md`` §1, "Key separation"; OpenNCP keeps separate keystores).
Production certificates come from the EC eDelivery PKI (test ones from Gazelle);
this module only makes a *local* stand-in so the demo network and the tests can
exercise the same code paths. The caller's country is read from the ``C=`` of the
certificate subject, so every node certificate carries ``C=<country>``.

Private keys are loaded **once** into key objects (``house-style.md`` §3 rule 1:
signing with a PEM argument costs 55–71 ms, with a loaded key 1.0–1.4 ms).
Files are written atomically (temporary file, ``fsync``, ``os.replace``) so a
crash never leaves half a key on disk; private keys are created ``0600``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ncpeh.files import write_atomic
from ncpeh.trust._errors import PkiError

__all__ = [
    "DemoPki",
    "KeyPair",
    "KeyRole",
    "NodeKeys",
    "certificate_country",
    "create_demo_pki",
    "load_certificates",
    "load_demo_pki",
    "load_node_keys",
    "normalise_country",
]

CA_DIR = "ca"
CA_CERT_FILE = "ca.cert.pem"
CA_KEY_FILE = "ca.key.pem"
_CA_VALIDITY = timedelta(days=3650)
_BACKDATE = timedelta(minutes=5)  # tolerate peers whose clocks lag a little


class KeyRole(StrEnum):
    """The three per-node keys; the value is the file stem (``<role>.key.pem``)."""

    TLS_SERVER = "tls-server"
    TLS_CLIENT = "tls-client"
    SIGNING = "signing"


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A loaded private key with its certificate, and where both live on disk.

    The paths are kept because :class:`ssl.SSLContext.load_cert_chain` reads files.
    """

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    key_path: Path
    certificate_path: Path


@dataclass(frozen=True, slots=True)
class NodeKeys:
    """Everything one NCP node needs, loaded once at start-up."""

    country: str
    tls_server: KeyPair
    tls_client: KeyPair
    signing: KeyPair
    ca_certificate: x509.Certificate
    ca_path: Path


@dataclass(frozen=True, slots=True)
class DemoPki:
    """The result of :func:`create_demo_pki` / :func:`load_demo_pki`."""

    directory: Path
    ca_certificate: x509.Certificate
    nodes: Mapping[str, NodeKeys]

    @property
    def ca_path(self) -> Path:
        return self.directory / CA_DIR / CA_CERT_FILE


def normalise_country(country: str) -> str:
    """Upper-case a two-letter country code, or raise :class:`PkiError`.

    Example:
        >>> normalise_country("fr")
        'FR'
    """
    cc = country.strip().upper()
    if len(cc) != 2 or not cc.isascii() or not cc.isalpha():
        raise PkiError(f"not a two-letter country code: {country!r}")
    return cc


def certificate_country(certificate: x509.Certificate) -> str | None:
    """The ``C=`` of the subject, upper-cased, or ``None`` when absent or ambiguous."""
    values = certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if len(values) != 1:
        return None
    value = values[0].value
    text = value if isinstance(value, str) else value.decode("ascii", "replace")
    return text.strip().upper() or None


def create_demo_pki(
    directory: Path,
    countries: Iterable[str],
    *,
    key_size: int = 2048,
    now: datetime | None = None,
    validity: timedelta = timedelta(days=365),
    hostnames: Mapping[str, Sequence[str]] | None = None,
) -> DemoPki:
    """Create (or complete) a demo CA and per-country node keys under ``directory``.

    Idempotent: an existing CA is reused, and a country whose six files are all
    present is left alone, so ``ncpeh pki init --dir DIR --countries FR,NO,PT``
    can be re-run to add a country. A country with only some files (an earlier
    interrupted run) is regenerated completely.

    Layout::

        DIR/ca/ca.cert.pem, DIR/ca/ca.key.pem
        DIR/<CC>/{tls-server,tls-client,signing}.{key,cert}.pem

    Args:
        directory: target directory, created if needed.
        countries: ISO 3166 alpha-2 codes (any case).
        key_size: RSA modulus size; 2048 is the floor (eDelivery uses ≥ 2048).
        now: issuing time (tests pin it); defaults to the current UTC time.
        validity: node certificate lifetime; the CA lives ten years.
        hostnames: extra DNS names for a country's TLS server certificate.
            ``localhost``, ``ncp-<cc>`` and ``ncp-<cc>.localhost`` are always added.

    Returns:
        The PKI with every node's keys loaded.

    Example:
        >>> pki = create_demo_pki(Path("pki"), ["FR", "NO", "PT"])  # doctest: +SKIP
        >>> pki.nodes["FR"].signing.certificate.subject.rfc4514_string()  # doctest: +SKIP
        'CN=NCP-FR signing,O=ncpeh demo NCP-FR,C=FR'
    """
    if key_size < 2048:
        raise PkiError(f"RSA keys must be at least 2048 bits, got {key_size}")
    issued_at = _utc(now)
    ccs = list(dict.fromkeys(normalise_country(c) for c in countries))
    if not ccs:
        raise PkiError("no country given")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _load_or_create_ca(directory, key_size=key_size, now=issued_at)
    extra = {normalise_country(k): tuple(v) for k, v in (hostnames or {}).items()}
    for cc in ccs:
        node_dir = directory / cc
        if all(p.is_file() for p in _node_files(node_dir)):
            continue
        node_dir.mkdir(exist_ok=True)
        for role in KeyRole:
            key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
            cert = _issue(
                cc,
                role,
                key,
                ca_key,
                ca_cert,
                now=issued_at,
                validity=validity,
                hostnames=extra.get(cc, ()),
            )
            write_atomic(node_dir / f"{role}.key.pem", _key_pem(key), private=True)
            write_atomic(node_dir / f"{role}.cert.pem", _cert_pem(cert), private=False)
    return load_demo_pki(directory, countries=ccs)


def load_demo_pki(directory: Path, *, countries: Iterable[str] | None = None) -> DemoPki:
    """Load a PKI written by :func:`create_demo_pki` (every country when ``None``)."""
    ca_path = directory / CA_DIR / CA_CERT_FILE
    ca_cert = _single_certificate(ca_path)
    if countries is None:
        ccs = sorted(
            p.name
            for p in directory.iterdir()
            if p.is_dir() and p.name != CA_DIR and len(p.name) == 2
        )
    else:
        ccs = [normalise_country(c) for c in countries]
    nodes = {cc: load_node_keys(directory, cc) for cc in ccs}
    return DemoPki(directory=directory, ca_certificate=ca_cert, nodes=nodes)


def load_node_keys(directory: Path, country: str) -> NodeKeys:
    """Load one node's three key pairs and the CA certificate, checking consistency.

    Raises:
        PkiError: a file is missing or unreadable, a key does not match its
            certificate, or a certificate's ``C=`` is not ``country``.
    """
    cc = normalise_country(country)
    ca_path = directory / CA_DIR / CA_CERT_FILE
    ca_cert = _single_certificate(ca_path)
    pairs = {role: _load_pair(directory / cc, role, cc) for role in KeyRole}
    return NodeKeys(
        country=cc,
        tls_server=pairs[KeyRole.TLS_SERVER],
        tls_client=pairs[KeyRole.TLS_CLIENT],
        signing=pairs[KeyRole.SIGNING],
        ca_certificate=ca_cert,
        ca_path=ca_path,
    )


def load_certificates(path: Path) -> tuple[x509.Certificate, ...]:
    """All certificates of a PEM bundle (a trust store file), or raise :class:`PkiError`."""
    data = _read(path)
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise PkiError(f"{path}: not a PEM certificate bundle: {exc}") from None
    return tuple(certs)


# --------------------------------------------------------------------------- internals


def _utc(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise PkiError("'now' must be timezone-aware")
    return now.astimezone(UTC)


def _node_files(node_dir: Path) -> list[Path]:
    return [node_dir / f"{role}.{kind}.pem" for role in KeyRole for kind in ("key", "cert")]


def _load_or_create_ca(
    directory: Path, *, key_size: int, now: datetime
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    ca_dir = directory / CA_DIR
    key_path, cert_path = ca_dir / CA_KEY_FILE, ca_dir / CA_CERT_FILE
    if key_path.is_file() and cert_path.is_file():
        key = _load_key(key_path)
        cert = _single_certificate(cert_path)
        if not _same_public_key(key, cert):
            raise PkiError(f"{key_path}: CA key does not match {cert_path}")
        return key, cert
    ca_dir.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ncpeh demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "ncpeh demo CA"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + _CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    # Key first: a certificate without its key is useless, the reverse is re-issuable.
    write_atomic(key_path, _key_pem(key), private=True)
    write_atomic(cert_path, _cert_pem(cert), private=False)
    return key, cert


def _issue(
    country: str,
    role: KeyRole,
    key: rsa.RSAPrivateKey,
    ca_key: rsa.RSAPrivateKey,
    ca_cert: x509.Certificate,
    *,
    now: datetime,
    validity: timedelta,
    hostnames: Sequence[str],
) -> x509.Certificate:
    label = {
        KeyRole.TLS_SERVER: "TLS server",
        KeyRole.TLS_CLIENT: "TLS client",
        KeyRole.SIGNING: "signing",
    }[role]
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"ncpeh demo NCP-{country}"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"NCP-{country} {label}"),
        ]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(min(now + validity, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
    )
    signing = role is KeyRole.SIGNING
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=True,
            content_commitment=signing,
            key_encipherment=role is KeyRole.TLS_SERVER,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    host = f"ncp-{country.lower()}"
    if role is KeyRole.TLS_SERVER:
        names: list[x509.GeneralName] = [
            x509.DNSName(n)
            for n in dict.fromkeys(["localhost", host, f"{host}.localhost", *hostnames])
        ]
        names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(x509.SubjectAlternativeName(names), critical=False)
    elif role is KeyRole.TLS_CLIENT:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        ).add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _load_pair(node_dir: Path, role: KeyRole, country: str) -> KeyPair:
    key_path = node_dir / f"{role}.key.pem"
    cert_path = node_dir / f"{role}.cert.pem"
    key = _load_key(key_path)
    cert = _single_certificate(cert_path)
    if not _same_public_key(key, cert):
        raise PkiError(f"{key_path}: key does not match {cert_path}")
    found = certificate_country(cert)
    if found != country:
        raise PkiError(f"{cert_path}: subject country is {found!r}, expected {country!r}")
    return KeyPair(key=key, certificate=cert, key_path=key_path, certificate_path=cert_path)


def _load_key(path: Path) -> rsa.RSAPrivateKey:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise PkiError(f"{path}: cannot load private key: {exc}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PkiError(f"{path}: expected an RSA key (RSA-SHA256 signatures), got {type(key)}")
    return key


def _single_certificate(path: Path) -> x509.Certificate:
    certs = load_certificates(path)
    if len(certs) != 1:
        raise PkiError(f"{path}: expected exactly one certificate, found {len(certs)}")
    return certs[0]


def _same_public_key(key: rsa.RSAPrivateKey, cert: x509.Certificate) -> bool:
    public = cert.public_key()
    return (
        isinstance(public, rsa.RSAPublicKey)
        and public.public_numbers() == key.public_key().public_numbers()
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PkiError(f"{path}: cannot read: {exc.strerror}") from None


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
