"""Which signing certificates we accept: CA anchors, optionally pinned peer certificates.

eHDSI trust comes from the EC eDelivery PKI: a partner's ``NCP_SIG`` certificate
must chain to the eHDSI CA, and the partner must be listed in the SML/SMP
(``trust-security.md`` §1). The SAML signature carries exactly one
``X509Certificate``, so the chain is that certificate plus, at most, configured
intermediates. Path building and signature checks are done by
:mod:`cryptography.x509.verification` (the Rust ``webpki``-style verifier);
extension policies are relaxed from the Web-PKI defaults because NCP signing
certificates are not TLS certificates (no SAN, no EKU required), but the end
entity must allow ``digitalSignature``.

Pinning exact certificates is also supported: SMP metadata publishes each
partner's certificates, and conformance tests pin the certificate of a sample
whose CA we do not have.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import verification

from ncpeh.trust._errors import PkiError, UntrustedIssuerError
from ncpeh.trust._pki import load_certificates

__all__ = ["TrustStore"]

_MAX_DEPTH = 4


def _require_digital_signature(
    _policy: verification.Policy, _cert: x509.Certificate, usage: x509.KeyUsage | None
) -> None:
    if usage is None or not usage.digital_signature:
        raise ValueError("KeyUsage does not allow digitalSignature")


def _require_ca(
    _policy: verification.Policy,
    _cert: x509.Certificate,
    constraints: x509.BasicConstraints | None,
) -> None:
    if constraints is None or not constraints.ca:
        raise ValueError("issuer is not a CA (BasicConstraints)")


class TrustStore:
    """Immutable set of trust anchors (+ intermediates) and pinned end-entity certificates.

    Build it once at start-up and share it; verification is thread-safe.

    Example:
        >>> store = TrustStore.from_pem_file(Path("pki/ca/ca.cert.pem"))  # doctest: +SKIP
        >>> store.verify_signing_certificate_or_raise(cert, at=now)  # doctest: +SKIP
    """

    __slots__ = ("_anchors", "_intermediates", "_pinned", "_store")

    def __init__(
        self,
        anchors: Iterable[x509.Certificate] = (),
        *,
        intermediates: Iterable[x509.Certificate] = (),
        pinned: Iterable[x509.Certificate] = (),
    ) -> None:
        self._anchors = tuple(anchors)
        self._intermediates = tuple(intermediates)
        self._pinned = frozenset(c.fingerprint(hashes.SHA256()) for c in pinned)
        if not self._anchors and not self._pinned:
            raise PkiError("a trust store needs at least one anchor or pinned certificate")
        self._store = verification.Store(list(self._anchors)) if self._anchors else None

    @classmethod
    def from_pem_file(cls, path: Path, *, pinned: Iterable[x509.Certificate] = ()) -> TrustStore:
        """Anchors from a PEM bundle (the partner CA file)."""
        return cls(load_certificates(path), pinned=pinned)

    @property
    def anchors(self) -> tuple[x509.Certificate, ...]:
        return self._anchors

    def is_pinned(self, certificate: x509.Certificate) -> bool:
        return certificate.fingerprint(hashes.SHA256()) in self._pinned

    def verify_signing_certificate_or_raise(
        self, certificate: x509.Certificate, *, at: datetime
    ) -> None:
        """Accept ``certificate`` for signing at time ``at``, or raise.

        A pinned certificate is accepted when valid at ``at``; otherwise a path to
        an anchor must exist (validity, signatures and CA constraints checked).

        Raises:
            UntrustedIssuerError: no acceptable path, or outside the validity period.
        """
        if at.tzinfo is None:
            raise ValueError("'at' must be timezone-aware")
        if self.is_pinned(certificate):
            if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
                raise UntrustedIssuerError(
                    f"pinned signing certificate {_describe(certificate)} is not valid at "
                    f"{at.isoformat()}"
                )
            return
        if self._store is None:
            raise UntrustedIssuerError(
                f"signing certificate {_describe(certificate)} is not pinned and no CA is trusted"
            )
        ee_policy = verification.ExtensionPolicy.permit_all().require_present(
            x509.KeyUsage, verification.Criticality.AGNOSTIC, _require_digital_signature
        )
        ca_policy = verification.ExtensionPolicy.permit_all().require_present(
            x509.BasicConstraints, verification.Criticality.AGNOSTIC, _require_ca
        )
        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(at)
            .max_chain_depth(_MAX_DEPTH)
            .extension_policies(ee_policy=ee_policy, ca_policy=ca_policy)
            .build_client_verifier()
        )
        try:
            verifier.verify(certificate, list(self._intermediates))
        except verification.VerificationError as exc:
            raise UntrustedIssuerError(
                f"signing certificate {_describe(certificate)} is not trusted: {exc}"
            ) from None


def _describe(certificate: x509.Certificate) -> str:
    try:
        subject = certificate.subject.rfc4514_string()
    except ValueError:  # pragma: no cover - malformed subject
        subject = "<invalid subject>"
    return f"'{subject}' (serial {certificate.serial_number:x})"
