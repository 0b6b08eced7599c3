"""How answers and failures of the httpx-based clients become results and typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from app.clients.base import OriginGuard
from app.clients.errors import PermanentUpstreamError, TransientUpstreamError
from app.clients.objects import ObjectsClient
from app.clients.zgw import ZgwClient
from tests.clients.conftest import OBJECTEN, ZAKEN

ZAAK = f"{ZAKEN}/zaken/4a2b6c1d-8e3f-4a5b-9c7d-1e2f3a4b5c6d"
PROBLEM = {
    "type": "https://openzaak.gemeente.nl/ref/fouten/ValidationError/",
    "code": "invalid",
    "title": "Invalid input.",
    "status": 400,
    "detail": "Ongeldige invoer.",
    "instance": "urn:uuid:2f4f6e52-6b0e-4c2a-8a3a-6a3c2a1b0c9d",
    "invalidParams": [{"name": "expand", "code": "invalid", "reason": "Onbekend pad."}],
}


@pytest.mark.parametrize(
    ("response", "status", "detail"),
    [
        (
            httpx.Response(400, json=PROBLEM, headers={"Content-Type": "application/problem+json"}),
            400,
            "Invalid input. - Ongeldige invoer. - invalid: expand (invalid): Onbekend pad.",
        ),
        (
            httpx.Response(404, json={"title": "Niet gevonden.", "status": 404}),
            404,
            "Niet gevonden.",
        ),
        (httpx.Response(403, text="<html>forbidden</html>"), 403, "Forbidden"),
        (httpx.Response(200, text="<html>login</html>"), 200, "unexpected response (not JSON)"),
        (httpx.Response(200, json=["not", "an", "object"]), 200, "unexpected response"),
    ],
)
async def test_permanent_errors(
    zgw: ZgwClient,
    mock_router: respx.MockRouter,
    response: httpx.Response,
    status: int,
    detail: str,
) -> None:
    route = mock_router.get(ZAAK).mock(return_value=response)
    with pytest.raises(PermanentUpstreamError) as caught:
        await zgw.get(ZAAK)
    error = caught.value
    assert (error.service, error.url, error.status) == ("zaken", ZAAK, status)
    assert error.detail.startswith(detail)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("response", "status", "retry_after"),
    [
        (httpx.Response(429, headers={"Retry-After": "120"}), 429, 120.0),
        (httpx.Response(503, headers={"Retry-After": "7"}), 503, 7.0),
        (httpx.Response(500, json={"title": "Er is een serverfout opgetreden."}), 500, None),
        (httpx.Response(502), 502, None),
        (httpx.Response(408), 408, None),
    ],
)
async def test_transient_status_errors(
    zgw: ZgwClient,
    mock_router: respx.MockRouter,
    response: httpx.Response,
    status: int,
    retry_after: float | None,
) -> None:
    route = mock_router.get(ZAAK).mock(return_value=response)
    with pytest.raises(TransientUpstreamError) as caught:
        await zgw.get(ZAAK)
    assert (caught.value.status, caught.value.retry_after) == (status, retry_after)
    assert route.call_count == 1  # the outbox retries later, the client does not


async def test_retry_after_as_http_date(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    in_two_minutes = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    mock_router.get(ZAAK).respond(429, headers={"Retry-After": in_two_minutes})
    with pytest.raises(TransientUpstreamError) as caught:
        await zgw.get(ZAAK)
    assert caught.value.retry_after is not None
    assert 100 < caught.value.retry_after <= 120


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("timed out"), httpx.ConnectTimeout("timed out"), httpx.ReadError("reset")],
)
async def test_timeouts_and_read_failures_are_transient_and_not_retried(
    zgw: ZgwClient, mock_router: respx.MockRouter, failure: Exception
) -> None:
    route = mock_router.get(ZAAK).mock(side_effect=failure)
    with pytest.raises(TransientUpstreamError) as caught:
        await zgw.get(ZAAK)
    assert caught.value.status is None
    assert caught.value.retry_after is None
    assert type(failure).__name__ in caught.value.detail
    assert caught.value.__cause__ is None  # the httpx error holds the URL with its query
    assert route.call_count == 1


async def test_get_is_retried_once_after_a_connection_error(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(ZAAK).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={"url": ZAAK})]
    )
    assert await zgw.get(ZAAK) == {"url": ZAAK}
    assert route.call_count == 2


async def test_get_gives_up_after_the_second_connection_error(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(ZAAK).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientUpstreamError, match="ConnectError"):
        await zgw.get(ZAAK)
    assert route.call_count == 2


async def test_post_is_never_retried(
    http: httpx.AsyncClient, guard: OriginGuard, mock_router: respx.MockRouter
) -> None:
    objects = ObjectsClient(http, OBJECTEN, "objects-token", guard)
    route = mock_router.post(f"{OBJECTEN}/objects").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(TransientUpstreamError):
        await objects.create_object({"type": "t", "record": {}})
    assert route.call_count == 1
