"""The webhook: authentication, the subscription test, validation, size limit, durability,
deduplication."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.schemas import TEST_EXAMPLE
from tests.conftest import make_settings
from tests.helpers import OMC_SECRET, WEBHOOK_TOKEN, besluiten_notification, count_rows

PATH = "/api/v1/notifications"


def omc_token(secret: str = OMC_SECRET, **claims: Any) -> str:
    payload = {"iss": "OMC", "aud": "OMC", "iat": int(time.time()), **claims}
    return "Bearer " + jwt.encode(payload, secret, algorithm="HS256")


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "code", "title", "detail", "instance"} <= body.keys()
    return body


# --- authentication ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer wrong-token"}, id="wrong"),
        pytest.param({"Authorization": WEBHOOK_TOKEN.lower()}, id="wrong-case"),
        pytest.param({"Authorization": WEBHOOK_TOKEN + " "}, id="trailing-space"),
        pytest.param({"Authorization": omc_token(secret="x" * 40)}, id="jwt-bad-signature"),
        pytest.param({"Authorization": omc_token(exp=int(time.time()) - 60)}, id="jwt-expired"),
        pytest.param({"Authorization": "Bearer not.a.jwt"}, id="jwt-garbage"),
    ],
)
async def test_rejected_credentials_get_403_and_nothing_is_stored(
    client: httpx.AsyncClient, engine: AsyncEngine, headers: dict[str, str]
) -> None:
    response = await client.post(PATH, json=besluiten_notification(), headers=headers)

    assert_problem(response, 403)
    assert await count_rows(engine, "notifications") == 0


async def test_static_token_is_accepted(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    response = await client.post(PATH, json=besluiten_notification(), headers=webhook_headers)

    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["url"] == f"/api/v1/deliveries/{body['id']}"
    assert response.headers["location"] == body["url"]


async def test_valid_omc_jwt_is_accepted(client: httpx.AsyncClient) -> None:
    token = omc_token(exp=int(time.time()) + 600)

    response = await client.post(
        PATH, json=besluiten_notification(), headers={"Authorization": token}
    )

    assert response.status_code == 202


async def test_jwt_issuer_and_audience_are_checked_when_configured(database_url: str) -> None:
    from app.main import create_app

    settings = make_settings(database_url, omc_auth_jwt_issuer="OMC", omc_auth_jwt_audience="gw")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            wrong_audience = await client.post(
                PATH, json=besluiten_notification(), headers={"Authorization": omc_token()}
            )
            right = await client.post(
                PATH,
                json=besluiten_notification(),
                headers={"Authorization": omc_token(aud="gw")},
            )
            wrong_issuer = await client.post(
                PATH,
                json=besluiten_notification(),
                headers={"Authorization": omc_token(aud="gw", iss="someone-else")},
            )

    assert wrong_audience.status_code == 403
    assert right.status_code == 202
    assert wrong_issuer.status_code == 403


async def test_omc_path_is_an_alias(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/Events/Listen", json=besluiten_notification(), headers=webhook_headers
    )

    assert response.status_code == 202


# --- the subscription test message ------------------------------------------------------------


async def test_test_kanaal_answers_204_and_stores_nothing(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    response = await client.post(PATH, json=TEST_EXAMPLE, headers=webhook_headers)

    assert response.status_code == 204
    assert response.content == b""
    assert await count_rows(engine, "notifications") == 0


async def test_test_kanaal_without_auth_answers_403(client: httpx.AsyncClient) -> None:
    response = await client.post(PATH, json=TEST_EXAMPLE)

    assert_problem(response, 403)


# --- validation ---------------------------------------------------------------------------


REQUIRED = ["kanaal", "hoofdObject", "resource", "resourceUrl", "actie", "aanmaakdatum"]


@pytest.mark.parametrize("field", REQUIRED)
async def test_missing_field_is_named(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str], field: str
) -> None:
    message = besluiten_notification()
    del message[field]

    response = await client.post(PATH, json=message, headers=webhook_headers)

    body = assert_problem(response, 400)
    assert {"name": field, "code": "required"} in [
        {"name": p["name"], "code": p["code"]} for p in body["invalidParams"]
    ]
    assert await count_rows(engine, "notifications") == 0


@pytest.mark.parametrize(
    ("field", "value", "name"),
    [
        ("kanaal", 12, "kanaal"),
        ("kanaal", "", "kanaal"),
        ("kanaal", "k" * 51, "kanaal"),
        ("hoofdObject", "not a url", "hoofdObject"),
        ("hoofdObject", "ftp://openzaak.gemeente.nl/x", "hoofdObject"),
        ("resource", "r" * 101, "resource"),
        ("resourceUrl", None, "resourceUrl"),
        ("resourceUrl", "/relative/path", "resourceUrl"),
        ("actie", ["create"], "actie"),
        ("aanmaakdatum", "yesterday", "aanmaakdatum"),
        ("aanmaakdatum", 1700000000, "aanmaakdatum"),
        ("kenmerken", ["a"], "kenmerken"),
        ("kenmerken", {"besluittype": 5}, "kenmerken.besluittype"),
        ("kenmerken", {"bronorganisatie": "x" * 1001}, "kenmerken.bronorganisatie"),
        ("kanaal", "bes\u0000luiten", "kanaal"),
    ],
)
async def test_ill_typed_field_is_named(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    webhook_headers: dict[str, str],
    field: str,
    value: Any,
    name: str,
) -> None:
    message = besluiten_notification(**{field: value})

    response = await client.post(PATH, json=message, headers=webhook_headers)

    body = assert_problem(response, 400)
    assert name in [p["name"] for p in body["invalidParams"]]
    assert await count_rows(engine, "notifications") == 0


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"this is not json", id="text"),
        pytest.param(b'{"kanaal": "besluiten"', id="truncated"),
        pytest.param(b"\xff\xfe{}", id="invalid-utf8"),
        pytest.param(b"", id="empty"),
    ],
)
async def test_non_json_body_is_a_parse_error(
    client: httpx.AsyncClient, webhook_headers: dict[str, str], content: bytes
) -> None:
    response = await client.post(
        PATH, content=content, headers={**webhook_headers, "Content-Type": "application/json"}
    )

    body = assert_problem(response, 400)
    assert body["code"] == "parse_error"


async def test_json_that_is_not_an_object_is_rejected(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    response = await client.post(PATH, json=[besluiten_notification()], headers=webhook_headers)

    body = assert_problem(response, 400)
    assert body["invalidParams"][0]["name"] == "nonFieldErrors"


async def test_unknown_top_level_keys_are_accepted_and_kept(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    message = besluiten_notification(source="open-zaak", extra={"nested": True})

    response = await client.post(PATH, json=message, headers=webhook_headers)

    assert response.status_code == 202
    async with engine.connect() as connection:
        body = (await connection.execute(text("SELECT body FROM notifications"))).scalar_one()
    assert json.loads(body)["extra"] == {"nested": True}


# --- size limit ---------------------------------------------------------------------------


async def test_body_over_the_limit_gets_413(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    message = besluiten_notification(kenmerken={f"k{i}": "v" * 900 for i in range(10)})

    response = await client.post(PATH, json=message, headers=webhook_headers)

    assert_problem(response, 413)
    assert await count_rows(engine, "notifications") == 0


async def test_streamed_body_over_the_limit_gets_413(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    async def chunks() -> Any:
        for _ in range(10):
            yield b" " * 1000

    response = await client.post(PATH, content=chunks(), headers=webhook_headers)

    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


# --- durability and deduplication -------------------------------------------------------------


async def test_notification_is_committed_before_the_answer(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    message = besluiten_notification()
    raw = json.dumps(message)

    response = await client.post(
        PATH,
        content=raw,
        headers={**webhook_headers, "Content-Type": "application/json", "X-Request-Id": "r-1"},
    )

    assert response.status_code == 202
    # A connection of our own sees the row: it was committed, not just flushed.
    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT id, body, headers, status, kanaal, auth_method FROM notifications")
            )
        ).one()
    assert str(row.id).replace("-", "") == response.json()["id"].replace("-", "")
    assert row.body == raw
    headers = row.headers if isinstance(row.headers, dict) else json.loads(row.headers)
    assert headers["authorization"] == "[redacted]"
    assert headers["x-request-id"] == "r-1"
    assert WEBHOOK_TOKEN not in json.dumps(headers)
    assert (row.status, row.kanaal, row.auth_method) == ("queued", "besluiten", "static")


async def test_redelivery_returns_the_existing_delivery(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    message = besluiten_notification()

    first = await client.post(PATH, json=message, headers=webhook_headers)
    again = await client.post(PATH, json=message, headers=webhook_headers)

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["duplicate"] is True
    assert await count_rows(engine, "notifications") == 1


async def test_same_instant_spelled_differently_is_a_duplicate(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    message = besluiten_notification(aanmaakdatum="2026-11-20T09:14:03Z")
    respelled = {**message, "aanmaakdatum": "2026-11-20T10:14:03+01:00", "source": "other"}

    await client.post(PATH, json=message, headers=webhook_headers)
    again = await client.post(PATH, json=respelled, headers=webhook_headers)

    assert again.status_code == 200
    assert await count_rows(engine, "notifications") == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actie", "destroy"),
        ("aanmaakdatum", "2026-11-20T09:14:04Z"),
        ("kenmerken", {"verantwoordelijkeOrganisatie": "000000000"}),
    ],
)
async def test_different_content_is_a_new_delivery(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    webhook_headers: dict[str, str],
    field: str,
    value: Any,
) -> None:
    message = besluiten_notification()

    first = await client.post(PATH, json=message, headers=webhook_headers)
    second = await client.post(PATH, json={**message, field: value}, headers=webhook_headers)

    assert (first.status_code, second.status_code) == (202, 202)
    assert await count_rows(engine, "notifications") == 2


async def test_concurrent_identical_posts_store_one_delivery(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    message = besluiten_notification()

    responses = await asyncio.gather(
        *(client.post(PATH, json=message, headers=webhook_headers) for _ in range(20))
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 19 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await count_rows(engine, "notifications") == 1
