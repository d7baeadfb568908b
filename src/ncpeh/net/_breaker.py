from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class BreakerState(enum.Enum):
    """Circuit-breaker states (trust-security.md §8, "Circuit breaker")."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """Point-in-time view for metrics (ASVS 16.5.2: breaker state is exposed)."""

    state: BreakerState
    consecutive_failures: int
    opened_count: int
    rejected_count: int


class CircuitBreaker:
    """A small, thread-safe circuit breaker, one per partner country.

    Why our own: no suitable Python library was found (trust-security.md §8,
    house-style.md §2 "Retries"). While a partner is down, NCP-B must answer
    ``ERROR_GENERIC_CONNECTION_NOT_POSSIBLE`` at once instead of making every health
    professional wait for a timeout.

    Behaviour:

    * ``CLOSED``: calls pass. ``failure_threshold`` consecutive failures open it.
    * ``OPEN``: calls are refused (:meth:`allow` returns ``False``) until
      ``reset_timeout`` seconds have passed since it opened.
    * ``HALF_OPEN``: exactly one probe call is let through. Success closes the
      breaker; failure re-opens it for another ``reset_timeout``. Concurrent callers
      are refused while the probe runs. A probe that never reports back (caller bug)
      is forgotten after ``reset_timeout`` so the breaker cannot wedge.

    Args:
        failure_threshold: consecutive failures that open the breaker (>= 1).
        reset_timeout: cool-down in seconds before a probe is allowed (> 0).
        clock: monotonic time source in seconds; injectable for tests.

    Example:
        >>> breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30)
        >>> breaker.allow()
        True
        >>> breaker.record_failure(); breaker.record_failure()
        >>> breaker.state
        <BreakerState.OPEN: 'open'>
    """

    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        if reset_timeout <= 0:
            raise ValueError("reset_timeout must be > 0")
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_started: float | None = None
        self._opened_count = 0
        self._rejected_count = 0

    @property
    def failure_threshold(self) -> int:
        return self._threshold

    @property
    def reset_timeout(self) -> float:
        return self._reset_timeout

    def _current_state(self, now: float) -> BreakerState:
        # Caller holds the lock. OPEN turns HALF_OPEN lazily, on the next look.
        if self._state is BreakerState.OPEN and now - self._opened_at >= self._reset_timeout:
            self._state = BreakerState.HALF_OPEN
            self._probe_started = None
        return self._state

    @property
    def state(self) -> BreakerState:
        """Current state (an elapsed cool-down shows as ``HALF_OPEN``)."""
        with self._lock:
            return self._current_state(self._clock())

    def snapshot(self) -> BreakerSnapshot:
        with self._lock:
            return BreakerSnapshot(
                state=self._current_state(self._clock()),
                consecutive_failures=self._failures,
                opened_count=self._opened_count,
                rejected_count=self._rejected_count,
            )

    def retry_after(self) -> float:
        """Seconds until a probe may run (0 when calls are allowed now)."""
        with self._lock:
            now = self._clock()
            if self._current_state(now) is BreakerState.OPEN:
                return max(0.0, self._reset_timeout - (now - self._opened_at))
            return 0.0

    def allow(self) -> bool:
        """Ask before a call; ``False`` means fail fast. A ``True`` must be followed by
        exactly one :meth:`record_success` or :meth:`record_failure`."""
        with self._lock:
            now = self._clock()
            state = self._current_state(now)
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN:
                stale = (
                    self._probe_started is not None
                    and now - self._probe_started >= self._reset_timeout
                )
                if self._probe_started is None or stale:
                    self._probe_started = now
                    return True
            self._rejected_count += 1
            return False

    def record_success(self) -> None:
        """The partner answered: close the breaker and forget past failures."""
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures = 0
            self._probe_started = None

    def release(self) -> None:
        """The allowed call ended without a verdict (e.g. interrupted): free the probe
        slot, change nothing else."""
        with self._lock:
            self._probe_started = None

    def record_failure(self) -> None:
        """The partner failed (refused, TLS failure, timeout, non-SOAP error)."""
        with self._lock:
            now = self._clock()
            state = self._current_state(now)
            self._failures += 1
            if state is BreakerState.HALF_OPEN or (
                state is BreakerState.CLOSED and self._failures >= self._threshold
            ):
                self._open(now)

    def _open(self, now: float) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = now
        self._probe_started = None
        self._opened_count += 1

    def reset(self) -> None:
        """Close the breaker by hand (operator action, tests)."""
        self.record_success()
