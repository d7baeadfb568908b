"""PartnerClient against a loopback mTLS partner: keep-alive, timeouts, failures, breaker.

Timing asserts are generous upper bounds: these are behaviour tests (the error comes
within the budget), not performance tests.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator

import pytest

from ncpeh.net import (
    BreakerState,
    CircuitBreaker,
    CircuitOpenError,
    HttpImplementation,
    MtlsServer,
    NetError,
    PartnerClient,
    PartnerConnectionError,
    PartnerResponseError,
    PartnerTimeoutError,
    PartnerTimeouts,
    PartnerUnavailableError,
)

from .apps import make_app
from .conftest import Pki, start

MARGIN = 1.5  # seconds of slack on a loaded 2-core CI machine


@pytest.fixture(scope="module")
def server(pki: Pki) -> Iterator[MtlsServer]:
    yield from start(make_app(), pki.server_ctx)


@pytest.fixture()
def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return int(s.getsockname()[1])


def test_fifty_requests_cost_exactly_one_handshake(pki: Pki, http: HttpImplementation) -> None:
    # Keep-alive is the server's job too: checked on both HTTP implementations.
    for server in start(make_app(), pki.server_ctx, http=http):
        with PartnerClient("PT", pki.client_ctx) as client:
            for _ in range(50):
                client.post_soap(
                    f"{server.url}/echo", b"<env/>", "urn:ihe:iti:2007:CrossGatewayQuery"
                )
            stats = client.stats
    assert stats.requests == 50
    assert stats.tls_handshakes == 1
    assert stats.connections == 1
    assert stats.tls_resumptions == 0
    assert stats.failures == 0
    assert stats.handshakes_per_request == pytest.approx(1 / 50)


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_callers_share_the_pool(pki: Pki, server: MtlsServer, round_: int) -> None:
    # 6 threads on 3 connections: the contention that trips httpcore's pool races
    # (see ncpeh.net._transport); before the guards this failed about one run in two.
    errors: list[Exception] = []
    with PartnerClient("PT", pki.client_ctx, max_connections=3) as client:

        def work() -> None:
            for _ in range(10):
                try:
                    client.post_soap(f"{server.url}/echo", b"", "urn:a")
                except Exception as exc:  # collected, asserted below
                    errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        stats = client.stats
    assert errors == []
    assert stats.requests == 60 and stats.failures == 0
    assert 1 <= stats.tls_handshakes <= 3


def test_pool_wait_is_bounded(pki: Pki, server: MtlsServer) -> None:
    timeouts = PartnerTimeouts(pool=0.3, read=3.0, total=3.0)
    with PartnerClient("PT", pki.client_ctx, max_connections=1, timeouts=timeouts) as client:
        blocker = threading.Thread(
            target=client.post_soap, args=(f"{server.url}/slow?delay=0.6", b"", "urn:a")
        )
        blocker.start()
        time.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(PartnerTimeoutError):
            client.post_soap(f"{server.url}/echo", b"", "urn:a")
        assert time.monotonic() - started < timeouts.pool + MARGIN
        blocker.join(10)


def test_sends_soap12_content_type_with_action(pki: Pki, server: MtlsServer) -> None:
    action = "urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery"
    with PartnerClient("PT", pki.client_ctx) as client:
        seen = json.loads(client.post_soap(f"{server.url}/echo", b"<e/>", action))
    assert seen["content_type"] == f'application/soap+xml; charset=utf-8; action="{action}"'


def test_partner_down_is_unavailable_within_the_connect_timeout(pki: Pki, closed_port: int) -> None:
    timeouts = PartnerTimeouts(connect=1.0, read=1.0, total=2.0)
    with PartnerClient("PT", pki.client_ctx, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(PartnerConnectionError) as err:
            client.post_soap(f"https://127.0.0.1:{closed_port}/echo", b"", "urn:a")
        elapsed = time.monotonic() - started
    assert elapsed < timeouts.connect + MARGIN
    assert err.value.ehdsi_code == "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"
    assert err.value.partner == "PT"
    assert client.stats.failures == 1


def test_tls_handshake_that_never_completes_times_out(pki: Pki) -> None:
    # A listener that never accepts: TCP connects (kernel backlog), TLS never answers.
    with socket.create_server(("127.0.0.1", 0), backlog=4) as blackhole:
        port = blackhole.getsockname()[1]
        timeouts = PartnerTimeouts(connect=0.5, read=5.0, total=5.0)
        with PartnerClient("PT", pki.client_ctx, timeouts=timeouts) as client:
            started = time.monotonic()
            with pytest.raises(PartnerTimeoutError):
                client.post_soap(f"https://127.0.0.1:{port}/echo", b"", "urn:a")
            assert time.monotonic() - started < timeouts.connect + MARGIN


def test_slow_partner_times_out_on_read(pki: Pki, server: MtlsServer) -> None:
    timeouts = PartnerTimeouts(connect=2.0, read=0.5, total=4.0)
    with PartnerClient("PT", pki.client_ctx, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(PartnerTimeoutError) as err:
            client.post_soap(f"{server.url}/slow?delay=3", b"", "urn:a")
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < timeouts.read + MARGIN
    assert err.value.ehdsi_code == "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"


def test_total_budget_wins_over_a_longer_read_timeout(pki: Pki, server: MtlsServer) -> None:
    timeouts = PartnerTimeouts(connect=2.0, read=5.0, total=0.6)
    with PartnerClient("PT", pki.client_ctx, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(PartnerTimeoutError):
            client.post_soap(f"{server.url}/slow?delay=3", b"", "urn:a")
        assert time.monotonic() - started < timeouts.total + MARGIN


def test_trickling_partner_cannot_stretch_the_total_budget(pki: Pki, server: MtlsServer) -> None:
    # One byte every 0.1 s for 4 s: every single read is fast, the call is not.
    timeouts = PartnerTimeouts(connect=2.0, read=1.0, total=0.8)
    with PartnerClient("PT", pki.client_ctx, timeouts=timeouts) as client:
        started = time.monotonic()
        with pytest.raises(PartnerTimeoutError, match="total"):
            client.post_soap(f"{server.url}/trickle", b"", "urn:a")
        assert time.monotonic() - started < timeouts.total + MARGIN


def test_breaker_opens_then_fails_fast_then_recovers(
    pki: Pki, server: MtlsServer, closed_port: int
) -> None:
    now = [0.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30, clock=lambda: now[0])
    with PartnerClient("PT", pki.client_ctx, breaker=breaker) as client:
        down = f"https://127.0.0.1:{closed_port}/echo"
        for _ in range(2):
            with pytest.raises(PartnerConnectionError):
                client.post_soap(down, b"", "urn:a")
        assert breaker.snapshot().state is BreakerState.OPEN
        started = time.monotonic()
        with pytest.raises(CircuitOpenError) as err:
            client.post_soap(f"{server.url}/echo", b"", "urn:a")  # healthy, but not tried
        assert time.monotonic() - started < 0.1
        assert isinstance(err.value, PartnerUnavailableError)
        assert err.value.ehdsi_code == "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"
        assert client.stats.rejected == 1 and client.stats.requests == 2
        now[0] += 30
        assert breaker.snapshot().state is BreakerState.HALF_OPEN
        client.post_soap(f"{server.url}/echo", b"", "urn:a")  # the probe succeeds
        assert breaker.snapshot().state is BreakerState.CLOSED


def test_slow_successful_calls_count_against_the_breaker(pki: Pki, server: MtlsServer) -> None:
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=30)
    with PartnerClient("PT", pki.client_ctx, breaker=breaker, slow_call_seconds=0.05) as client:
        assert client.post_soap(f"{server.url}/slow?delay=0.2", b"", "urn:a") == b"<late/>"
    assert breaker.snapshot().state is BreakerState.OPEN


def test_soap_fault_is_an_answer_not_a_failure(pki: Pki, server: MtlsServer) -> None:
    breaker = CircuitBreaker(failure_threshold=1)
    with PartnerClient("PT", pki.client_ctx, breaker=breaker) as client:
        reply = client.post_soap_reply(f"{server.url}/fault", b"", "urn:a")
    assert reply.status_code == 500 and reply.is_fault_status
    assert reply.body == b"<env:Fault/>"
    assert reply.content_type.startswith("application/soap+xml")
    assert breaker.snapshot().state is BreakerState.CLOSED


@pytest.mark.parametrize("path", ["/502", "/plain", "/missing"])
def test_non_soap_answers_are_unavailable(pki: Pki, server: MtlsServer, path: str) -> None:
    with PartnerClient("PT", pki.client_ctx) as client, pytest.raises(PartnerResponseError):
        client.post_soap(f"{server.url}{path}", b"", "urn:a")


def test_oversized_answer_is_refused(pki: Pki, server: MtlsServer) -> None:
    with PartnerClient("PT", pki.client_ctx, max_response_bytes=1000) as client:
        assert len(client.post_soap(f"{server.url}/big?n=1000", b"", "urn:a")) == 1000
        with pytest.raises(PartnerResponseError, match="limit"):
            client.post_soap(f"{server.url}/big?n=1001", b"", "urn:a")


def test_refuses_plain_http_and_header_injection(pki: Pki) -> None:
    with PartnerClient("PT", pki.client_ctx) as client:
        with pytest.raises(NetError, match="non-https"):
            client.post_soap("http://127.0.0.1:1/echo", b"", "urn:a")
        with pytest.raises(NetError, match="invalid partner URL"):
            client.post_soap("https://[::1/echo", b"", "urn:a")
        with pytest.raises(NetError, match="action"):
            client.post_soap("https://127.0.0.1:1/echo", b"", 'urn:a"\r\nX-Evil: 1')
        assert client.stats.requests == 0


def test_refuses_a_context_that_does_not_verify_the_partner() -> None:
    lax = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    lax.check_hostname = False
    with pytest.raises(NetError, match="verify"):
        PartnerClient("PT", lax)


def test_timeouts_are_validated() -> None:
    with pytest.raises(ValueError, match="total"):
        PartnerTimeouts(total=0)
    clipped = PartnerTimeouts(connect=5, read=9, write=9, pool=9, total=3).as_httpx()
    assert (clipped.connect, clipped.read, clipped.write, clipped.pool) == (3, 3, 3, 3)
