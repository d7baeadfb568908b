from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from ncpeh.trust import DEFAULT_REPLAY_TTL, ReplayCache, ReplayError


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_message_id_is_accepted_once() -> None:
    cache = ReplayCache()
    cache.remember_or_raise("urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e")
    with pytest.raises(ReplayError, match="replay"):
        cache.remember_or_raise("urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e")
    # Surrounding whitespace (pretty-printed headers) is the same ID.
    with pytest.raises(ReplayError):
        cache.remember_or_raise("\n  urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e\n")
    cache.remember_or_raise("urn:uuid:00000000-0000-4000-8000-000000000000")
    assert len(cache) == 2


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_message_without_id_is_refused(missing: str | None) -> None:
    with pytest.raises(ReplayError, match="no WS-Addressing MessageID"):
        ReplayCache().remember_or_raise(missing)


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = ReplayCache(ttl=timedelta(minutes=5), clock=clock)
    cache.remember_or_raise("a")
    clock.t += 299
    assert "a" in cache
    with pytest.raises(ReplayError):
        cache.remember_or_raise("a")
    clock.t += 2
    assert "a" not in cache
    cache.remember_or_raise("a")
    assert 42 not in cache


def test_default_ttl_covers_an_hcp_assertion() -> None:
    assert DEFAULT_REPLAY_TTL >= timedelta(hours=4, seconds=60)


def test_the_cache_is_bounded() -> None:
    clock = Clock()
    cache = ReplayCache(max_entries=3, clock=clock)
    for i in range(5):
        cache.remember_or_raise(f"id-{i}")
    assert len(cache) == 3
    assert cache.evictions == 2
    assert "id-0" not in cache and "id-4" in cache


def test_long_ids_do_not_grow_the_keys() -> None:
    cache = ReplayCache()
    cache.remember_or_raise("x" * 100_000)
    with pytest.raises(ReplayError):
        cache.remember_or_raise("x" * 100_000)


def test_concurrent_replays_let_exactly_one_through() -> None:
    cache = ReplayCache()
    accepted: list[int] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        barrier.wait()
        try:
            cache.remember_or_raise("urn:uuid:same")
        except ReplayError:
            return
        accepted.append(n)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(accepted) == 1


def test_bad_configuration() -> None:
    with pytest.raises(ValueError):
        ReplayCache(ttl=timedelta(0))
    with pytest.raises(ValueError):
        ReplayCache(max_entries=0)
