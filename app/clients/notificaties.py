"""Client of the Notificaties API 1.0 (Open Notificaties): kanalen and abonnementen.

Authenticates with the same ZGW JWT as Open Zaak. Open Notificaties answers the lists as plain
arrays (not paginated); `collect_pages` reads both shapes. Abonnement URLs come back from the
server and pass the origin guard before they are updated or deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from app.clients.base import OriginGuard
from app.clients.errors import expect_object
from app.clients.request import collect_pages, send_json

SERVICE = "notificaties"


class NotificatiesClient:
    def __init__(
        self, http: httpx.AsyncClient, base_url: str, auth: httpx.Auth | None, guard: OriginGuard
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._auth = auth
        self._guard = guard

    async def list_kanalen(self) -> list[dict[str, Any]]:
        return await self._list(f"{self._base_url}/kanaal")

    async def list_abonnementen(self) -> list[dict[str, Any]]:
        return await self._list(f"{self._base_url}/abonnement")

    async def create_abonnement(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /abonnement`. Open Notificaties tests the callback URL before it answers."""
        return await self._write("POST", f"{self._base_url}/abonnement", body)

    async def update_abonnement(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        """`PUT` of a whole abonnement (the callback URL is tested again)."""
        return await self._write("PUT", url, body)

    async def delete_abonnement(self, url: str) -> None:
        self._guard.check(url)
        await send_json(self._http, "DELETE", url, service=SERVICE, auth=self._auth)

    async def _list(self, url: str) -> list[dict[str, Any]]:
        return await collect_pages(
            self._fetch, url, None, guard=self._guard, service=SERVICE, limit_pages=20
        )

    async def _write(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        self._guard.check(url)
        answer = await send_json(
            self._http, method, url, service=SERVICE, auth=self._auth, json_body=body
        )
        return expect_object(answer, SERVICE, url)

    async def _fetch(self, url: str, params: Mapping[str, str] | None) -> Any:
        return await send_json(
            self._http, "GET", url, service=SERVICE, auth=self._auth, params=params
        )
