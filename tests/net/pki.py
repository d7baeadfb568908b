"""A throwaway test PKI (EC P-256: fast), independent of ncpeh.trust on purpose."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes
    cert_path: Path
    key_path: Path

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(cn: str, country: str | None, *, extra_country: str | None = None) -> x509.Name:
    attrs = []
    if country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, country))
    if extra_country:
        attrs.append(x509.NameAttribute(NameOID.COUNTRY_NAME, extra_country))
    attrs += [
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ncpeh tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ]
    return x509.Name(attrs)


def _write(
    directory: Path, stem: str, cert: x509.Certificate, key: CertificateIssuerPrivateKeyTypes
) -> Issued:
    cert_path = directory / f"{stem}.pem"
    key_path = directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert, key, cert_path, key_path)


def new_key(kind: str = "ec") -> CertificateIssuerPrivateKeyTypes:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "rsa1024":  # too weak on purpose
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: CertificateIssuerPrivateKeyTypes,
    issuer_ski: x509.SubjectKeyIdentifier,
    *,
    ca: bool,
    backdate: dt.timedelta,
    lifetime: dt.timedelta,
) -> x509.CertificateBuilder:
    """What a CA and a leaf share: names, validity, basic constraints, key usage, key ids."""
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - backdate)
        .not_valid_after(NOW + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski),
            critical=False,
        )
    )


def make_ca(directory: Path, stem: str, cn: str, *, kind: str = "ec") -> Issued:
    key = new_key(kind)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    name = _name(cn, None)
    cert = _builder(
        name, name, key, ski, ca=True, backdate=dt.timedelta(days=1), lifetime=dt.timedelta(days=30)
    ).sign(key, hashes.SHA256())
    return _write(directory, stem, cert, key)


def make_leaf(
    directory: Path,
    stem: str,
    ca: Issued,
    *,
    cn: str,
    country: str | None,
    usage: str,
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
    extra_country: str | None = None,
) -> Issued:
    key = new_key()
    ca_ski = ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = _builder(
        _name(cn, country, extra_country=extra_country),
        ca.cert.subject,
        key,
        ca_ski,
        ca=False,
        backdate=dt.timedelta(hours=1),
        lifetime=dt.timedelta(days=7),
    )
    if usage == "server":
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(x509.SubjectAlternativeName(names), critical=False)
    elif usage == "client":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    cert = builder.sign(ca.key, hashes.SHA256())
    return _write(directory, stem, cert, key)
