from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ncpeh.registry._errors import (
    RegistryContentError,
    RegistryFormatError,
    RegistrySignatureError,
    RegistryUnsignedError,
)
from ncpeh.registry._model import (
    SERVICES,
    CountryEntry,
    Endpoints,
    TrustRegistry,
    certificate_fingerprint,
)

#: Envelope and payload format identifiers; a new field means a new format version.
ENVELOPE_FORMAT = "ncpeh-trust-registry/1"
PAYLOAD_FORMAT = "ncpeh-trust-registry-payload/1"

#: Accepted clock skew for the issue time (trust-security.md, "Clock skew ±60 s").
CLOCK_SKEW = dt.timedelta(seconds=60)

#: A registry of every EU country with three certificates each is well under 1 MiB.
MAX_REGISTRY_BYTES = 8 * 1024 * 1024

ALG_RSA_PSS = "RSA-PSS-SHA256"
ALG_ECDSA = "ECDSA-P256-SHA256"

AuthorityKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _canonical_json(value: object) -> bytes:
    # Sorted keys, no whitespace, ASCII only, no floats in our schema: the same data
    # always gives the same bytes, so signer output is reproducible and diffable.
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise RegistryFormatError(f"{what} must be a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RegistryFormatError(f"{what} is not valid base64") from exc
    if _b64(data) != text:
        # Non-canonical base64 (spare bits set) decodes to the same bytes; refuse it so
        # every changed character of the file is an error, never a silent no-op.
        raise RegistryFormatError(f"{what} is not canonical base64")
    return data


def _expected_alg(public_key: object) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < 2048:
            raise RegistrySignatureError("authority RSA key is shorter than 2048 bits")
        return ALG_RSA_PSS
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    ):
        return ALG_ECDSA
    raise RegistrySignatureError("authority key must be RSA >= 2048 bits or EC P-256")


_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)


def _sign(key: AuthorityKey, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _PSS, hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def _verify(public_key: object, signature: bytes, data: bytes) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, _PSS, hashes.SHA256())
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:  # pragma: no cover - _expected_alg refused it first
        raise InvalidSignature


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(Encoding.PEM).decode("ascii")


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _entry_json(entry: CountryEntry) -> dict[str, object]:
    return {
        "country": entry.country,
        "home_community_id": entry.home_community_id,
        "endpoints": {s: u for s in SERVICES if (u := entry.endpoints.url(s)) is not None},
        "certificates": {
            "tls_server": _pem(entry.tls_server_cert),
            "tls_client": _pem(entry.tls_client_cert),
            "signing": _pem(entry.signing_cert),
        },
        "exports": sorted(entry.exports),
        "consumes": sorted(entry.consumes),
    }


def sign_registry(
    entries: Iterable[CountryEntry],
    authority_key: AuthorityKey,
    authority_cert: x509.Certificate,
    *,
    version: int = 1,
    issued_at: dt.datetime | None = None,
) -> bytes:
    """Serialise and sign a trust registry; returns the file content.

    The signature is detached over the exact canonical payload bytes, which travel
    base64-encoded inside a small JSON envelope: the verifier checks those bytes as
    they are, with no re-serialisation that could differ (the SMP's signed metadata
    plays this role in eHDSI, trust-security.md §1 "Partners"; the "EU SEAL" key signs
    it, §1 "Key separation"). RSA keys sign with RSA-PSS/SHA-256, P-256 keys with
    ECDSA/SHA-256.

    Args:
        entries: one :class:`CountryEntry` per partner country.
        authority_key: the registry authority's private key, loaded once.
        authority_cert: its certificate; verifiers pin it as their trust anchor.
        version: registry version; a store refuses to go back to a lower one.
        issued_at: issue time (timezone-aware); now when omitted.

    Raises:
        RegistrySignatureError: the key does not match the certificate, or is weak.
        RegistryContentError: duplicate countries, bad version or naive time.
    """
    public_der = authority_key.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    cert_der = authority_cert.public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    if public_der != cert_der:
        raise RegistrySignatureError("authority key does not match the authority certificate")
    alg = _expected_alg(authority_cert.public_key())
    moment = issued_at or dt.datetime.now(dt.UTC)
    authority = certificate_fingerprint(authority_cert)
    # Building the snapshot validates the lot (duplicates, version, time zone).
    registry = TrustRegistry(entries, version=version, issued_at=moment, authority_sha256=authority)
    payload = _canonical_json(
        {
            "format": PAYLOAD_FORMAT,
            "version": registry.version,
            "issued_at": _utc_text(registry.issued_at),
            "authority_sha256": authority,
            "countries": [_entry_json(e) for e in registry.entries],
        }
    )
    envelope = {
        "format": ENVELOPE_FORMAT,
        "payload": _b64(payload),
        "signature": {
            "alg": alg,
            "authority_sha256": authority,
            "value": _b64(_sign(authority_key, payload)),
        },
    }
    return _canonical_json(envelope)


class _Reader:
    """Typed access to one JSON object, with the path in every error message."""

    def __init__(self, value: object, path: str) -> None:
        if not isinstance(value, dict):
            raise RegistryFormatError(f"{path}: expected an object")
        self._value: dict[str, Any] = value
        self._path = path

    def exact_keys(self, required: set[str], optional: frozenset[str] = frozenset()) -> None:
        keys = set(self._value)
        if missing := required - keys:
            raise RegistryFormatError(f"{self._path}: missing {sorted(missing)}")
        if unknown := keys - required - optional:
            raise RegistryFormatError(f"{self._path}: unknown {sorted(unknown)}")

    def text(self, key: str) -> str:
        value = self._value.get(key)
        if not isinstance(value, str):
            raise RegistryFormatError(f"{self._path}.{key}: expected a string")
        return value

    def integer(self, key: str) -> int:
        value = self._value.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RegistryFormatError(f"{self._path}.{key}: expected an integer")
        return value

    def texts(self, key: str) -> list[str]:
        value = self._value.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RegistryFormatError(f"{self._path}.{key}: expected a list of strings")
        return list(value)

    def items(self, key: str) -> list[object]:
        value = self._value.get(key)
        if not isinstance(value, list):
            raise RegistryFormatError(f"{self._path}.{key}: expected a list")
        return list(value)

    def obj(self, key: str) -> _Reader:
        return _Reader(self._value.get(key), f"{self._path}.{key}")

    def get(self, key: str) -> object:
        return self._value.get(key)

    def keys(self) -> set[str]:
        return set(self._value)


def _parse_json(data: bytes, what: str) -> object:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RegistryFormatError(f"{what} is not JSON: {exc}") from exc


def _certificate(text: str, path: str) -> x509.Certificate:
    try:
        certificates = x509.load_pem_x509_certificates(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise RegistryFormatError(f"{path}: not a PEM certificate") from exc
    if len(certificates) != 1:
        raise RegistryFormatError(f"{path}: expected exactly one certificate")
    return certificates[0]


def _entry(value: object, path: str) -> CountryEntry:
    r = _Reader(value, path)
    r.exact_keys(
        {"country", "home_community_id", "endpoints", "certificates", "exports", "consumes"}
    )
    endpoints = r.obj("endpoints")
    endpoints.exact_keys(set(), frozenset(SERVICES))
    urls = {s: endpoints.text(s) for s in SERVICES if endpoints.get(s) is not None}
    certs = r.obj("certificates")
    certs.exact_keys({"tls_server", "tls_client", "signing"})
    country = r.text("country")
    try:
        return CountryEntry(
            country=country,
            home_community_id=r.text("home_community_id"),
            endpoints=Endpoints(**urls),
            tls_server_cert=_certificate(certs.text("tls_server"), f"{path}.tls_server"),
            tls_client_cert=_certificate(certs.text("tls_client"), f"{path}.tls_client"),
            signing_cert=_certificate(certs.text("signing"), f"{path}.signing"),
            exports=frozenset(r.texts("exports")),
            consumes=frozenset(r.texts("consumes")),
        )
    except RegistryContentError as exc:
        raise RegistryContentError(f"{path}: {exc}") from exc


def _issue_time(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise RegistryFormatError(f"payload.issued_at is not an ISO 8601 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise RegistryFormatError("payload.issued_at has no time zone")
    return moment.astimezone(dt.UTC)


def load_registry(
    data: bytes, *, anchor_cert: x509.Certificate, now: dt.datetime | None = None
) -> TrustRegistry:
    """Verify a signed registry against the pinned anchor and load it.

    Trust comes only from ``anchor_cert``, configured out of band: the file names its
    authority by fingerprint, but nothing inside it is believed until the signature
    over the exact payload bytes verifies with the anchor's key. Only then is the
    payload parsed (trust-security.md §1: partners are the signed registry's, and the
    outbound allowlist is that list).

    Args:
        data: the file content, as produced by :func:`sign_registry`.
        anchor_cert: the registry authority certificate, pinned in configuration.
        now: the current time, for tests; the issue time may be at most 60 s ahead.

    Raises:
        RegistryUnsignedError: the data carries no signature.
        RegistrySignatureError: signed by another authority, altered, or the anchor
            was not valid at the issue time.
        RegistryFormatError: not a registry, or the payload breaks the schema.
        RegistryContentError: an invalid value (country, OID, URL, duplicate, time).

    Example:
        >>> registry = load_registry(path.read_bytes(), anchor_cert=anchor)  # doctest: +SKIP
        >>> registry.country("PT").endpoint("xca")  # doctest: +SKIP
    """
    if len(data) > MAX_REGISTRY_BYTES:
        raise RegistryFormatError(f"registry larger than {MAX_REGISTRY_BYTES} bytes")
    envelope = _Reader(_parse_json(data, "registry"), "registry")
    if "signature" not in envelope.keys():
        raise RegistryUnsignedError("registry is not signed; refusing to trust it")
    envelope.exact_keys({"format", "payload", "signature"})
    if envelope.get("format") != ENVELOPE_FORMAT:
        raise RegistryFormatError(f"unsupported registry format {envelope.get('format')!r}")
    signature = envelope.obj("signature")
    signature.exact_keys({"alg", "authority_sha256", "value"})
    payload_bytes = _unb64(envelope.get("payload"), "registry.payload")
    signature_bytes = _unb64(signature.get("value"), "registry.signature.value")

    anchor_fp = certificate_fingerprint(anchor_cert)
    named = signature.text("authority_sha256")
    if named != anchor_fp:
        raise RegistrySignatureError(
            f"registry names authority {named[:16]}..., not the pinned anchor {anchor_fp[:16]}..."
        )
    public_key = anchor_cert.public_key()
    expected_alg = _expected_alg(public_key)
    if signature.text("alg") != expected_alg:
        # The anchor's key type decides the algorithm; the file cannot choose it.
        raise RegistrySignatureError(
            f"signature algorithm {signature.text('alg')!r} does not match the anchor "
            f"key ({expected_alg})"
        )
    try:
        _verify(public_key, signature_bytes, payload_bytes)
    except InvalidSignature as exc:
        raise RegistrySignatureError(
            "registry signature does not verify: content altered or signed by another key"
        ) from exc

    payload = _Reader(_parse_json(payload_bytes, "registry payload"), "payload")
    payload.exact_keys({"format", "version", "issued_at", "authority_sha256", "countries"})
    if payload.get("format") != PAYLOAD_FORMAT:
        raise RegistryFormatError(f"unsupported payload format {payload.get('format')!r}")
    if payload.text("authority_sha256") != anchor_fp:  # pragma: no cover - signed by anchor
        raise RegistrySignatureError("payload names another authority")
    issued_at = _issue_time(payload.text("issued_at"))
    current = now or dt.datetime.now(dt.UTC)
    if issued_at > current + CLOCK_SKEW:
        raise RegistryContentError(f"registry issued in the future ({_utc_text(issued_at)})")
    if not anchor_cert.not_valid_before_utc <= issued_at <= anchor_cert.not_valid_after_utc:
        raise RegistrySignatureError("the anchor certificate was not valid at the issue time")
    entries = [
        _entry(v, f"payload.countries[{i}]") for i, v in enumerate(payload.items("countries"))
    ]
    return TrustRegistry(
        entries, version=payload.integer("version"), issued_at=issued_at, authority_sha256=anchor_fp
    )


def registry_summary(registry: TrustRegistry) -> Mapping[str, object]:
    """A JSON-ready overview (no certificates), for operators and ``check-config``."""
    return {
        "version": registry.version,
        "issued_at": _utc_text(registry.issued_at),
        "authority_sha256": registry.authority_sha256,
        "countries": {
            e.country: {
                "home_community_id": e.home_community_id,
                "endpoints": {s: e.endpoints.url(s) for s in SERVICES},
                "exports": sorted(e.exports),
                "consumes": sorted(e.consumes),
                "tls_client_sha256": e.tls_client_sha256,
            }
            for e in registry
        },
    }
