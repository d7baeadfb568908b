"""SMP-like signed trust registry: who our partner NCPs are and how to reach them.

In eHDSI, country A publishes signed service metadata (endpoints, certificates) on
the SMP and country B looks it up; only listed countries are partners, and the
outbound allowlist is that list (trust-security.md §1 "Partners"; ehdsi-flows.md §2).
This package is our offline analogue: one JSON file, signed by a registry authority
whose certificate every node pins as its trust anchor.

* :func:`sign_registry` writes the file (detached RSA-PSS or ECDSA signature over the
  exact canonical payload bytes).
* :func:`load_registry` verifies it against the pinned anchor, then parses it into an
  immutable :class:`TrustRegistry`. A certificate inside the file is never trusted.
* :class:`RegistryStore` keeps the snapshot in memory and swaps it atomically when the
  file changes; a bad or older file is rejected and the previous registry stays.

Lookups: :meth:`TrustRegistry.country`, :meth:`TrustRegistry.country_of_client_certificate`
(TLS client certificate fingerprint, and its ``C=`` must be that country),
:meth:`TrustRegistry.partners_exporting`.

Exception hierarchy::

    NcpehError
     └── RegistryError                  any trust-registry problem
          ├── RegistryReadError         file missing or unreadable
          ├── RegistryFormatError       not a registry / payload breaks the schema
          ├── RegistrySignatureError    altered, other authority, anchor not valid
          │    └── RegistryUnsignedError    no signature at all
          ├── RegistryContentError      invalid value, duplicate, issued in the future
          ├── RegistryRollbackError     refresh to a version not newer than current
          └── RegistryLookupError       asked for something not listed
               ├── UnknownCountryError      country is not a partner
               └── ServiceNotOfferedError   country lists no such endpoint
"""

from ncpeh.registry._errors import (
    RegistryContentError,
    RegistryError,
    RegistryFormatError,
    RegistryLookupError,
    RegistryReadError,
    RegistryRollbackError,
    RegistrySignatureError,
    RegistryUnsignedError,
    ServiceNotOfferedError,
    UnknownCountryError,
)
from ncpeh.registry._model import (
    SERVICES,
    CountryEntry,
    Endpoints,
    Service,
    TrustRegistry,
    certificate_fingerprint,
)
from ncpeh.registry._signing import (
    ALG_ECDSA,
    ALG_RSA_PSS,
    ENVELOPE_FORMAT,
    PAYLOAD_FORMAT,
    AuthorityKey,
    load_registry,
    registry_summary,
    sign_registry,
)
from ncpeh.registry._store import RefreshResult, RefreshStatus, RegistryStore

__all__ = [
    "ALG_ECDSA",
    "ALG_RSA_PSS",
    "ENVELOPE_FORMAT",
    "PAYLOAD_FORMAT",
    "SERVICES",
    "AuthorityKey",
    "CountryEntry",
    "Endpoints",
    "RefreshResult",
    "RefreshStatus",
    "RegistryContentError",
    "RegistryError",
    "RegistryFormatError",
    "RegistryLookupError",
    "RegistryReadError",
    "RegistryRollbackError",
    "RegistrySignatureError",
    "RegistryStore",
    "RegistryUnsignedError",
    "Service",
    "ServiceNotOfferedError",
    "TrustRegistry",
    "UnknownCountryError",
    "certificate_fingerprint",
    "load_registry",
    "registry_summary",
    "sign_registry",
]
