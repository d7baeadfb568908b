"""Per-country home community ids and patient identifier domains, as data.

XCPD asks country A for a patient by an identifier in one of A's domains (the
International Search Mask says which; ``ehdsi-flows.md`` §2) and addresses the
message to A's home community. The table lives in ``data/countries.json``
(house style rule 7) with a status per domain, because most values are not
published outside the EC login: HCIDs come from the OpenNCP reference
configuration (confirm per environment), the FR and NO domains are
**[inferred]**, the DK CPR domain is from the DK ISM. A country without a
known domain gets none: the caller must then name the domain explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from ncpeh.gateway.wire._errors import UnknownCountryError
from ncpeh.trust import PatientId

__all__ = ["CountryProfile", "IdentifierDomain", "country_profile", "country_profiles"]


@dataclass(frozen=True, slots=True)
class IdentifierDomain:
    """A patient identifier assigning authority: OID, label and how sure we are of it."""

    oid: str
    label: str
    status: str


@dataclass(frozen=True, slots=True)
class CountryProfile:
    """What the wire layer needs to know about one MyHealth@EU country."""

    code: str
    home_community_id: str
    patient_id_domains: tuple[IdentifierDomain, ...]

    def patient_id(self, national_id: str, *, domain: str | None = None) -> PatientId:
        """The patient identifier in ``domain`` (default: the country's first domain).

        Raises:
            UnknownCountryError: no domain given and none known for the country,
                or ``domain`` is not one of the country's domains.
        """
        if domain is None:
            if not self.patient_id_domains:
                raise UnknownCountryError(
                    f"no patient identifier domain is known for {self.code}; name one"
                )
            domain = self.patient_id_domains[0].oid
        elif self.patient_id_domains and not self.accepts_domain(domain):
            raise UnknownCountryError(f"{domain} is not a patient identifier domain of {self.code}")
        try:
            return PatientId(domain, national_id.strip())
        except ValueError as exc:
            raise UnknownCountryError(
                f"invalid patient identifier for {self.code}: {exc}"
            ) from None

    def accepts_domain(self, oid: str) -> bool:
        """True when ``oid`` is one of the country's known domains."""
        return any(d.oid == oid for d in self.patient_id_domains)


@cache
def country_profiles() -> Mapping[str, CountryProfile]:
    """All packaged country profiles, loaded once."""
    raw = json.loads(
        resources.files("ncpeh.gateway.wire").joinpath("data/countries.json").read_bytes()
    )
    profiles = {
        cc: CountryProfile(
            code=cc,
            home_community_id=entry["home_community_id"],
            patient_id_domains=tuple(
                IdentifierDomain(d["oid"], d["label"], d["status"])
                for d in entry["patient_id_domains"]
            ),
        )
        for cc, entry in raw["countries"].items()
    }
    return MappingProxyType(profiles)


def country_profile(country: str) -> CountryProfile:
    """The profile of a two-letter country code (any case).

    Raises:
        UnknownCountryError: the country is not in the table.
    """
    try:
        return country_profiles()[country.strip().upper()]
    except KeyError:
        raise UnknownCountryError(f"unknown MyHealth@EU country {country!r}") from None
