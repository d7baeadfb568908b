from __future__ import annotations

from ncpeh.errors import NcpehError


class RegistryError(NcpehError):
    """Any trust-registry problem."""

    code = "registry.error"


class RegistryReadError(RegistryError):
    """The registry file cannot be read."""

    code = "registry.read"


class RegistryFormatError(RegistryError):
    """Not a registry envelope, or the signed payload does not follow the schema."""

    code = "registry.format"


class RegistrySignatureError(RegistryError):
    """The signature does not verify against the pinned anchor (content altered, signed
    by another authority), or the anchor was not valid when the registry was issued."""

    code = "registry.signature"


class RegistryUnsignedError(RegistrySignatureError):
    """The data carries no signature at all: it is never trusted."""

    code = "registry.unsigned"


class RegistryContentError(RegistryError):
    """A signed value is invalid (country code, OID, URL, duplicate, issue time)."""

    code = "registry.content"


class RegistryRollbackError(RegistryError):
    """A refresh offered a version not newer than the one in use (replay of an old,
    validly signed registry that may still list a withdrawn certificate)."""

    code = "registry.rollback"


class RegistryLookupError(RegistryError):
    """A lookup asked for something the registry does not list."""

    code = "registry.lookup"


class UnknownCountryError(RegistryLookupError):
    """The country is not a listed partner (outbound allowlist, ASVS 13.2.5)."""

    code = "registry.unknown-country"


class ServiceNotOfferedError(RegistryLookupError):
    """The country lists no endpoint for this service."""

    code = "registry.service-not-offered"
