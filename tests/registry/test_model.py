"""TrustRegistry lookups and CountryEntry validation."""

from __future__ import annotations

import dataclasses

import pytest

from ncpeh.registry import (
    CountryEntry,
    Endpoints,
    RegistryContentError,
    RegistryLookupError,
    ServiceNotOfferedError,
    TrustRegistry,
    UnknownCountryError,
)

from .conftest import ISSUED, RegistryPki, entries, entry


@pytest.fixture()
def registry(rpki: RegistryPki) -> TrustRegistry:
    return TrustRegistry(entries(rpki), version=1, issued_at=ISSUED)


def test_country_lookup_and_allowlist(registry: TrustRegistry) -> None:
    assert registry.country("PT").country == "PT"
    assert "PT" in registry and "ES" not in registry
    assert registry.country_or_none("ES") is None
    with pytest.raises(UnknownCountryError, match="ES"):
        registry.country("ES")
    assert issubclass(UnknownCountryError, RegistryLookupError)


def test_endpoint_lookup(registry: TrustRegistry) -> None:
    assert registry.country("FR").endpoint("xdr") == "https://ncp.fr.test:8443/xdr/v1"
    with pytest.raises(ServiceNotOfferedError, match="DE offers no xdr"):
        registry.country("DE").endpoint("xdr")


def test_partners_by_document_class(registry: TrustRegistry) -> None:
    assert [e.country for e in registry.partners_exporting("PS")] == ["DE", "PT"]
    assert [e.country for e in registry.partners_exporting("EP")] == ["PT"]
    assert registry.partners_exporting("ORCD") == ()
    assert [e.country for e in registry.partners_consuming("ED")] == ["FR"]


def test_client_certificate_maps_to_its_country(rpki: RegistryPki, registry: TrustRegistry) -> None:
    assert registry.country_of_client_certificate(rpki.nodes["FR"].tls_client.der) == "FR"
    assert registry.country_of_client_certificate(rpki.nodes["PT"].tls_client.der) == "PT"
    # Another certificate of the same country (its TLS *server* one) is not the pinned one.
    assert registry.country_of_client_certificate(rpki.nodes["PT"].tls_server.der) is None
    assert registry.country_of_client_certificate(b"not a certificate") is None


def test_client_certificate_whose_country_differs_is_rejected(rpki: RegistryPki) -> None:
    # DE registered a client certificate whose subject says C=FR: never maps to DE
    # (nor to FR, whose registered certificate is a different one).
    odd = entry(rpki, "DE", exports={"PS"}, consumes=set(), client=rpki.de_with_fr_client)
    registry = TrustRegistry(
        [odd, entry(rpki, "FR", exports=set(), consumes={"PS"})], version=1, issued_at=ISSUED
    )
    assert registry.country_of_client_certificate(rpki.de_with_fr_client.der) is None
    assert registry.country_of_client_certificate(rpki.nodes["FR"].tls_client.der) == "FR"


@pytest.mark.parametrize(
    "change,match",
    [
        ({"country": "fra"}, "two upper-case"),
        ({"country": "fr"}, "two upper-case"),
        ({"home_community_id": "not-an-oid"}, "not an OID"),
        ({"home_community_id": "urn:oid:1.02.3"}, "not an OID"),
        ({"exports": {"ps"}}, "document class"),
    ],
)
def test_entry_validation(rpki: RegistryPki, change: dict, match: str) -> None:  # type: ignore[type-arg]
    good = entry(rpki, "PT", exports={"PS"}, consumes=set())
    with pytest.raises(RegistryContentError, match=match):
        dataclasses.replace(good, **change)


@pytest.mark.parametrize(
    "url",
    [
        "http://ncp.pt.test/xca",
        "https://user@ncp.pt.test/xca",
        "https:///xca",
        "ftp://ncp.pt.test/",
    ],
)
def test_endpoints_must_be_https(url: str) -> None:
    with pytest.raises(RegistryContentError, match="https"):
        Endpoints(xca=url)


def test_registry_validation(rpki: RegistryPki) -> None:
    pt = entry(rpki, "PT", exports={"PS"}, consumes=set())
    with pytest.raises(RegistryContentError, match="twice"):
        TrustRegistry([pt, pt], version=1, issued_at=ISSUED)
    with pytest.raises(RegistryContentError, match="version"):
        TrustRegistry([pt], version=True, issued_at=ISSUED)
    with pytest.raises(RegistryContentError, match="timezone"):
        TrustRegistry([pt], version=1, issued_at=ISSUED.replace(tzinfo=None))


def test_entries_are_immutable_and_hashable(rpki: RegistryPki) -> None:
    pt = entry(rpki, "PT", exports=["PS", "EP"], consumes=())  # type: ignore[arg-type]
    assert pt.exports == frozenset({"PS", "EP"})
    assert hash(pt) == hash(entry(rpki, "PT", exports={"EP", "PS"}, consumes=set()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        pt.country = "ES"  # type: ignore[misc]
    assert isinstance(pt, CountryEntry)
    assert "PT" in repr(TrustRegistry([pt], version=1, issued_at=ISSUED))
