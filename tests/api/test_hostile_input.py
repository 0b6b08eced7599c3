"""Regressions found by fuzzing (tests/fuzz): each input here once got a 500, or an error that
was not a ZGW problem, or a validation error before the credentials were checked."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.helpers import besluiten_notification, count_rows, post_notification

WEBHOOK = "/api/v1/notifications"
EVALUATE = "/api/v1/notifications/evaluate"
DELIVERIES = "/api/v1/deliveries"
BULK_RETRY = "/api/v1/deliveries/retry"


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "code", "title", "detail", "instance"} <= body.keys()
    return body


def invalid_names(response: httpx.Response) -> set[str]:
    body = assert_problem(response, 400)
    return {param["name"] for param in body["invalidParams"]}


# --- aanmaakdatum that has no UTC equivalent (was: OverflowError, 500) ------------------------


@pytest.mark.parametrize(
    "aanmaakdatum",
    [
        pytest.param("0001-01-01T00:00:00+01:00", id="before-year-1-in-utc"),
        pytest.param("9999-12-31T23:59:59-01:00", id="after-year-9999-in-utc"),
    ],
)
async def test_aanmaakdatum_outside_utc_range_is_400_and_not_stored(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    webhook_headers: dict[str, str],
    admin_headers: dict[str, str],
    aanmaakdatum: str,
) -> None:
    body = besluiten_notification(aanmaakdatum=aanmaakdatum)

    response = await client.post(WEBHOOK, json=body, headers=webhook_headers)
    evaluation = await client.post(EVALUATE, json=body, headers=admin_headers)

    assert invalid_names(response) == {"aanmaakdatum"}
    assert invalid_names(evaluation) == {"aanmaakdatum"}
    assert await count_rows(engine, "notifications") == 0


async def test_aanmaakdatum_at_the_edges_of_the_range_is_accepted(
    client: httpx.AsyncClient, webhook_headers: dict[str, str]
) -> None:
    for aanmaakdatum in ("0001-01-01T00:00:00Z", "0001-01-01T01:00:00+01:00", "9999-12-31T23:59Z"):
        response = await client.post(
            WEBHOOK, json=besluiten_notification(aanmaakdatum=aanmaakdatum), headers=webhook_headers
        )
        assert response.status_code == 202, (aanmaakdatum, response.text)


async def test_url_with_an_impossible_port_is_400(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    body = besluiten_notification(hoofdObject="https://openzaak.gemeente.nl:99999/besluiten/1")

    response = await client.post(WEBHOOK, json=body, headers=webhook_headers)

    assert invalid_names(response) == {"hoofdObject"}
    assert await count_rows(engine, "notifications") == 0


# --- the admin filters (were: 500 for a naive or out-of-range time, and for NUL on PostgreSQL) -


async def test_list_filter_time_without_time_zone_is_utc(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await post_notification(client)

    after = await client.get(
        DELIVERIES, params={"received_after": "2000-01-01T00:00:00"}, headers=admin_headers
    )
    before = await client.get(
        DELIVERIES, params={"received_before": "2000-01-01T00:00:00"}, headers=admin_headers
    )

    assert after.status_code == 200, after.text
    assert after.json()["count"] == 1
    assert before.status_code == 200, before.text
    assert before.json()["count"] == 0


# Filter values that pass a naive check but that no database can take.
UNTAKEABLE_FILTERS = [
    pytest.param("received_after", "0001-01-01T00:00:00+01:00", id="time-before-year-1"),
    pytest.param("received_before", "9999-12-31T23:59:59-01:00", id="time-after-year-9999"),
    pytest.param("kanaal", "besluiten\x00", id="nul-in-kanaal"),
    pytest.param("scenario", "\x00", id="nul-in-scenario"),
]


@pytest.mark.parametrize(
    ("name", "value"),
    UNTAKEABLE_FILTERS,
)
async def test_list_filter_that_no_database_can_take_is_400(
    client: httpx.AsyncClient, admin_headers: dict[str, str], name: str, value: str
) -> None:
    response = await client.get(DELIVERIES, params={name: value}, headers=admin_headers)

    assert invalid_names(response) == {name}


async def test_bulk_retry_filter_time_without_time_zone_is_utc(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        BULK_RETRY,
        json={"status": "failed", "received_after": "2000-01-01T00:00:00"},
        headers=admin_headers,
    )

    assert response.status_code == 202, response.text
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("name", "value"),
    UNTAKEABLE_FILTERS,
)
async def test_bulk_retry_filter_that_no_database_can_take_is_400(
    client: httpx.AsyncClient, admin_headers: dict[str, str], name: str, value: str
) -> None:
    response = await client.post(
        BULK_RETRY, json={"status": "failed", name: value}, headers=admin_headers
    )

    assert invalid_names(response) == {name}


# --- bodies FastAPI cannot parse (were: a 400 without invalidParams, `http_error`) -------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"status": "failed", "kanaal": "\xff"}', id="invalid-utf8"),
        pytest.param(b"[" * 2_000 + b"]" * 2_000, id="nesting-deeper-than-the-parser"),
    ],
)
async def test_unparseable_admin_body_is_a_parse_error_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: bytes
) -> None:
    response = await client.post(
        BULK_RETRY, content=body, headers={**admin_headers, "Content-Type": "application/json"}
    )

    problem = assert_problem(response, 400)
    assert problem["code"] == "parse_error"
    assert [p["name"] for p in problem["invalidParams"]] == ["nonFieldErrors"]


async def test_json_syntax_error_names_no_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        BULK_RETRY,
        content=b'{"status": "failed",}',
        headers={**admin_headers, "Content-Type": "application/json"},
    )

    problem = assert_problem(response, 400)
    # Not the offset FastAPI reports the error at (`19`).
    assert [p["name"] for p in problem["invalidParams"]] == ["nonFieldErrors"]


# --- the admin key before the body (was: 400 about the body to a caller without a key) ---------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\xff", id="invalid-utf8"),
        pytest.param(b"{", id="not-json"),
        pytest.param(json.dumps({"status": "sent"}).encode(), id="invalid-filter"),
    ],
)
@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({}, 401, id="no-key"),
        pytest.param({"Authorization": "Bearer wrong-key"}, 403, id="wrong-key"),
    ],
)
async def test_admin_key_is_checked_before_the_body(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = await client.post(
        BULK_RETRY, content=body, headers={**headers, "Content-Type": "application/json"}
    )

    assert_problem(response, status)
