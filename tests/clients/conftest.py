"""Fixtures for the upstream clients: one shared HTTP client, the guard, a respx router."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from app.clients.base import OriginGuard, build_http_client
from app.clients.zgw import ZgwClient, ZgwJwtAuth

OZ = "https://openzaak.gemeente.nl"
ZAKEN = f"{OZ}/zaken/api/v1"
CATALOGI = f"{OZ}/catalogi/api/v1"
BESLUITEN = f"{OZ}/besluiten/api/v1"
OPENKLANT = "https://openklant.gemeente.nl/klantinteracties/api/v1"
OBJECTEN = "https://objecten.gemeente.nl/api/v2"
ALLOWED_ORIGINS = (OZ, "https://openklant.gemeente.nl", "https://objecten.gemeente.nl")

ZGW_CLIENT_ID = "zgw-gateway-test"
ZGW_SECRET = "zgw-test-secret-0123456789abcdef0123456789"


@pytest.fixture
def mock_router() -> Iterator[respx.MockRouter]:
    """Every request must match a route; nothing reaches the network."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    client = build_http_client(backend="httpcore")  # respx mocks httpcore
    yield client
    await client.aclose()


@pytest.fixture
def guard() -> OriginGuard:
    return OriginGuard(ALLOWED_ORIGINS)


@pytest.fixture
def zgw_auth() -> ZgwJwtAuth:
    return ZgwJwtAuth(ZGW_CLIENT_ID, ZGW_SECRET, "gateway-user", "ZGW Gateway")


@pytest.fixture
def zgw(http: httpx.AsyncClient, zgw_auth: ZgwJwtAuth, guard: OriginGuard) -> ZgwClient:
    return ZgwClient(http, zgw_auth, guard)


class GatedStream(httpx.AsyncByteStream):
    """A response body that arrives only when the test opens the gate: a request in flight."""

    def __init__(self, body: Any, gate: asyncio.Event) -> None:
        self.body = json.dumps(body).encode()
        self.gate = gate

    async def __aiter__(self) -> AsyncIterator[bytes]:
        await self.gate.wait()
        yield self.body


def gated_json(body: Any, gate: asyncio.Event) -> httpx.Response:
    return httpx.Response(
        200, stream=GatedStream(body, gate), headers={"Content-Type": "application/json"}
    )


async def let_other_tasks_run(rounds: int = 20) -> None:
    """Yield to the event loop until the other tasks have reached their next wait (no timing)."""
    for _ in range(rounds):
        await asyncio.sleep(0)
