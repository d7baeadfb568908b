from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ncpeh.registry._errors import (
    RegistryContentError,
    ServiceNotOfferedError,
    UnknownCountryError,
)

Service = Literal["xcpd", "xca", "xdr"]
#: NCP-to-NCP services a country publishes endpoints for (ehdsi-flows.md §2: XCPD
#: ITI-55, XCA ITI-38/39, XDR ITI-41).
SERVICES: tuple[Service, ...] = ("xcpd", "xca", "xdr")

_COUNTRY = re.compile(r"[A-Z]{2}")
_OID = re.compile(r"(urn:oid:)?[0-2](\.(0|[1-9][0-9]*))+")
_DOC_CLASS = re.compile(r"[A-Z][A-Z0-9_-]{0,31}")


def sha256_hex(der: bytes) -> str:
    """Lower-case hex SHA-256 of DER bytes (the certificate fingerprint we pin)."""
    return hashlib.sha256(der).hexdigest()


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return sha256_hex(certificate.public_bytes(Encoding.DER))


def subject_country(certificate: x509.Certificate) -> str | None:
    """The single ``C=`` of the subject; ``None`` if absent or repeated."""
    values = certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    if len(values) != 1:
        return None
    value = values[0].value
    return value if isinstance(value, str) else None


def _check_https(service: str, url: str | None) -> None:
    if url is None:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.fragment:
        # Plain http would mean no mTLS: "no mTLS, no service" (trust-security.md §1).
        raise RegistryContentError(f"{service} endpoint must be an https URL: {url!r}")


@dataclass(frozen=True, slots=True)
class Endpoints:
    """A country's NCP-to-NCP endpoints; ``None`` where it offers no such service."""

    xcpd: str | None = None
    xca: str | None = None
    xdr: str | None = None

    def __post_init__(self) -> None:
        for service in SERVICES:
            _check_https(service, getattr(self, service))

    def url(self, service: Service) -> str | None:
        value: str | None = getattr(self, service)
        return value


@dataclass(frozen=True, slots=True)
class CountryEntry:
    """What one partner country publishes (trust-security.md §1; the SMP analogue).

    The three certificates are kept apart because the keys are (trust-security.md §1,
    "Key separation"): the TLS server certificate authenticates the partner when we
    call it, the TLS client certificate when it calls us, the signing certificate its
    SAML assertions.

    Attributes:
        country: ISO 3166 alpha-2 code, upper case.
        home_community_id: the country's XCA home community OID (``urn:oid:`` optional).
        endpoints: service endpoints.
        tls_server_cert: its ``SP_*`` certificate.
        tls_client_cert: its ``SC_*`` certificate; pinned by fingerprint.
        signing_cert: its ``NCP_SIG_*`` certificate.
        exports: document classes it serves as country A (e.g. ``{"PS", "EP"}``);
            stored as a ``frozenset``.
        consumes: document classes it requests as country B; stored as a ``frozenset``.
    """

    country: str
    home_community_id: str
    endpoints: Endpoints
    tls_server_cert: x509.Certificate
    tls_client_cert: x509.Certificate
    signing_cert: x509.Certificate
    exports: AbstractSet[str] = field(default_factory=frozenset)
    consumes: AbstractSet[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not _COUNTRY.fullmatch(self.country):
            raise RegistryContentError(
                f"country code must be two upper-case letters: {self.country!r}"
            )
        if not _OID.fullmatch(self.home_community_id):
            raise RegistryContentError(
                f"{self.country}: home community id is not an OID: {self.home_community_id!r}"
            )
        # Accept any iterable from callers, store frozensets (hashable, immutable).
        object.__setattr__(self, "exports", frozenset(self.exports))
        object.__setattr__(self, "consumes", frozenset(self.consumes))
        for doc_class in self.exports | self.consumes:
            if not isinstance(doc_class, str) or not _DOC_CLASS.fullmatch(doc_class):
                raise RegistryContentError(f"{self.country}: invalid document class {doc_class!r}")

    def endpoint(self, service: Service) -> str:
        """The URL of ``service``.

        Raises:
            ServiceNotOfferedError: the country lists no such endpoint.
        """
        url = self.endpoints.url(service)
        if url is None:
            raise ServiceNotOfferedError(f"{self.country} offers no {service} endpoint")
        return url

    @property
    def tls_client_sha256(self) -> str:
        return certificate_fingerprint(self.tls_client_cert)


class TrustRegistry:
    """An immutable, verified registry snapshot with in-memory lookups.

    Only a registry whose signature verified against the pinned anchor is ever built
    by :func:`load_registry`; lookups are dictionary reads (no I/O, no parsing).

    Args:
        entries: one per country.
        version: monotonically increasing registry version.
        issued_at: time of issue (timezone-aware).
        authority_sha256: fingerprint of the signing authority certificate.

    Raises:
        RegistryContentError: duplicate country, naive ``issued_at`` or bad version.
    """

    __slots__ = ("_by_country", "_by_client_cert", "version", "issued_at", "authority_sha256")

    def __init__(
        self,
        entries: Iterable[CountryEntry],
        *,
        version: int,
        issued_at: dt.datetime,
        authority_sha256: str = "",
    ) -> None:
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise RegistryContentError(f"version must be a positive integer: {version!r}")
        if issued_at.tzinfo is None:
            raise RegistryContentError("issued_at must be timezone-aware")
        by_country: dict[str, CountryEntry] = {}
        for entry in entries:
            if entry.country in by_country:
                raise RegistryContentError(f"country {entry.country} listed twice")
            by_country[entry.country] = entry
        self._by_country = dict(sorted(by_country.items()))
        # A client certificate identifies a country only if its own subject says that
        # country: fingerprint equality means identical bytes, hence the identical C=.
        # An entry whose registered certificate names another country is left out, so
        # the lookup refuses it (trust-security.md §1, "Country binding").
        by_client: dict[str, str] = {}
        for entry in self._by_country.values():
            if subject_country(entry.tls_client_cert) == entry.country:
                by_client[entry.tls_client_sha256] = entry.country
        self._by_client_cert = by_client
        self.version = version
        self.issued_at = issued_at.astimezone(dt.UTC)
        self.authority_sha256 = authority_sha256

    @property
    def entries(self) -> tuple[CountryEntry, ...]:
        """All entries, ordered by country code."""
        return tuple(self._by_country.values())

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(self._by_country)

    def __len__(self) -> int:
        return len(self._by_country)

    def __iter__(self) -> Iterator[CountryEntry]:
        return iter(self._by_country.values())

    def __contains__(self, country: object) -> bool:
        return country in self._by_country

    def country(self, country: str) -> CountryEntry:
        """The entry of ``country`` (ISO alpha-2).

        Raises:
            UnknownCountryError: not a listed partner; never call it (outbound
                allowlist = registry-listed partners only, trust-security.md §1).
        """
        entry = self._by_country.get(country)
        if entry is None:
            raise UnknownCountryError(f"{country!r} is not a listed partner country")
        return entry

    def country_or_none(self, country: str) -> CountryEntry | None:
        return self._by_country.get(country)

    def country_of_client_certificate(self, der_cert: bytes) -> str | None:
        """Which partner country presented this TLS client certificate, if any.

        Matches the SHA-256 fingerprint against the registered TLS client
        certificates, and only those whose subject ``C=`` equals the entry's country.
        The caller's country is the ``C=`` of its TLS client certificate
        (trust-security.md §1); pinning the exact certificate also refuses a
        certificate the partner CA issued but the country never registered.

        Args:
            der_cert: the verified peer certificate from the TLS layer (DER).
        """
        return self._by_client_cert.get(sha256_hex(der_cert))

    def partners_exporting(self, doc_class: str) -> tuple[CountryEntry, ...]:
        """Countries that serve ``doc_class`` (e.g. ``"PS"``) as country A, by code."""
        return tuple(e for e in self._by_country.values() if doc_class in e.exports)

    def partners_consuming(self, doc_class: str) -> tuple[CountryEntry, ...]:
        """Countries that request ``doc_class`` as country B, by code."""
        return tuple(e for e in self._by_country.values() if doc_class in e.consumes)

    def __repr__(self) -> str:
        issued = self.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"TrustRegistry(version={self.version}, issued_at={issued}, "
            f"countries={list(self._by_country)})"
        )
