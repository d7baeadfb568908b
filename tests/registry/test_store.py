"""RegistryStore: load once, hot refresh, bad-refresh fallback, rollback, threads."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from ncpeh.registry import (
    RefreshStatus,
    RegistryReadError,
    RegistryRollbackError,
    RegistrySignatureError,
    RegistryStore,
    sign_registry,
)

from .conftest import ISSUED, RegistryPki, entries


def blob(rpki: RegistryPki, version: int) -> bytes:
    a = rpki.authority_ec
    return sign_registry(
        entries(rpki, tag=f"v{version}"),
        a.key,
        a.cert,  # type: ignore[arg-type]
        version=version,
        issued_at=ISSUED,
    )


def publish(path: Path, data: bytes) -> None:
    """How operators must replace the file: write aside, then rename atomically."""
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@pytest.fixture()
def path(rpki: RegistryPki, tmp_path: Path) -> Path:
    p = tmp_path / "registry.json"
    publish(p, blob(rpki, 1))
    return p


def test_loads_once_and_serves_lookups(rpki: RegistryPki, path: Path) -> None:
    store = RegistryStore(path, rpki.authority_ec.cert)
    assert store.registry.version == 1 and store.path == path
    assert store.country("PT").endpoint("xca").endswith("/xca/v1")
    assert store.country_of_client_certificate(rpki.nodes["FR"].tls_client.der) == "FR"
    assert [e.country for e in store.partners_exporting("PS")] == ["DE", "PT"]
    result = store.refresh_if_changed()
    assert result.status is RefreshStatus.UNCHANGED and result.version == 1


def test_start_up_fails_loudly(rpki: RegistryPki, path: Path, tmp_path: Path) -> None:
    with pytest.raises(RegistryReadError):
        RegistryStore(tmp_path / "missing.json", rpki.authority_ec.cert)
    with pytest.raises(RegistrySignatureError):
        RegistryStore(path, rpki.rogue_authority.cert)


def test_hot_refresh_without_restart(rpki: RegistryPki, path: Path) -> None:
    store = RegistryStore(path, rpki.authority_ec.cert)
    before = store.registry
    publish(path, blob(rpki, 2))
    result = store.refresh_if_changed()
    assert result.status is RefreshStatus.REFRESHED and result.version == 2
    assert store.country("PT").endpoint("xca").endswith("/xca/v2")
    assert before.country("PT").endpoint("xca").endswith("/xca/v1")  # snapshots are immutable
    assert store.refresh_if_changed().status is RefreshStatus.UNCHANGED


def test_same_content_rewritten_is_unchanged(rpki: RegistryPki, path: Path) -> None:
    store = RegistryStore(path, rpki.authority_ec.cert)
    publish(path, path.read_bytes())
    assert store.refresh_if_changed().status is RefreshStatus.UNCHANGED


def test_bad_refresh_keeps_the_previous_registry(
    rpki: RegistryPki, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = RegistryStore(path, rpki.authority_ec.cert)
    good = path.read_bytes()
    tampered = bytearray(blob(rpki, 2))
    tampered[len(tampered) // 2] ^= 0x01
    publish(path, bytes(tampered))
    with caplog.at_level(logging.WARNING, logger="ncpeh.registry"):
        result = store.refresh_if_changed()
        assert result.status is RefreshStatus.REJECTED and result.version == 1
        assert result.error is not None and store.last_error is result.error
        assert store.country("PT").endpoint("xca").endswith("/xca/v1")
        # Same bad bytes again (even rewritten): not verified again, still reported.
        publish(path, bytes(tampered))
        again = store.refresh_if_changed()
        assert again.status is RefreshStatus.REJECTED and again.error is result.error
    assert len([r for r in caplog.records if "rejected" in r.getMessage()]) == 1
    # Restoring the file in use clears the error.
    publish(path, good)
    restored = store.refresh_if_changed()
    assert restored.status is RefreshStatus.UNCHANGED and store.last_error is None
    # And a good new version is taken.
    publish(path, blob(rpki, 3))
    assert store.refresh_if_changed().status is RefreshStatus.REFRESHED
    assert store.registry.version == 3 and store.last_error is None


def test_rollback_to_an_older_signed_registry_is_refused(rpki: RegistryPki, path: Path) -> None:
    old = path.read_bytes()
    store = RegistryStore(path, rpki.authority_ec.cert)
    publish(path, blob(rpki, 2))
    assert store.refresh_if_changed().status is RefreshStatus.REFRESHED
    publish(path, old)
    result = store.refresh_if_changed()
    assert result.status is RefreshStatus.REJECTED
    assert isinstance(result.error, RegistryRollbackError)
    assert store.registry.version == 2


def test_missing_file_during_refresh_keeps_serving(rpki: RegistryPki, path: Path) -> None:
    store = RegistryStore(path, rpki.authority_ec.cert)
    path.unlink()
    result = store.refresh_if_changed()
    assert result.status is RefreshStatus.REJECTED
    assert isinstance(result.error, RegistryReadError)
    assert store.country("PT").country == "PT"
    publish(path, blob(rpki, 2))
    assert store.refresh_if_changed().status is RefreshStatus.REFRESHED


def test_readers_never_see_a_mixed_registry(rpki: RegistryPki, path: Path) -> None:
    store = RegistryStore(path, rpki.authority_ec.cert)
    blobs = {v: blob(rpki, v) for v in range(2, 12)}
    stop = threading.Event()
    problems: list[str] = []

    def reader() -> None:
        while not stop.is_set():
            snapshot = store.registry
            url = snapshot.country("PT").endpoint("xca")
            if not url.endswith(f"/xca/v{snapshot.version}"):
                problems.append(url)
            time.sleep(0)  # yield the GIL so the writer is not starved

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in readers:
        t.start()
    try:
        for version in range(2, 12):
            publish(path, blobs[version])
            assert store.refresh_if_changed().status is RefreshStatus.REFRESHED
    finally:
        stop.set()
        for t in readers:
            t.join(10)
    assert problems == []
    assert store.registry.version == 11
