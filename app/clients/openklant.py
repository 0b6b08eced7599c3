"""Clients of Open Klant: Klantinteracties API (Open Klant 2) and Klanten API 1.0 (Open Klant 1).

A lookup by BSN carries the BSN in the query string. It never reaches an error message or a log
line: errors keep the URL without its query (`errors.strip_query`), problem details are scrubbed
of BSN-shaped numbers, and httpx's own URL logging is held at WARNING (`app/logs.py`).
"""

from __future__ import annotations

from typing import Any

import httpx

from app.clients.base import OriginGuard, TokenAuth
from app.clients.errors import PermanentUpstreamError, expect_object
from app.clients.request import send_json

SERVICE = "openklant"


def _first_result(body: Any, url: str) -> dict[str, Any] | None:
    results = body.get("results") if isinstance(body, dict) else body
    if not isinstance(results, list):
        raise PermanentUpstreamError(SERVICE, url, "unexpected response (not a list)", status=200)
    first = results[0] if results else None
    return first if isinstance(first, dict) else None


class OpenKlant2Client:
    """Partijen and their digitale adressen (`Authorization: Token <key>`)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, token: str, guard: OriginGuard):
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._auth = TokenAuth(token)
        self._guard = guard

    async def find_partij_by_bsn(self, bsn: str) -> dict[str, Any] | None:
        """The partij with this BSN as partijIdentificator, with its digitale adressen."""
        url = f"{self._base_url}/partijen"
        params = {
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__objectId": bsn,
            "expand": "digitaleAdressen",
        }
        return _first_result(await self._get(url, params), url)

    async def get_partij(self, url: str) -> dict[str, Any]:
        """A partij by URL (a rol's `betrokkene`), with its digitale adressen."""
        return expect_object(await self._get(url, {"expand": "digitaleAdressen"}), SERVICE, url)

    async def _get(self, url: str, params: dict[str, str]) -> Any:
        self._guard.check(url)
        return await send_json(
            self._http, "GET", url, service=SERVICE, auth=self._auth, params=params
        )


class OpenKlant1Client:
    """Klanten API 1.0 (ZGW JWT auth), for `OMC_FEATURE_WORKFLOW_VERSION=1`."""

    def __init__(
        self, http: httpx.AsyncClient, base_url: str, auth: httpx.Auth | None, guard: OriginGuard
    ):
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._auth = auth
        self._guard = guard

    async def find_klant_by_bsn(self, bsn: str) -> dict[str, Any] | None:
        url = f"{self._base_url}/klanten"
        self._guard.check(url)
        body = await send_json(
            self._http,
            "GET",
            url,
            service=SERVICE,
            auth=self._auth,
            params={"subjectNatuurlijkPersoon__inpBsn": bsn},
        )
        return _first_result(body, url)
