from __future__ import annotations

import enum
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from ncpeh.registry._errors import RegistryError, RegistryReadError, RegistryRollbackError
from ncpeh.registry._model import CountryEntry, TrustRegistry
from ncpeh.registry._signing import MAX_REGISTRY_BYTES, load_registry

_log = logging.getLogger(__name__)

_FileKey = tuple[int, int, int, int]  # (device, inode, size, mtime_ns)


class RefreshStatus(enum.Enum):
    UNCHANGED = "unchanged"
    REFRESHED = "refreshed"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """Outcome of :meth:`RegistryStore.refresh_if_changed`.

    Attributes:
        status: what happened.
        version: the version in use afterwards (the old one when rejected).
        error: why a new file was rejected.
    """

    status: RefreshStatus
    version: int
    error: RegistryError | None = None


class RegistryStore:
    """The registry in use: loaded once, read from memory, refreshed without restart.

    Lookups read one immutable :class:`TrustRegistry` snapshot, swapped atomically by
    :meth:`refresh_if_changed`, so a request never sees half of two registries and
    readers take no lock. A new file must verify against the pinned anchor **and**
    carry a higher version; otherwise the store keeps serving the previous registry
    and reports the error (an operator's broken upload must not take the gateway
    down, and an old validly-signed file must not resurrect a withdrawn certificate).

    :meth:`refresh_if_changed` costs one ``stat`` when nothing changed; call it from a
    periodic task or before lookups.

    Args:
        path: the signed registry file (replace it atomically, e.g. ``os.replace``).
        anchor_cert: the registry authority certificate, pinned in configuration.

    Raises:
        RegistryError: the initial file is missing or invalid (start-up must fail).
    """

    def __init__(self, path: str | os.PathLike[str], anchor_cert: x509.Certificate) -> None:
        self._path = Path(path)
        self._anchor = anchor_cert
        self._lock = threading.Lock()
        key, data = self._read()
        self._registry = load_registry(data, anchor_cert=anchor_cert)
        self._key: _FileKey = key
        self._digest = hashlib.sha256(data).digest()
        self._rejected_digest: bytes | None = None
        self._last_error: RegistryError | None = None

    @property
    def path(self) -> Path:
        return self._path

    @property
    def registry(self) -> TrustRegistry:
        """The snapshot in use; keep it for the duration of one transaction."""
        return self._registry

    @property
    def last_error(self) -> RegistryError | None:
        """Why the newest file on disk was rejected, or ``None`` if it is in use."""
        return self._last_error

    def _stat(self) -> _FileKey:
        try:
            st = self._path.stat()
        except OSError as exc:
            raise RegistryReadError(f"cannot stat registry {str(self._path)!r}: {exc}") from exc
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def _read(self) -> tuple[_FileKey, bytes]:
        key = self._stat()
        if key[2] > MAX_REGISTRY_BYTES:
            raise RegistryReadError(f"registry file larger than {MAX_REGISTRY_BYTES} bytes")
        try:
            data = self._path.read_bytes()
        except OSError as exc:
            raise RegistryReadError(f"cannot read registry {str(self._path)!r}: {exc}") from exc
        return key, data

    def refresh_if_changed(self) -> RefreshResult:
        """Load the file again if it changed since the last look.

        Never raises for a bad file: the previous registry stays in use and the error
        is returned (and kept in :attr:`last_error`, and logged once). Bytes already
        rejected are not verified again; restoring the file in use clears the error.
        """
        with self._lock:
            current = self._registry
            try:
                if self._stat() == self._key:
                    status = RefreshStatus.UNCHANGED
                    return RefreshResult(status, current.version, self._last_error)
                key, data = self._read()
            except RegistryError as exc:
                return self._reject(current, exc)
            self._key = key
            digest = hashlib.sha256(data).digest()
            if digest == self._digest:
                self._last_error = None
                return RefreshResult(RefreshStatus.UNCHANGED, current.version)
            if digest == self._rejected_digest:
                return RefreshResult(RefreshStatus.REJECTED, current.version, self._last_error)
            try:
                new = load_registry(data, anchor_cert=self._anchor)
                if new.version <= current.version:
                    raise RegistryRollbackError(
                        f"registry version {new.version} is not newer than {current.version}"
                    )
            except RegistryError as exc:
                self._rejected_digest = digest
                return self._reject(current, exc)
            self._registry = new  # atomic swap: readers see old or new, never a mix
            self._digest = digest
            self._rejected_digest = None
            self._last_error = None
            _log.info(
                "trust registry refreshed: version %d -> %d (%d countries)",
                current.version,
                new.version,
                len(new),
            )
            return RefreshResult(RefreshStatus.REFRESHED, new.version)

    def _reject(self, current: TrustRegistry, exc: RegistryError) -> RefreshResult:
        if self._last_error is None or str(self._last_error) != str(exc):
            _log.warning(
                "trust registry refresh rejected, keeping version %d: %s", current.version, exc
            )
        self._last_error = exc
        return RefreshResult(RefreshStatus.REJECTED, current.version, exc)

    # Lookups on the current snapshot (see TrustRegistry for the rules).

    def country(self, country: str) -> CountryEntry:
        return self._registry.country(country)

    def country_of_client_certificate(self, der_cert: bytes) -> str | None:
        return self._registry.country_of_client_certificate(der_cert)

    def partners_exporting(self, doc_class: str) -> tuple[CountryEntry, ...]:
        return self._registry.partners_exporting(doc_class)
