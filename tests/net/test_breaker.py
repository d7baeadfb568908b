"""CircuitBreaker with an injected clock: states, probe, and a model-based property test."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ncpeh.net import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(threshold: int = 3, reset: float = 10.0) -> tuple[CircuitBreaker, Clock]:
    clock = Clock()
    return CircuitBreaker(failure_threshold=threshold, reset_timeout=reset, clock=clock), clock


def test_closed_opens_after_n_consecutive_failures() -> None:
    breaker, _ = make(threshold=3)
    breaker.record_failure()
    breaker.record_failure()
    breaker.record_success()  # resets the count: failures must be consecutive
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.snapshot().state is BreakerState.CLOSED and breaker.allow()
    breaker.record_failure()
    assert breaker.snapshot().state is BreakerState.OPEN
    assert not breaker.allow()
    assert breaker.snapshot().rejected_count == 1


def test_open_half_opens_after_cool_down_and_allows_one_probe() -> None:
    breaker, clock = make(threshold=1, reset=10)
    breaker.record_failure()
    clock.now += 9.9
    assert breaker.snapshot().state is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(0.1)
    clock.now += 0.1
    assert breaker.snapshot().state is BreakerState.HALF_OPEN
    assert breaker.retry_after() == 0.0
    assert breaker.allow()  # the probe
    assert not breaker.allow()  # everyone else waits for the probe's verdict
    breaker.record_success()
    assert breaker.snapshot().state is BreakerState.CLOSED
    assert breaker.allow() and breaker.allow()


def test_failed_probe_reopens_for_a_full_cool_down() -> None:
    breaker, clock = make(threshold=2, reset=10)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 10
    assert breaker.allow()
    breaker.record_failure()  # one failure in half-open is enough
    assert breaker.snapshot().state is BreakerState.OPEN
    clock.now += 9
    assert not breaker.allow()
    clock.now += 1
    assert breaker.allow()
    assert breaker.snapshot().opened_count == 2


def test_lost_probe_is_forgotten_and_release_frees_the_slot() -> None:
    breaker, clock = make(threshold=1, reset=10)
    breaker.record_failure()
    clock.now += 10
    assert breaker.allow()
    clock.now += 5
    assert not breaker.allow()  # probe still running
    clock.now += 5
    assert breaker.allow()  # the probe never reported: do not wedge
    breaker.release()
    assert breaker.allow()
    assert breaker.snapshot().state is BreakerState.HALF_OPEN


def test_reset_and_validation() -> None:
    breaker, _ = make(threshold=1)
    breaker.record_failure()
    breaker.reset()
    assert breaker.snapshot().state is BreakerState.CLOSED
    assert breaker.failure_threshold == 1 and breaker.reset_timeout == 10
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)
    with pytest.raises(ValueError):
        CircuitBreaker(reset_timeout=0)


def test_thread_safe_counting() -> None:
    breaker = CircuitBreaker(failure_threshold=1000, reset_timeout=60)

    def hammer() -> None:
        for _ in range(250):
            if breaker.allow():
                breaker.record_failure()

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = breaker.snapshot()
    # the 1000th failure opened it once; calls already allowed may still report, every
    # other later call was refused, and no call was lost or counted twice
    assert snap.state is BreakerState.OPEN and snap.opened_count == 1
    assert 1000 <= snap.consecutive_failures < 1000 + 8
    assert snap.consecutive_failures + snap.rejected_count == 8 * 250


# --- model-based property test -------------------------------------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("tick"), st.floats(min_value=0, max_value=15)),
        st.tuples(st.just("call_ok"), st.just(0.0)),
        st.tuples(st.just("call_fail"), st.just(0.0)),
        st.tuples(st.just("allow_only"), st.just(0.0)),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ops=ops, threshold=st.integers(1, 4))
def test_matches_a_reference_model(ops: list[tuple[str, float]], threshold: int) -> None:
    reset = 10.0
    breaker, clock = make(threshold=threshold, reset=reset)
    # reference model: plain variables, no cleverness
    state, failures, opened_at, probe_at = "closed", 0, 0.0, None
    for op, value in ops:
        if op == "tick":
            clock.now += value
            continue
        now = clock.now
        if state == "open" and now - opened_at >= reset:
            state, probe_at = "half", None
        if state == "closed":
            expected = True
        elif state == "half" and (probe_at is None or now - probe_at >= reset):
            expected, probe_at = True, now
        else:
            expected = False
        assert breaker.allow() is expected
        if not expected or op == "allow_only":
            continue  # rejected calls never report; allow_only models a hung probe
        if op == "call_ok":
            breaker.record_success()
            state, failures, probe_at = "closed", 0, None
        else:
            breaker.record_failure()
            failures += 1
            if state == "half" or failures >= threshold:
                state, opened_at, probe_at = "open", now, None
        shown = {
            "closed": BreakerState.CLOSED,
            "open": BreakerState.OPEN,
            "half": BreakerState.HALF_OPEN,
        }[state]
        if state == "open" and clock.now - opened_at >= reset:
            shown = BreakerState.HALF_OPEN
        assert breaker.state is shown
