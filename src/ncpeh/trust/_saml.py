"""SAML 2.0 / XSPA names used by eHDSI assertions, and small shared helpers.

Source: ``trust-security.md`` §2 (OpenNCP ``SamlTRCIssuer.java``,
``SAML2Validator.java``; the signed DK/FI samples in the conformance corpus).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

SAML_NS: Final = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
EC_NS: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
XSD_NS: Final = "http://www.w3.org/2001/XMLSchema"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
HL7_NS: Final = "urn:hl7-org:v3"

NS: Final = {"saml": SAML_NS, "ds": DS_NS, "ec": EC_NS, "hl7": HL7_NS}


def q(ns: str, local: str) -> str:
    """Clark notation ``{ns}local``."""
    return f"{{{ns}}}{local}"


ASSERTION: Final = q(SAML_NS, "Assertion")
ISSUER: Final = q(SAML_NS, "Issuer")
SIGNATURE: Final = q(DS_NS, "Signature")

AUDIENCE: Final = "urn:ehdsi:assertions.audience:x-border"
SENDER_VOUCHES: Final = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"
ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"

QUALIFIER_HCP: Final = "urn:ehdsi:assertions:hcp"
QUALIFIER_TRC: Final = "urn:ehdsi:assertions:trc"
QUALIFIER_NOK: Final = "urn:ehdsi:assertions:nok"

NAMEID_UNSPECIFIED: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NAMEID_EMAIL: Final = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
AC_PREFIX: Final = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
AC_SMARTCARD_PKI: Final = AC_PREFIX + "SmartcardPKI"
AC_PREVIOUS_SESSION: Final = AC_PREFIX + "PreviousSession"

ISCO_OID: Final = "2.16.840.1.113883.2.9.6.2.7"
POU_SYSTEM: Final = "3bc18518-d305-46c2-a8d6-94bd59856e9e"
POU_SYSTEM_NAME: Final = "eHDSI XSPA PurposeOfUse"
PERMISSION_PREFIX: Final = "urn:oasis:names:tc:xspa:1.0:subject:hl7:permission:"

# Attribute names (XSPA / XUA / eHDSI), with OpenNCP's FriendlyName.
ATTR_SUBJECT_ID: Final = "urn:oasis:names:tc:xspa:1.0:subject:subject-id"
ATTR_ROLE: Final = "urn:oasis:names:tc:xacml:2.0:subject:role"
ATTR_ORGANIZATION: Final = "urn:oasis:names:tc:xspa:1.0:subject:organization"
ATTR_ORGANIZATION_ID: Final = "urn:oasis:names:tc:xspa:1.0:subject:organization-id"
ATTR_FACILITY_TYPE: Final = "urn:ehdsi:names:subject:healthcare-facility-type"
ATTR_FACILITY_TYPE_OLD: Final = "urn:epsos:names:wp3.4:subject:healthcare-facility-type"
ATTR_PURPOSE_OF_USE: Final = "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"
ATTR_LOCALITY: Final = "urn:oasis:names:tc:xspa:1.0:environment:locality"
ATTR_PERMISSION: Final = "urn:oasis:names:tc:xspa:1.0:subject:hl7:permission"
ATTR_HOME_COMMUNITY: Final = "urn:ihe:iti:xca:2010:homeCommunityId"
ATTR_NPI: Final = "urn:oasis:names:tc:xspa:1.0:subject:npi"
ATTR_ON_BEHALF_OF: Final = "urn:ehdsi:names:subject:on-behalf-of"
ATTR_PRESCRIPTION_ID: Final = "urn:ehdsi:names:document:document-id:prescriptionId"
ATTR_DISPENSATION_PIN: Final = "urn:ehdsi:names:document:document-id:dispensationPinCode"

FRIENDLY_NAMES: Final = {
    ATTR_SUBJECT_ID: "XSPA Subject",
    ATTR_ROLE: "XSPA Role",
    ATTR_ORGANIZATION: "XSPA Organization",
    ATTR_ORGANIZATION_ID: "XSPA Organization ID",
    ATTR_FACILITY_TYPE: "eHealth DSI Healthcare Facility Type",
    ATTR_PURPOSE_OF_USE: "XSPA Purpose Of Use",
    ATTR_LOCALITY: "XSPA Locality",
    ATTR_PERMISSION: "Hl7 Permissions",
    ATTR_HOME_COMMUNITY: "HCI Identifier",
    ATTR_NPI: "NPI Identifier",
    ATTR_ON_BEHALF_OF: "eHealth DSI On Behalf Of",
    ATTR_PRESCRIPTION_ID: "eHealth DSI Prescription Id",
    ATTR_DISPENSATION_PIN: "eHealth DSI Dispensation Pin Code",
}

C14N_EXCLUSIVE: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"
TRANSFORM_ENVELOPED: Final = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

_ISSUER = re.compile(r"^urn:(idp|initgw):([A-Za-z]{2}):countryB$")
_PERMISSION = re.compile(r"^(PRD|PPD)-[0-9]{3}$")


def hcp_issuer(country: str) -> str:
    """``urn:idp:<CC>:countryB`` (HCP identity provider of country B)."""
    return f"urn:idp:{country}:countryB"


def trc_issuer(country: str) -> str:
    """``urn:initgw:<CC>:countryB`` (TRC-STS of B's initiating gateway)."""
    return f"urn:initgw:{country}:countryB"


def issuer_country(issuer: str, *, kind: str) -> str | None:
    """Country code of an eHDSI issuer of ``kind`` (``idp`` or ``initgw``), else ``None``."""
    m = _ISSUER.match(issuer.strip())
    if m is None or m.group(1) != kind:
        return None
    return m.group(2).upper()


def is_short_permission(value: str) -> bool:
    return _PERMISSION.match(value) is not None


def short_permission(value: str) -> str:
    """``…:hl7:permission:PRD-006`` → ``PRD-006``; other values unchanged (stripped)."""
    text = value.strip()
    if text.startswith(PERMISSION_PREFIX):
        return text[len(PERMISSION_PREFIX) :]
    return text


def format_instant(moment: datetime) -> str:
    """SAML ``xs:dateTime`` in UTC with millisecond precision and ``Z`` (SAML core §1.3.3)."""
    if moment.tzinfo is None:
        raise ValueError("SAML instants must be timezone-aware")
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


_FRACTION = re.compile(r"(\.\d{1,6})\d*")


def parse_instant(value: str) -> datetime:
    """Parse an ``xs:dateTime``; a missing zone means UTC (SAML requires UTC).

    Accepts ``Z`` and numeric offsets (the FI sample uses ``+02:00``) and more than
    six fractional digits (truncated).

    Raises:
        ValueError: not a date-time.
    """
    text = _FRACTION.sub(r"\1", value.strip(), count=1)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
