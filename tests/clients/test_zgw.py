"""The ZGW client: headers, the Catalogi cache, pagination and the expanded zaak."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from app.clients.base import OriginGuard, count_upstream_calls
from app.clients.errors import OriginNotAllowed, PermanentUpstreamError, TransientUpstreamError
from app.clients.zgw import ZgwClient, ZgwJwtAuth
from tests.clients.conftest import (
    BESLUITEN,
    CATALOGI,
    OZ,
    ZAKEN,
    gated_json,
    let_other_tasks_run,
)

ZAAK = f"{ZAKEN}/zaken/4a2b6c1d-8e3f-4a5b-9c7d-1e2f3a4b5c6d"
ZAAK_2 = f"{ZAKEN}/zaken/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
STATUS = f"{ZAKEN}/statussen/1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
ZAAKTYPE = f"{CATALOGI}/zaaktypen/6b3c2d1e-9f8a-4b7c-8d6e-5f4a3b2c1d0e"
STATUSTYPE = f"{CATALOGI}/statustypen/2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"
ROL = f"{ZAKEN}/rollen/3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b"
BESLUIT = f"{BESLUITEN}/besluiten/a2b1c7e4-53f1-4c2a-9a55-2f1f0d9e8c11"


def zaak(url: str = ZAAK, *, status: str | None = STATUS) -> dict[str, Any]:
    return {
        "url": url,
        "identificatie": "ZAAK-2026-0000000001",
        "zaaktype": ZAAKTYPE,
        "status": status,
        "resultaat": None,
    }


STATUS_BODY = {"url": STATUS, "zaak": ZAAK, "statustype": STATUSTYPE, "datumStatusGezet": "x"}
STATUSTYPE_BODY = {"url": STATUSTYPE, "informeren": True, "zaaktypeIdentificatie": "ZT-1"}
ZAAKTYPE_BODY = {"url": ZAAKTYPE, "identificatie": "ZT-1", "omschrijving": "Vergunning"}
ROL_BODY = {"url": ROL, "zaak": ZAAK, "omschrijvingGeneriek": "initiator"}


def expanded(url: str = ZAAK) -> dict[str, Any]:
    """The shape Open Zaak 1.30 gives for `?expand=status.statustype,rollen,zaaktype`."""
    return {
        **zaak(url),
        "_expand": {
            "zaaktype": ZAAKTYPE_BODY,
            "status": {**STATUS_BODY, "_expand": {"statustype": STATUSTYPE_BODY}},
            "rollen": [ROL_BODY],
        },
    }


def paginated(results: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    return {"count": len(results), "next": next_url, "previous": None, "results": results}


# --- headers ----------------------------------------------------------------------------------


async def test_accept_crs_only_on_the_zaken_api(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    zaak_route = mock_router.get(ZAAK).respond(json=zaak())
    besluit_route = mock_router.get(BESLUIT).respond(json={"url": BESLUIT})
    await zgw.get(ZAAK)
    await zgw.get(BESLUIT)
    zaak_request = zaak_route.calls.last.request
    besluit_request = besluit_route.calls.last.request
    assert zaak_request.headers["Accept-Crs"] == "EPSG:4326"
    assert zaak_request.headers["Accept"] == "application/json"
    assert "Accept-Crs" not in besluit_request.headers
    assert besluit_request.headers["Accept"] == "application/json"


async def test_without_credentials_no_authorization_header(
    http: httpx.AsyncClient, guard: OriginGuard, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(ZAAK).respond(json=zaak())
    await ZgwClient(http, None, guard).get(ZAAK)
    assert "Authorization" not in route.calls.last.request.headers


# --- Catalogi cache ---------------------------------------------------------------------------


async def test_catalogi_resources_are_read_once(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(ZAAKTYPE).respond(json=ZAAKTYPE_BODY)
    first = await zgw.get(ZAAKTYPE)
    first["omschrijving"] = "changed by a caller"
    assert await zgw.get_cached(ZAAKTYPE) == ZAAKTYPE_BODY
    assert route.call_count == 1


async def test_catalogi_queries_are_not_cached(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(f"{CATALOGI}/zaaktypen").respond(json=paginated([ZAAKTYPE_BODY]))
    await zgw.get(f"{CATALOGI}/zaaktypen", {"identificatie": "ZT-1"})
    await zgw.get(f"{CATALOGI}/zaaktypen", {"identificatie": "ZT-1"})
    assert route.call_count == 2


async def test_catalogi_cache_expires(
    http: httpx.AsyncClient,
    zgw_auth: ZgwJwtAuth,
    guard: OriginGuard,
    mock_router: respx.MockRouter,
) -> None:
    now = [1000.0]
    zgw = ZgwClient(http, zgw_auth, guard, cache_ttl_seconds=60, cache_timer=lambda: now[0])
    route = mock_router.get(ZAAKTYPE).respond(json=ZAAKTYPE_BODY)
    await zgw.get_cached(ZAAKTYPE)
    now[0] += 59
    await zgw.get_cached(ZAAKTYPE)
    assert route.call_count == 1
    now[0] += 2
    await zgw.get_cached(ZAAKTYPE)
    assert route.call_count == 2


async def test_concurrent_misses_make_one_request(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    gate = asyncio.Event()
    route = mock_router.get(ZAAKTYPE).mock(side_effect=lambda _: gated_json(ZAAKTYPE_BODY, gate))
    waiting = [asyncio.create_task(zgw.get_cached(ZAAKTYPE)) for _ in range(10)]
    await let_other_tasks_run()
    assert route.call_count == 1  # in flight, the response held back
    assert not any(task.done() for task in waiting)
    gate.set()
    assert await asyncio.gather(*waiting) == [ZAAKTYPE_BODY] * 10
    assert route.call_count == 1


async def test_a_cancelled_waiter_does_not_cancel_the_shared_request(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    gate = asyncio.Event()
    mock_router.get(ZAAKTYPE).mock(side_effect=lambda _: gated_json(ZAAKTYPE_BODY, gate))
    first = asyncio.create_task(zgw.get_cached(ZAAKTYPE))
    second = asyncio.create_task(zgw.get_cached(ZAAKTYPE))
    await let_other_tasks_run()
    first.cancel()
    gate.set()
    assert await second == ZAAKTYPE_BODY
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_failures_are_not_cached(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    route = mock_router.get(ZAAKTYPE).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=ZAAKTYPE_BODY)]
    )
    with pytest.raises(TransientUpstreamError):
        await zgw.get(ZAAKTYPE)
    assert await zgw.get(ZAAKTYPE) == ZAAKTYPE_BODY
    assert route.call_count == 2


# --- lists ------------------------------------------------------------------------------------


async def test_list_all_follows_next(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    page_2 = f"{ZAKEN}/rollen?zaak={ZAAK}&page=2"
    route = mock_router.get(f"{ZAKEN}/rollen").mock(
        side_effect=[
            httpx.Response(200, json=paginated([{"url": "r1"}], next_url=page_2)),
            httpx.Response(200, json=paginated([{"url": "r2"}])),
        ]
    )
    rollen = await zgw.list_all(f"{ZAKEN}/rollen", {"zaak": ZAAK})
    assert rollen == [{"url": "r1"}, {"url": "r2"}]
    assert [dict(call.request.url.params) for call in route.calls] == [
        {"zaak": ZAAK},
        {"zaak": ZAAK, "page": "2"},
    ]


async def test_list_all_accepts_an_unpaginated_array(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    mock_router.get(f"{BESLUITEN}/besluitinformatieobjecten").respond(json=[{"url": "bio"}])
    assert await zgw.list_all(f"{BESLUITEN}/besluitinformatieobjecten", {"besluit": BESLUIT}) == [
        {"url": "bio"}
    ]


async def test_next_link_to_a_foreign_host_is_refused(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    mock_router.get(f"{ZAKEN}/rollen").respond(
        json=paginated([{"url": "r1"}], next_url="https://evil.example/rollen?page=2")
    )
    foreign = mock_router.get(url__startswith="https://evil.example/")
    with pytest.raises(OriginNotAllowed):
        await zgw.list_all(f"{ZAKEN}/rollen", {"zaak": ZAAK})
    assert not foreign.called


async def test_list_all_stops_at_the_page_limit(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    loop = f"{ZAKEN}/rollen?page=1"
    route = mock_router.get(f"{ZAKEN}/rollen").respond(json=paginated([{}], next_url=loop))
    with pytest.raises(PermanentUpstreamError, match="more than 3 pages"):
        await zgw.list_all(f"{ZAKEN}/rollen", limit_pages=3)
    assert route.call_count == 3


# --- the expanded zaak ------------------------------------------------------------------------


async def test_expanded_zaak_in_one_request(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    route = mock_router.get(ZAAK).respond(json=expanded())
    with count_upstream_calls() as calls:
        result = await zgw.get_zaak_expanded(ZAAK)
        # what was expanded is now cached: the zaaktype costs no further request
        assert await zgw.get(ZAAKTYPE) == ZAAKTYPE_BODY
        assert await zgw.get(STATUSTYPE) == STATUSTYPE_BODY
    assert calls.total == 1
    assert route.calls.last.request.url.params["expand"] == "status.statustype,rollen,zaaktype"
    assert route.calls.last.request.headers["Accept-Crs"] == "EPSG:4326"
    assert result.zaak == zaak()
    assert result.status == STATUS_BODY
    assert result.statustype == STATUSTYPE_BODY
    assert result.rollen == [ROL_BODY]
    assert result.zaaktype == ZAAKTYPE_BODY


async def test_expanded_zaak_without_status_or_rollen(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    # Open Zaak leaves out what it has nothing for: no `status`, no `rollen` key.
    body = {**zaak(status=None), "_expand": {"zaaktype": ZAAKTYPE_BODY}}
    mock_router.get(ZAAK).respond(json=body)
    result = await zgw.get_zaak_expanded(ZAAK)
    assert (result.status, result.statustype, result.rollen) == (None, None, [])
    assert result.zaaktype == ZAAKTYPE_BODY


async def test_expansion_missing_an_external_zaaktype_is_fetched(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    body = {**zaak(), "_expand": {"status": STATUS_BODY, "rollen": [ROL_BODY]}}
    mock_router.get(ZAAK).respond(json=body)
    zaaktype_route = mock_router.get(ZAAKTYPE).respond(json=ZAAKTYPE_BODY)
    statustype_route = mock_router.get(STATUSTYPE).respond(json=STATUSTYPE_BODY)
    result = await zgw.get_zaak_expanded(ZAAK)
    assert (result.zaaktype, result.statustype) == (ZAAKTYPE_BODY, STATUSTYPE_BODY)
    assert zaaktype_route.call_count == statustype_route.call_count == 1


def mock_separate_resources(router: respx.MockRouter) -> dict[str, respx.Route]:
    return {
        "status": router.get(STATUS).respond(json=STATUS_BODY),
        "statustype": router.get(STATUSTYPE).respond(json=STATUSTYPE_BODY),
        "rollen": router.get(f"{ZAKEN}/rollen").respond(json=paginated([ROL_BODY])),
        "zaaktype": router.get(ZAAKTYPE).respond(json=ZAAKTYPE_BODY),
    }


async def test_fallback_when_expand_is_unsupported(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    zaak_route = mock_router.get(ZAAK).respond(json=zaak())  # no `_expand`: not supported
    zaak_2_route = mock_router.get(ZAAK_2).respond(json=zaak(ZAAK_2))
    routes = mock_separate_resources(mock_router)

    result = await zgw.get_zaak_expanded(ZAAK)

    assert zaak_route.call_count == 1  # the zaak from the expand attempt is used as is
    assert {name: route.call_count for name, route in routes.items()} == dict.fromkeys(routes, 1)
    assert dict(routes["rollen"].calls.last.request.url.params) == {"zaak": ZAAK}
    assert routes["rollen"].calls.last.request.headers["Accept-Crs"] == "EPSG:4326"
    assert result.zaak == zaak()
    assert result.status == STATUS_BODY
    assert result.statustype == STATUSTYPE_BODY
    assert result.rollen == [ROL_BODY]
    assert result.zaaktype == ZAAKTYPE_BODY

    # The next zaak on the same Open Zaak: no expand attempt, catalogi from the cache.
    with count_upstream_calls() as calls:
        second = await zgw.get_zaak_expanded(ZAAK_2)
    assert "expand" not in zaak_2_route.calls.last.request.url.params
    assert calls.by_service == {"zaken": 3}  # zaak, status, rollen
    assert dict(routes["rollen"].calls.last.request.url.params) == {"zaak": ZAAK_2}
    assert second.zaaktype == ZAAKTYPE_BODY


async def test_fallback_when_expand_is_refused(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    zaak_route = mock_router.get(ZAAK).mock(
        side_effect=[
            httpx.Response(400, json={"title": "Onbekende query parameters: expand"}),
            httpx.Response(200, json=zaak(status=None)),
        ]
    )
    mock_separate_resources(mock_router)
    result = await zgw.get_zaak_expanded(ZAAK)
    assert zaak_route.call_count == 2
    assert "expand" not in zaak_route.calls.last.request.url.params
    assert (result.status, result.rollen, result.zaaktype) == (None, [ROL_BODY], ZAAKTYPE_BODY)


async def test_expanded_zaak_url_is_guarded(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    with pytest.raises(OriginNotAllowed):
        await zgw.get_zaak_expanded(ZAAK.replace(OZ, "https://evil.example"))
    assert not mock_router.calls
