from __future__ import annotations

import os
import ssl
from collections.abc import Sequence

from ncpeh.net._errors import TlsConfigError

StrPath = str | os.PathLike[str]

#: TLS 1.2 suites we accept: ephemeral (EC)DH key exchange for forward secrecy, AEAD
#: bulk ciphers only (trust-security.md §1 "forward-secret suites only"; §3 names the
#: NULL/DES suites OpenATNA allowed as a gap we must not repeat). TLS 1.3 suites are
#: all forward-secret AEAD and are not affected by this string. ``@SECLEVEL=2`` refuses
#: keys below 2048-bit RSA / 224-bit EC and SHA-1 signatures.
TLS12_CIPHERS = (
    "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20"
    ":!aNULL:!eNULL:!PSK:!SRP:!DSS:!kRSA:@SECLEVEL=2"
)


def _harden(ctx: ssl.SSLContext) -> None:
    """Settings shared by both sides.

    Why each one:

    * TLS 1.2 minimum: trust-security.md §1 (ASVS 12.1.1).
    * no compression: CRIME-style length oracles.
    * no renegotiation: client-initiated renegotiation is a CPU-exhaustion vector and
      lets a peer change identity mid-connection; we bind identity at the handshake.
    * no session tickets: a ticket key is long-lived secret material that weakens
      forward secrecy; we keep connections alive instead (house-style.md §3 rule 4), so
      resumption buys nothing.
    * ``VERIFY_X509_STRICT``: reject malformed certificates (missing key identifiers,
      non-critical basicConstraints on CAs), as CPython 3.13 does by default.
    """
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_NO_RENEGOTIATION | ssl.OP_NO_TICKET
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    ctx.set_ciphers(TLS12_CIPHERS)


def _load_identity(
    ctx: ssl.SSLContext, cert_pem_path: StrPath, key_path: StrPath, password: bytes | None
) -> None:
    try:
        ctx.load_cert_chain(cert_pem_path, key_path, password)
    except (OSError, ssl.SSLError) as exc:
        raise TlsConfigError(
            f"cannot load certificate {os.fspath(cert_pem_path)!r} with key "
            f"{os.fspath(key_path)!r}: {exc}"
        ) from exc


def _load_cas(ctx: ssl.SSLContext, ca_paths: Sequence[StrPath], role: str) -> None:
    if isinstance(ca_paths, str | bytes) or not ca_paths:
        # A bare string would be iterated per character; an empty list would trust
        # nothing and fail every handshake with an unhelpful message.
        raise TlsConfigError(f"{role} CA list must be a non-empty sequence of paths")
    for path in ca_paths:
        try:
            ctx.load_verify_locations(cafile=path)
        except (OSError, ssl.SSLError) as exc:
            raise TlsConfigError(f"cannot load {role} CA {os.fspath(path)!r}: {exc}") from exc


def server_ssl_context(
    cert_pem_path: StrPath,
    key_path: StrPath,
    client_ca_paths: Sequence[StrPath],
    *,
    password: bytes | None = None,
) -> ssl.SSLContext:
    """Build the TLS context NCP-A serves partner NCPs with (the ``SP_*`` key).

    The caller's country is the ``C=`` of its TLS client certificate, so a
    certificate is **required**: a caller without one, or with one not issued by a CA
    in ``client_ca_paths``, is refused in the handshake (trust-security.md §1 "mTLS":
    "no mTLS, no service"; OpenNCP's fallback to the assertion certificate is listed in
    §3 as a gap). Only the given CAs are trusted; the system store is never loaded,
    because the eDelivery PKI, not the web PKI, vouches for partner NCPs.

    Build it **once** at start-up and share it: loading a context costs tens of
    milliseconds (house-style.md §3 rule 2).

    Args:
        cert_pem_path: PEM server certificate (optionally followed by its chain).
        key_path: PEM private key of the TLS server certificate.
        client_ca_paths: PEM files of the CAs that issue partner client certificates.
        password: passphrase of ``key_path`` if it is encrypted.

    Raises:
        TlsConfigError: a file is missing, unreadable or does not match.

    Example:
        >>> ctx = server_ssl_context("sp.pem", "sp.key", ["partners-ca.pem"])  # doctest: +SKIP
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(ctx)
    ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    ctx.num_tickets = 0  # TLS 1.3 tickets: see _harden, "no session tickets"
    ctx.verify_mode = ssl.CERT_REQUIRED
    _load_identity(ctx, cert_pem_path, key_path, password)
    _load_cas(ctx, client_ca_paths, "client")
    return ctx


def client_ssl_context(
    cert_pem_path: StrPath,
    key_path: StrPath,
    server_ca_paths: Sequence[StrPath],
    *,
    password: bytes | None = None,
) -> ssl.SSLContext:
    """Build the TLS context NCP-B calls partner NCPs with (the ``SC_*`` key).

    Presents our client certificate (trust-security.md §1, key separation: distinct
    from the server and signing keys), trusts only ``server_ca_paths`` and checks the
    partner's host name against its certificate. Build it **once** and share it across
    every :class:`PartnerClient` (house-style.md §3 rule 2: 58 ms per new context
    against 0.33 ms shared).

    Args:
        cert_pem_path: PEM TLS client certificate (optionally followed by its chain).
        key_path: PEM private key of the client certificate.
        server_ca_paths: PEM files of the CAs that issue partner server certificates.
        password: passphrase of ``key_path`` if it is encrypted.

    Raises:
        TlsConfigError: a file is missing, unreadable or does not match.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED + check_hostname
    _harden(ctx)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    _load_identity(ctx, cert_pem_path, key_path, password)
    _load_cas(ctx, server_ca_paths, "server")
    return ctx
