"""Client of the ZGW APIs of Open Zaak: Zaken, Catalogi, Besluiten, Documenten.

Resources are fetched by the full URL found in the notification or in an earlier response, so
every URL passes the origin guard first. Catalogi resources do not change once published and
are read by every delivery of a zaaktype: they are cached.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
import structlog

from app.clients.base import OriginGuard, origin_of
from app.clients.cache import SingleFlightCache
from app.clients.errors import PermanentUpstreamError, expect_object, strip_query
from app.clients.request import collect_pages, send_json
from app.config import Settings

log = structlog.get_logger("app.clients")

# Open Zaak 1.30 nests the statustype inside the expanded status: `_expand.status._expand`.
ZAAK_EXPANSIONS = "status.statustype,rollen,zaaktype"

_SERVICE_BY_PATH = (
    ("/zaken/api/", "zaken"),
    ("/catalogi/api/", "catalogi"),
    ("/besluiten/api/", "besluiten"),
    ("/documenten/api/", "documenten"),
)
_ZAAK_URL = re.compile(r"^(?P<base>.+/zaken/api/v\d+)/zaken/[^/]+/?$")


def zgw_service(url: str) -> str:
    """Bounded label for counting and metrics, from the API's base path."""
    path = urlsplit(url).path
    return next((name for marker, name in _SERVICE_BY_PATH if marker in path), "zgw")


def _is_catalogi(url: str) -> bool:
    return "/catalogi/api/" in urlsplit(url).path


def _headers_for(url: str) -> dict[str, str]:
    # The spec marks Accept-Crs optional, but Open Zaak answers 412 without it on the zaken
    # resources (vng-api-common's GeoMixin: they carry a geometry); other resources ignore it.
    if "/zaken/api/" in urlsplit(url).path:
        return {"Accept-Crs": "EPSG:4326"}
    return {}


class ZgwJwtAuth(httpx.Auth):
    """A fresh HS256 JWT per request, as Open Zaak expects (no leeway on `iat` by default)."""

    def __init__(
        self,
        client_id: str,
        secret: str,
        user_id: str | None,
        user_representation: str | None,
    ) -> None:
        self._client_id = client_id
        self._secret = secret
        self._user_id = user_id or client_id
        self._user_representation = user_representation or "zgw-gateway"

    def token(self) -> str:
        claims = {
            "iss": self._client_id,
            "iat": int(time.time()),
            "client_id": self._client_id,
            "user_id": self._user_id,
            "user_representation": self._user_representation,
        }
        return jwt.encode(claims, self._secret, algorithm="HS256", headers={"typ": "JWT"})

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request


def zgw_auth_from_settings(settings: Settings) -> ZgwJwtAuth | None:
    secret, client_id = settings.zgw_auth_jwt_secret, settings.zgw_auth_jwt_issuer
    if secret is None or not client_id:
        return None
    return ZgwJwtAuth(
        client_id,
        secret.get_secret_value(),
        settings.zgw_auth_jwt_userid,
        settings.zgw_auth_jwt_username,
    )


@dataclass
class ExpandedZaak:
    zaak: dict[str, Any]
    status: dict[str, Any] | None
    statustype: dict[str, Any] | None
    rollen: list[dict[str, Any]]
    zaaktype: dict[str, Any]


class ZgwClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        auth: httpx.Auth | None,
        guard: OriginGuard,
        *,
        cache_ttl_seconds: float = 3600,
        cache_size: int = 2048,
        cache_timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._auth = auth
        self._guard = guard
        self._catalogi = SingleFlightCache(
            maxsize=cache_size, ttl=cache_ttl_seconds, timer=cache_timer
        )
        # Origins whose Zaken API answered without `_expand`: later zaken go straight to the
        # separate requests instead of wasting a call on the expand attempt.
        self._expand_unsupported: set[str] = set()

    async def get(self, url: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        self._guard.check(url)
        if not params and _is_catalogi(url):
            return await self._catalogi.get_or_load(url, lambda: self._get_resource(url, None))
        return await self._get_resource(url, params)

    async def get_cached(self, url: str) -> dict[str, Any]:
        self._guard.check(url)
        return await self._catalogi.get_or_load(url, lambda: self._get_resource(url, None))

    async def list_all(
        self, url: str, params: Mapping[str, str] | None = None, *, limit_pages: int = 20
    ) -> list[dict[str, Any]]:
        return await collect_pages(
            self._fetch,
            url,
            params,
            guard=self._guard,
            service=zgw_service(url),
            limit_pages=limit_pages,
        )

    async def get_zaak_expanded(self, zaak_url: str) -> ExpandedZaak:
        """The zaak with its latest status, that status's statustype, its rollen and zaaktype.

        One request where the server supports `expand` (Open Zaak 1.30 does), four otherwise.
        """
        self._guard.check(zaak_url)
        origin = origin_of(zaak_url)
        if origin in self._expand_unsupported:
            return await self._expand_by_requests(zaak_url, await self.get(zaak_url))
        try:
            zaak = await self.get(zaak_url, {"expand": ZAAK_EXPANSIONS})
        except PermanentUpstreamError as error:
            if error.status != 400:
                raise
            # A server that validates query parameters refuses an `expand` it does not know.
            zaak = None
        if zaak is not None and isinstance(zaak.get("_expand"), dict):
            return await self._from_expansions(zaak_url, zaak, zaak["_expand"])
        # Open Zaak leaves `_expand` out only when it has nothing at all to include, which
        # cannot happen here (every zaak has a zaaktype), so its absence means no support.
        self._expand_unsupported.add(origin)
        log.info("zgw_expand_unsupported", origin=origin)
        if zaak is None:
            zaak = await self.get(zaak_url)
        return await self._expand_by_requests(zaak_url, zaak)

    async def _from_expansions(
        self, zaak_url: str, zaak: dict[str, Any], expansions: dict[str, Any]
    ) -> ExpandedZaak:
        # Open Zaak omits a key when there is nothing to include (no status, no rollen) and
        # when it could not fetch an external resource: fetch what is missing but referenced.
        zaaktype = expansions.get("zaaktype")
        if isinstance(zaaktype, dict) and isinstance(zaak.get("zaaktype"), str):
            self._catalogi.put(zaak["zaaktype"], zaaktype)
        else:
            zaaktype = await self.get_cached(_required_url(zaak, "zaaktype", zaak_url))
        status: dict[str, Any] | None = None
        statustype: dict[str, Any] | None = None
        if zaak.get("status"):
            expanded_status = expansions.get("status")
            if isinstance(expanded_status, dict):
                status = _without_expansions(expanded_status)
                statustype = (expanded_status.get("_expand") or {}).get("statustype")
            else:
                status = await self.get(zaak["status"])
            if isinstance(statustype, dict) and isinstance(status.get("statustype"), str):
                self._catalogi.put(status["statustype"], statustype)
            else:
                statustype = await self.get_cached(_required_url(status, "statustype", zaak_url))
        rollen = expansions.get("rollen") or []
        return ExpandedZaak(
            zaak=_without_expansions(zaak),
            status=status,
            statustype=statustype,
            rollen=[rol for rol in rollen if isinstance(rol, dict)],
            zaaktype=zaaktype,
        )

    async def _expand_by_requests(self, zaak_url: str, zaak: dict[str, Any]) -> ExpandedZaak:
        status = await self.get(zaak["status"]) if zaak.get("status") else None
        statustype = (
            await self.get_cached(_required_url(status, "statustype", zaak_url))
            if status is not None
            else None
        )
        rollen = await self.list_all(
            f"{_zaken_base(zaak_url)}/rollen", {"zaak": zaak.get("url") or zaak_url}
        )
        zaaktype = await self.get_cached(_required_url(zaak, "zaaktype", zaak_url))
        return ExpandedZaak(
            zaak=zaak, status=status, statustype=statustype, rollen=rollen, zaaktype=zaaktype
        )

    async def _get_resource(self, url: str, params: Mapping[str, str] | None) -> dict[str, Any]:
        return expect_object(await self._fetch(url, params), zgw_service(url), url)

    async def _fetch(self, url: str, params: Mapping[str, str] | None) -> Any:
        return await send_json(
            self._http,
            "GET",
            url,
            service=zgw_service(url),
            auth=self._auth,
            headers=_headers_for(url),
            params=params,
        )


def _zaken_base(zaak_url: str) -> str:
    """`.../zaken/api/v1/zaken/<uuid>` -> `.../zaken/api/v1`."""
    match = _ZAAK_URL.match(strip_query(zaak_url))
    if match is None:
        raise PermanentUpstreamError(
            "zaken",
            zaak_url,
            "not a Zaken API zaak URL (.../zaken/api/v1/zaken/<uuid>)",
            status=200,
        )
    return match["base"]


def _required_url(resource: dict[str, Any], key: str, context_url: str) -> str:
    value = resource.get(key)
    if not isinstance(value, str) or not value:
        raise PermanentUpstreamError(
            zgw_service(context_url), context_url, f"response has no {key} URL", status=200
        )
    return value


def _without_expansions(resource: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if key != "_expand"}
