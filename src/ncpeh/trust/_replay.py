"""Refuse replayed messages: a bounded, time-expiring set of seen WS-Addressing MessageIDs.

OpenNCP has no replay protection (``trust-security.md`` §3); we reject a reused
``wsa:MessageID`` (§2.4 step 8). The HCP assertion is legitimately reused for
many requests during its 4 h, so replay is detected per *message*, not per
assertion. An entry must outlive any assertion that could accompany a replay,
hence the default TTL of 4 h plus the clock skew.

Memory is bounded twice: keys are 16-byte BLAKE2b digests (a peer cannot grow
the cache with long IDs), and at ``max_entries`` the oldest entry is dropped and
counted in :attr:`ReplayCache.evictions` (size it above the peak number of
requests in one TTL; EU-wide volume was ≈ 65,000 transactions in all of 2019).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

from ncpeh.trust._errors import ReplayError

__all__ = ["DEFAULT_REPLAY_TTL", "ReplayCache"]

#: HCP lifetime (4 h) + clock skew (60 s).
DEFAULT_REPLAY_TTL = timedelta(hours=4, seconds=60)


class ReplayCache:
    """Thread-safe set of recently seen message IDs with expiry.

    Args:
        ttl: how long an ID is remembered.
        max_entries: hard bound; the oldest entries are evicted beyond it.
        clock: monotonic seconds (injectable for tests).

    Example:
        >>> cache = ReplayCache()
        >>> cache.remember_or_raise("urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e")
        >>> "urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e" in cache
        True
    """

    def __init__(
        self,
        *,
        ttl: timedelta = DEFAULT_REPLAY_TTL,
        max_entries: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._ttl = ttl.total_seconds()
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        # digest -> expiry; insertion order == expiry order because the TTL is constant.
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._evictions = 0

    @staticmethod
    def _key(message_id: str) -> bytes:
        return hashlib.blake2b(message_id.strip().encode("utf-8"), digest_size=16).digest()

    def _purge(self, now: float) -> None:
        while self._seen:
            key, expiry = next(iter(self._seen.items()))
            if expiry > now:
                break
            del self._seen[key]

    def remember_or_raise(self, message_id: str | None) -> None:
        """Record ``message_id``; raise if it was seen within the TTL.

        Raises:
            ReplayError: the ID was seen before, or there is no ID (a message
                without one cannot be checked, so it is refused).
        """
        if message_id is None or not message_id.strip():
            raise ReplayError("message has no WS-Addressing MessageID")
        key = self._key(message_id)
        with self._lock:
            now = self._clock()
            self._purge(now)
            if key in self._seen:
                raise ReplayError("WS-Addressing MessageID was already used (replay)")
            if len(self._seen) >= self._max:
                self._seen.popitem(last=False)
                self._evictions += 1
            self._seen[key] = now + self._ttl

    def __contains__(self, message_id: object) -> bool:
        if not isinstance(message_id, str):
            return False
        key = self._key(message_id)
        with self._lock:
            self._purge(self._clock())
            return key in self._seen

    def __len__(self) -> int:
        with self._lock:
            self._purge(self._clock())
            return len(self._seen)

    @property
    def evictions(self) -> int:
        """Entries dropped before expiry because the cache was full."""
        return self._evictions
