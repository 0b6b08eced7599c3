"""Which clients `build_upstreams` builds from the Settings."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from app.clients import (
    NotifyClient,
    ObjectsClient,
    OpenKlant1Client,
    OpenKlant2Client,
    build_upstreams,
)
from app.clients.errors import OriginNotAllowed, PermanentUpstreamError
from app.config import Settings
from tests.clients.conftest import OBJECTEN, OPENKLANT, ZAKEN, ZGW_CLIENT_ID, ZGW_SECRET

NOTIFY_KEY = "gateway-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, gateway_environment="development", **values)


FULL = {
    "zgw_auth_jwt_secret": ZGW_SECRET,
    "zgw_auth_jwt_issuer": ZGW_CLIENT_ID,
    "zgw_endpoint_openzaak": ZAKEN,
    "zgw_endpoint_openklant": OPENKLANT,
    "zgw_auth_key_openklant": "openklant-token-0123456789",
    "zgw_endpoint_objecten": OBJECTEN,
    "zgw_auth_key_objecten": "objects-token-0123456789",
    "notify_api_key": NOTIFY_KEY,
}


async def test_everything_configured() -> None:
    upstreams = build_upstreams(settings(**FULL))
    try:
        assert isinstance(upstreams.openklant, OpenKlant2Client)
        assert isinstance(upstreams.objects, ObjectsClient)
        assert isinstance(upstreams.notify, NotifyClient)
    finally:
        await upstreams.aclose()
    assert upstreams.http.is_closed


@pytest.mark.parametrize(
    ("configured", "seconds", "connect"),
    [({}, 10.0, 5.0), ({"gateway_upstream_timeout": "PT0.3S"}, 0.3, 0.3)],
)
async def test_upstream_timeout_bounds_every_client(
    configured: dict[str, Any], seconds: float, connect: float
) -> None:
    upstreams = build_upstreams(settings(**FULL, **configured))
    try:
        timeout = upstreams.http.timeout
        assert (timeout.read, timeout.write, timeout.pool, timeout.connect) == (
            seconds,
            seconds,
            seconds,
            connect,
        )
        assert upstreams.notify is not None
        assert upstreams.notify._client().timeout == seconds  # requests' (connect, read) bound
    finally:
        await upstreams.aclose()


async def test_workflow_1_uses_the_klanten_api() -> None:
    upstreams = build_upstreams(settings(**FULL, omc_feature_workflow_version=1))
    assert isinstance(upstreams.openklant, OpenKlant1Client)
    await upstreams.aclose()


@pytest.mark.parametrize(
    ("missing", "attribute"),
    [
        ("zgw_auth_key_openklant", "openklant"),
        ("zgw_endpoint_openklant", "openklant"),
        ("zgw_auth_key_objecten", "objects"),
        ("zgw_endpoint_objecten", "objects"),
        ("notify_api_key", "notify"),
    ],
)
async def test_unconfigured_apis_are_none(missing: str, attribute: str) -> None:
    values = {k: v for k, v in FULL.items() if k != missing}
    upstreams = build_upstreams(settings(**values))
    assert getattr(upstreams, attribute) is None
    await upstreams.aclose()


async def test_clients_share_the_given_http_client_and_leave_it_open(
    mock_router: respx.MockRouter,
) -> None:
    async with httpx.AsyncClient() as http:
        upstreams = build_upstreams(settings(**FULL), http)
        assert upstreams.http is http
        route = mock_router.get(f"{ZAKEN}/zaken/1").respond(json={"url": "z"})
        await upstreams.zgw.get(f"{ZAKEN}/zaken/1")
        assert route.calls.last.request.headers["Authorization"].startswith("Bearer ")
        # Only the configured origins are allowed.
        with pytest.raises(OriginNotAllowed):
            await upstreams.zgw.get("https://elders.example/zaken/api/v1/zaken/1")
        await upstreams.aclose()
        assert not http.is_closed


async def test_without_zgw_credentials_requests_go_unauthenticated(
    mock_router: respx.MockRouter, http: httpx.AsyncClient
) -> None:
    values = {k: v for k, v in FULL.items() if not k.startswith("zgw_auth_jwt")}
    upstreams = build_upstreams(settings(**values), http)
    route = mock_router.get(f"{ZAKEN}/zaken/1").respond(403, json={"title": "Forbidden"})
    with pytest.raises(PermanentUpstreamError, match="403"):
        await upstreams.zgw.get(f"{ZAKEN}/zaken/1")
    assert "Authorization" not in route.calls.last.request.headers
    await upstreams.aclose()
