"""Admin retries: one delivery or a filtered batch, queued again with a fresh retry budget."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.session import create_session_factory
from app.worker.delivery import DeliveryWorker
from app.worker.retry import RetryPolicy
from tests.helpers import post_notification
from tests.worker.test_delivery import Exploding, Sending, pipeline

NO_WAIT = RetryPolicy(base_delay=timedelta(0), max_attempts=2, random=lambda: 0.0)


def worker(engine: AsyncEngine, scenario: object) -> DeliveryWorker:
    return DeliveryWorker(create_session_factory(engine), pipeline(scenario, engine), retry=NO_WAIT)


async def _failed_delivery(client: httpx.AsyncClient, engine: AsyncEngine, **overrides: str) -> str:
    delivery_id = await post_notification(client, **overrides)
    exploding = worker(engine, Exploding())
    while await exploding.run_once():
        pass
    return delivery_id


async def test_retry_one_failed_delivery_with_a_fresh_budget(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    delivery_id = await _failed_delivery(client, engine)
    url = f"/api/v1/deliveries/{delivery_id}"
    assert (await client.get(url, headers=admin_headers)).json()["status"] == "failed"

    queued = await client.post(f"{url}/retry", headers=admin_headers)
    assert queued.status_code == 202
    assert queued.json()["status"] == "queued"
    assert queued.json()["reason"] is None
    # Still broken: two more attempts (a fresh budget), not one, before it fails again.
    exploding = worker(engine, Exploding())
    while await exploding.run_once():
        pass
    trace = (await client.get(url, headers=admin_headers)).json()
    assert [a["outcome"] for a in trace["attempts"]] == ["retrying", "failed"] * 2
    assert trace["status"] == "failed"

    # Fixed: the next retry goes through.
    await client.post(f"{url}/retry", headers=admin_headers)
    assert await worker(engine, Sending()).run_once() == 1
    trace = (await client.get(url, headers=admin_headers)).json()
    assert trace["status"] == "done"
    assert [a["number"] for a in trace["attempts"]] == [1, 2, 3, 4, 5]


async def test_only_failed_or_skipped_deliveries_can_be_retried(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    delivery_id = await post_notification(client)
    queued = await client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=admin_headers)
    assert queued.status_code == 409
    assert queued.headers["content-type"] == "application/problem+json"
    assert "it is queued" in queued.json()["detail"]

    assert await worker(engine, Sending()).run_once() == 1
    done = await client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=admin_headers)
    assert done.status_code == 409
    assert "it is done" in done.json()["detail"]

    unknown = "0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f"
    missing = await client.post(f"/api/v1/deliveries/{unknown}/retry", headers=admin_headers)
    assert missing.status_code == 404
    refused = await client.post(f"/api/v1/deliveries/{delivery_id}/retry")
    assert refused.status_code == 401


async def test_bulk_retry_by_filter(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    failed = [await _failed_delivery(client, engine) for _ in range(2)]
    skipped = await post_notification(client, kanaal="zaken")  # no scenario: skipped
    assert await worker(engine, Sending()).run_once() == 1

    response = await client.post(
        "/api/v1/deliveries/retry", json={"status": "failed"}, headers=admin_headers
    )
    assert response.status_code == 202
    assert response.json()["count"] == 2
    assert sorted(response.json()["ids"]) == sorted(failed)
    listing = await client.get(
        "/api/v1/deliveries", params={"status": "queued"}, headers=admin_headers
    )
    assert sorted(d["id"] for d in listing.json()["results"]) == sorted(failed)

    skipped_again = await client.post(
        "/api/v1/deliveries/retry",
        json={"status": "skipped", "kanaal": "zaken"},
        headers=admin_headers,
    )
    assert skipped_again.json() == {"count": 1, "ids": [skipped]}
    nothing = await client.post(
        "/api/v1/deliveries/retry",
        json={"status": "failed", "scenario": "no_such_scenario"},
        headers=admin_headers,
    )
    assert nothing.json() == {"count": 0, "ids": []}


async def test_bulk_retry_rejects_a_bad_filter(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for body, field in (({"status": "done"}, "status"), ({"status": "failed", "x": 1}, "x")):
        response = await client.post("/api/v1/deliveries/retry", json=body, headers=admin_headers)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert [p["name"] for p in response.json()["invalidParams"]] == [field]


async def test_bulk_retry_body_is_bounded_and_the_key_comes_first(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    huge = {"status": "failed", "kanaal": "x" * 10_000}  # GATEWAY_MAX_BODY_BYTES is 4096 here
    too_large = await client.post("/api/v1/deliveries/retry", json=huge, headers=admin_headers)
    anonymous = await client.post("/api/v1/deliveries/retry", json=huge)

    assert too_large.status_code == 413
    assert too_large.headers["content-type"] == "application/problem+json"
    assert anonymous.status_code == 401
