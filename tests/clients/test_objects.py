"""The Objects API client: create, find and read objects with the headers the API requires."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from app.clients.base import OriginGuard
from app.clients.objects import ObjectsClient
from tests.clients.conftest import OBJECTEN

OBJECTTYPE = (
    "https://objecttypen.gemeente.nl/api/v2/objecttypes/38327774-7023-4f25-9386-acb0c6f10636"
)
OBJECT = f"{OBJECTEN}/objects/0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
BODY = {
    "type": OBJECTTYPE,
    "record": {
        "typeVersion": 1,
        "data": {"onderwerp": "Besluit", "referentie": "https://openzaak.gemeente.nl/b/1"},
        "startAt": "2026-11-20",
    },
}


@pytest.fixture
def objects(http: httpx.AsyncClient, guard: OriginGuard) -> ObjectsClient:
    return ObjectsClient(http, OBJECTEN, "objects-token", guard)


async def test_create_object(objects: ObjectsClient, mock_router: respx.MockRouter) -> None:
    created = {"url": OBJECT, "uuid": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", **BODY}
    route = mock_router.post(f"{OBJECTEN}/objects").respond(201, json=created)
    assert await objects.create_object(BODY) == created
    request = route.calls.last.request
    assert json.loads(request.content) == BODY
    assert request.headers["Authorization"] == "Token objects-token"
    assert request.headers["Content-Crs"] == "EPSG:4326"
    assert request.headers["Accept-Crs"] == "EPSG:4326"
    assert request.headers["Content-Type"] == "application/json"


async def test_find_objects(objects: ObjectsClient, mock_router: respx.MockRouter) -> None:
    page_2 = f"{OBJECTEN}/objects?type={OBJECTTYPE}&data_attr=referentie__exact__x&page=2"
    route = mock_router.get(f"{OBJECTEN}/objects").mock(
        side_effect=[
            httpx.Response(200, json={"count": 2, "next": page_2, "results": [{"url": "o1"}]}),
            httpx.Response(200, json={"count": 2, "next": None, "results": [{"url": "o2"}]}),
        ]
    )
    found = await objects.find_objects(OBJECTTYPE, "referentie__exact__x")
    assert found == [{"url": "o1"}, {"url": "o2"}]
    first = route.calls[0].request
    assert dict(first.url.params) == {"type": OBJECTTYPE, "data_attr": "referentie__exact__x"}
    assert first.headers["Accept-Crs"] == "EPSG:4326"
    assert first.headers["Authorization"] == "Token objects-token"


async def test_get_object(objects: ObjectsClient, mock_router: respx.MockRouter) -> None:
    route = mock_router.get(OBJECT).respond(json={"url": OBJECT, "record": {"data": {}}})
    assert (await objects.get_object(OBJECT))["url"] == OBJECT
    assert route.calls.last.request.headers["Accept-Crs"] == "EPSG:4326"
