"""Per-country home communities and patient identifier domains (data/countries.json)."""

from __future__ import annotations

import pytest

from ncpeh.gateway.wire import (
    MessageFormatError,
    UnknownCountryError,
    XcpdRequest,
    country_profile,
    country_profiles,
)
from ncpeh.trust import PatientId

PT_PATIENT = PatientId("1.2.208.176.1.2", "0410009234")


def test_the_table_covers_the_demo_countries_and_the_hcid_list() -> None:
    profiles = country_profiles()
    assert {"FR", "NO", "PT", "DK", "DE"} <= set(profiles)
    assert profiles["FR"].home_community_id == "2.16.17.710.790.1000.990.1"
    assert profiles["NO"].home_community_id == "2.16.578.1.12.4.5.10.1"
    for profile in profiles.values():
        for domain in profile.patient_id_domains:
            assert domain.status in {"verified", "inferred", "test"}
            PatientId(domain.oid, "x")  # every domain is an OID


def test_per_country_identifier_domains() -> None:
    fr = country_profile("fr")
    assert fr.patient_id("1 84 12 75 123 456 78".replace(" ", "")).root == "1.2.250.1.213.1.4.8"
    assert fr.patient_id("x", domain="1.2.250.1.213.1.4.10").root == "1.2.250.1.213.1.4.10"
    with pytest.raises(UnknownCountryError, match="not a patient identifier domain"):
        fr.patient_id("x", domain="1.2.208.176.1.2")
    assert country_profile("NO").patient_id("01017012345").root == "2.16.578.1.12.4.1.4.1"
    assert country_profile("DK").accepts_domain("1.2.208.176.1.2")
    pt = country_profile("PT")
    assert pt.home_community_id == "2.16.17.710.820.1000.990.1"
    with pytest.raises(UnknownCountryError, match="no patient identifier domain"):
        pt.patient_id("123")
    assert pt.patient_id("123", domain="2.16.620.1.101.10.1").extension == "123"
    with pytest.raises(UnknownCountryError):
        country_profile("XX")
    with pytest.raises(UnknownCountryError):
        XcpdRequest.create(patient_ids=[PT_PATIENT], sender_country="FR", receiver_country="ZZ")
    with pytest.raises(MessageFormatError):
        XcpdRequest.create(patient_ids=[], sender_country="FR", receiver_country="PT")
