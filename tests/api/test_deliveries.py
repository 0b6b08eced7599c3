"""Admin API: authentication, the trace of a delivery, listing with filters and pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from app.main import build_worker
from tests.api.test_notifications import assert_problem
from tests.conftest import make_settings
from tests.helpers import besluiten_notification, post_notification


async def run_worker_once(app: FastAPI) -> int:
    resources = app.state.resources
    worker = build_worker(resources.settings, resources.session_factory, resources.pipeline)
    return await worker.run_once()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="missing"),
        pytest.param({"Authorization": "Bearer wrong"}, 403, id="wrong-key"),
        pytest.param({"Authorization": "Basic YWRtaW46YWRtaW4="}, 403, id="wrong-scheme"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/deliveries", f"/api/v1/deliveries/{uuid.uuid4()}"])
async def test_admin_api_needs_an_admin_key(
    client: httpx.AsyncClient, headers: dict[str, str], status: int, path: str
) -> None:
    response = await client.get(path, headers=headers)

    assert_problem(response, status)


async def test_webhook_token_is_not_an_admin_key(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/deliveries", headers=webhook_headers)

    assert_problem(response, 403)


async def test_admin_api_is_closed_without_configured_keys(database_url: str) -> None:
    from app.main import create_app

    app = create_app(make_settings(database_url, gateway_admin_api_keys=[]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(
                "/api/v1/deliveries", headers={"Authorization": "Bearer anything"}
            )

    body = assert_problem(response, 403)
    assert "GATEWAY_ADMIN_API_KEYS" in body["detail"]


async def test_trace_of_a_queued_delivery(
    client: httpx.AsyncClient, webhook_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    delivery_id = await post_notification(client)

    trace = (await client.get(f"/api/v1/deliveries/{delivery_id}", headers=admin_headers)).json()

    assert trace["status"] == "queued"
    assert trace["checks"] == []
    assert trace["attempts"] == []
    assert trace["next_attempt_at"] is not None


async def test_trace_after_the_worker_ran(
    app: FastAPI,
    client: httpx.AsyncClient,
    webhook_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    message = besluiten_notification(resource="besluit")  # no scenario handles this trigger
    response = await client.post("/api/v1/notifications", json=message, headers=webhook_headers)
    delivery_id = response.json()["id"]

    assert await run_worker_once(app) == 1
    response = await client.get(f"/api/v1/deliveries/{delivery_id}", headers=admin_headers)

    assert response.status_code == 200
    trace = response.json()
    assert set(trace) == {
        "id",
        "url",
        "status",
        "scenario",
        "notification",
        "checks",
        "actions",
        "attempts",
        "reason",
        "received_at",
        "updated_at",
        "next_attempt_at",
        "purged_at",
    }
    reason = "no scenario matches kanaal/resource/actie besluiten/besluit/create"
    assert trace["status"] == "skipped"
    assert trace["scenario"] is None
    assert trace["reason"] == reason
    assert trace["checks"] == [{"name": "scenario", "passed": False, "detail": reason}]
    assert trace["actions"] == []
    assert trace["notification"] == message
    assert trace["next_attempt_at"] is None
    [attempt] = trace["attempts"]
    assert attempt["number"] == 1
    assert attempt["outcome"] == "skipped"
    assert attempt["finished_at"] is not None
    assert attempt["checks"] == trace["checks"]


async def test_worker_does_not_run_a_finished_delivery_again(
    app: FastAPI, client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    await post_notification(client)

    assert await run_worker_once(app) == 1
    assert await run_worker_once(app) == 0


async def test_unknown_delivery_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(f"/api/v1/deliveries/{uuid.uuid4()}", headers=admin_headers)

    assert_problem(response, 404)


async def test_malformed_delivery_id_is_400_not_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/deliveries/not-a-uuid", headers=admin_headers)

    body = assert_problem(response, 400)
    assert body["invalidParams"][0]["name"] == "delivery_id"


async def test_list_filters_by_status_and_kanaal(
    app: FastAPI,
    client: httpx.AsyncClient,
    webhook_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    skipped = await post_notification(client)
    await run_worker_once(app)
    queued = await post_notification(client, kanaal="zaken", resource="status")

    async def ids(**params: str) -> list[str]:
        response = await client.get("/api/v1/deliveries", params=params, headers=admin_headers)
        assert response.status_code == 200
        return [item["id"] for item in response.json()["results"]]

    assert await ids(status="skipped") == [skipped]
    assert await ids(status="queued") == [queued]
    assert await ids(kanaal="zaken") == [queued]
    assert await ids() == [queued, skipped]
    assert await ids(status="failed") == []


async def test_list_filters_by_time_range(
    client: httpx.AsyncClient, webhook_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    delivery_id = await post_notification(client)
    now = datetime.now(UTC)

    async def ids(**params: str) -> list[str]:
        response = await client.get("/api/v1/deliveries", params=params, headers=admin_headers)
        return [item["id"] for item in response.json()["results"]]

    hour = timedelta(hours=1)
    assert await ids(received_after=(now - hour).isoformat()) == [delivery_id]
    assert await ids(received_after=(now + hour).isoformat()) == []
    assert await ids(received_before=(now - hour).isoformat()) == []
    assert await ids(received_before=(now + hour).isoformat()) == [delivery_id]


async def test_list_is_paginated(
    client: httpx.AsyncClient, webhook_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    created = [await post_notification(client) for _ in range(5)]

    first = (
        await client.get("/api/v1/deliveries", params={"page_size": 2}, headers=admin_headers)
    ).json()
    second = (await client.get(first["next"], headers=admin_headers)).json()
    last = (
        await client.get(
            "/api/v1/deliveries", params={"page_size": 2, "page": 3}, headers=admin_headers
        )
    ).json()

    assert first["count"] == 5
    assert first["previous"] is None
    assert second["previous"] is not None
    assert last["next"] is None
    seen = [item["id"] for page in (first, second, last) for item in page["results"]]
    assert sorted(seen) == sorted(created)


@pytest.mark.parametrize(
    "params",
    [{"status": "lost"}, {"page": "0"}, {"page_size": "1000"}, {"received_after": "tomorrow"}],
)
async def test_bad_list_parameters_are_400(
    client: httpx.AsyncClient, admin_headers: dict[str, str], params: dict[str, str]
) -> None:
    response = await client.get("/api/v1/deliveries", params=params, headers=admin_headers)

    body = assert_problem(response, 400)
    assert body["invalidParams"][0]["name"] == next(iter(params))
