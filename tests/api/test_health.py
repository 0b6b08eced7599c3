"""Health, metrics, error shape for unknown routes, and the OpenAPI document."""

from __future__ import annotations

import httpx
import pytest

from app.main import create_app
from tests.api.test_notifications import assert_problem
from tests.conftest import make_settings
from tests.helpers import besluiten_notification


async def test_live(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migration": "0003"}


async def test_not_ready_on_an_unmigrated_database(fresh_database: object) -> None:
    url = fresh_database("unmigrated")  # type: ignore[operator]
    app = create_app(make_settings(url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/health/ready")

    body = assert_problem(response, 503)
    assert "zgw-gateway migrate" in body["detail"]


async def test_metrics_count_notifications_and_deliveries(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    def sample(text: str, line_start: str) -> float:
        for line in text.splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    accepted = 'zgw_gateway_notifications_received_total{kanaal="besluiten",outcome="accepted"}'
    before = sample((await client.get("/metrics")).text, accepted)
    await client.post(
        "/api/v1/notifications", json=besluiten_notification(), headers=webhook_headers
    )

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert sample(response.text, accepted) == before + 1
    assert sample(response.text, 'zgw_gateway_deliveries{status="queued"}') == 1
    assert 'route="/api/v1/notifications",status="202"' in response.text


async def test_unknown_kanaal_is_counted_as_other(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/notifications",
        json=besluiten_notification(kanaal="made-up-kanaal"),
        headers=webhook_headers,
    )

    text = (await client.get("/metrics")).text

    assert "made-up-kanaal" not in text
    assert 'kanaal="other"' in text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("GET", "/api/v1/notifications", 405)],
)
async def test_routing_errors_are_problems(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)

    assert_problem(response, status)


async def test_unexpected_errors_are_500_problems_without_internals(database_url: str) -> None:
    app = create_app(make_settings(database_url))

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/boom")

    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert body["instance"].startswith("urn:uuid:")


async def test_openapi_documents_every_operation_with_examples(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    webhook = schema["paths"]["/api/v1/notifications"]["post"]
    examples = webhook["requestBody"]["content"]["application/json"]["examples"]
    assert examples["besluitinformatieobject"]["value"]["kanaal"] == "besluiten"
    for status in ("202", "400", "403", "413"):
        assert status in webhook["responses"]
    assert "application/problem+json" in webhook["responses"]["400"]["content"]
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert operation.get("summary"), f"{path} has no summary"
    for name in ("DeliveryOut", "DeliveryPage", "Health", "NotificationAccepted"):
        assert schema["components"]["schemas"][name]["examples"], name
    trace = schema["components"]["schemas"]["DeliveryOut"]
    assert trace["examples"][0]["checks"][0]["name"] == "scenario"
    assert (await client.get("/docs")).status_code == 200
