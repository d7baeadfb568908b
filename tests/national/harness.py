"""Build each national connector implementation on the same synthetic data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session, sessionmaker

from ncpeh.national import NationalConnector
from ncpeh.national.adapters.rest import RestNationalConnector
from ncpeh.national.adapters.sql import SqlNationalConnector
from ncpeh.national.testing import InMemoryNationalConnector

from .conftest import Clock
from .rest_server import NationalApiServer

BASE_URL = "https://national.test/v1"


@dataclass
class Harness:
    kind: str
    connector: NationalConnector
    clock: Clock
    server: NationalApiServer | None = None


@contextmanager
def fake_harness(clock: Clock) -> Iterator[Harness]:
    yield Harness("fake", InMemoryNationalConnector.seeded(clock=clock), clock)


@contextmanager
def rest_harness(clock: Clock) -> Iterator[Harness]:
    server = NationalApiServer(InMemoryNationalConnector.seeded(clock=clock), clock)
    client = httpx.Client(transport=server.transport())
    connector = RestNationalConnector(BASE_URL, client=client)
    try:
        yield Harness("rest", connector, clock, server)
    finally:
        connector.close()
        client.close()


@contextmanager
def sql_harness(kind: str, sessions: sessionmaker[Session], clock: Clock) -> Iterator[Harness]:
    yield Harness(f"sql-{kind}", SqlNationalConnector(sessions, clock=clock), clock)
