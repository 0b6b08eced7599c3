"""Client of the Objects API (Open Object, `Authorization: Token <key>`): portal messages, tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from app.clients.base import OriginGuard, TokenAuth
from app.clients.errors import expect_object
from app.clients.request import collect_pages, send_json

SERVICE = "objects"

# Objects API 2.x (objects-api 3.x/4.x spec): objects carry a geometry, so reading them takes
# `Accept-Crs` and writing them requires `Content-Crs` (the spec marks that one required).
_READ_HEADERS = {"Accept-Crs": "EPSG:4326"}
_WRITE_HEADERS = {"Accept-Crs": "EPSG:4326", "Content-Crs": "EPSG:4326"}


class ObjectsClient:
    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str, guard: OriginGuard):
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._auth = TokenAuth(token)
        self._guard = guard

    async def create_object(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /objects`; the answer (201) is the created object, including its `url`.

        Not retried here: a repeated POST would create a second portal message.
        """
        url = f"{self._base_url}/objects"
        self._guard.check(url)
        created = await send_json(
            self._http,
            "POST",
            url,
            service=SERVICE,
            auth=self._auth,
            headers=_WRITE_HEADERS,
            json_body=body,
        )
        return expect_object(created, SERVICE, url)

    async def find_objects(self, type_url: str, data_attr: str) -> list[dict[str, Any]]:
        """Objects of one objecttype matching a `data_attr` filter, e.g. `referentie__exact__x`."""
        url = f"{self._base_url}/objects"
        return await collect_pages(
            self._fetch,
            url,
            {"type": type_url, "data_attr": data_attr},
            guard=self._guard,
            service=SERVICE,
            limit_pages=20,
        )

    async def get_object(self, url: str) -> dict[str, Any]:
        self._guard.check(url)
        return expect_object(await self._fetch(url, None), SERVICE, url)

    async def _fetch(self, url: str, params: Mapping[str, str] | None) -> Any:
        return await send_json(
            self._http,
            "GET",
            url,
            service=SERVICE,
            auth=self._auth,
            headers=_READ_HEADERS,
            params=params,
        )
