"""The real thing: `zgw-gateway serve` in its own process, spoken to over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import served_gateway
from tests.helpers import (
    ADMIN_KEY,
    WEBHOOK_TOKEN,
    besluiten_notification,
    gateway_env,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path, database_url: str, repo_root: Path) -> Iterator[str]:
    with served_gateway(tmp_path, gateway_env(database_url, repo_root)) as base:
        yield base


async def test_post_over_http_and_read_the_trace(server: str, tmp_path: Path) -> None:
    message = besluiten_notification()
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        posted = await client.post(
            "/api/v1/notifications", json=message, headers={"Authorization": WEBHOOK_TOKEN}
        )
        assert posted.status_code == 202
        trace_url = posted.json()["url"]

        async with asyncio.timeout(20):
            while True:
                trace = (await client.get(trace_url, headers=admin)).json()
                if trace["status"] not in ("queued", "processing"):
                    break
                await asyncio.sleep(0.05)

    assert trace["status"] == "skipped"
    assert trace["notification"] == message
    assert trace["checks"][0]["name"] == "scenario"
    assert trace["attempts"][0]["outcome"] == "skipped"
    log_text = (tmp_path / "serve.log").read_text()
    assert WEBHOOK_TOKEN not in log_text
    assert '"event": "delivery_finished"' in log_text


async def test_concurrent_identical_posts_over_http(server: str) -> None:
    message = besluiten_notification()
    async with httpx.AsyncClient(base_url=server, timeout=10) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/api/v1/notifications",
                    json=message,
                    headers={"Authorization": WEBHOOK_TOKEN},
                )
                for _ in range(10)
            )
        )
        listing = (
            await client.get("/api/v1/deliveries", headers={"Authorization": f"Bearer {ADMIN_KEY}"})
        ).json()

    assert sorted(r.status_code for r in responses) == [200] * 9 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert listing["count"] == 1
