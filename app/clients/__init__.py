"""One client per external API, built once from the Settings and shared by all deliveries."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from app.clients.base import OriginGuard, build_http_client
from app.clients.notify import NotifyClient
from app.clients.objects import ObjectsClient
from app.clients.openklant import OpenKlant1Client, OpenKlant2Client
from app.clients.zgw import ExpandedZaak, ZgwClient, ZgwJwtAuth, zgw_auth_from_settings
from app.config import Settings

__all__ = [
    "ExpandedZaak",
    "NotifyClient",
    "ObjectsClient",
    "OpenKlant1Client",
    "OpenKlant2Client",
    "Upstreams",
    "ZgwClient",
    "ZgwJwtAuth",
    "build_upstreams",
]


@dataclass
class Upstreams:
    zgw: ZgwClient
    openklant: OpenKlant2Client | OpenKlant1Client | None
    objects: ObjectsClient | None
    notify: NotifyClient | None
    http: httpx.AsyncClient
    # False when the caller passed in its own HTTP client: closing it is the caller's job.
    owns_http: bool = field(default=True, repr=False)

    async def aclose(self) -> None:
        if self.owns_http:
            await self.http.aclose()


def build_upstreams(settings: Settings, http: httpx.AsyncClient | None = None) -> Upstreams:
    """Clients for every configured API; an API without endpoint or credentials is None.

    Every upstream request is bounded by GATEWAY_UPSTREAM_TIMEOUT (a caller's own `http`
    client keeps its own timeout; Notify's always gets the setting).
    """
    owns_http = http is None
    timeout = settings.gateway_upstream_timeout.total_seconds()
    http = http if http is not None else build_http_client(timeout=timeout)
    guard = OriginGuard(settings.endpoint_origins())
    zgw_auth = zgw_auth_from_settings(settings)
    return Upstreams(
        # Without ZGW credentials requests go out unauthenticated and Open Zaak answers 403,
        # which the delivery trace shows; check-config reports the missing variables.
        zgw=ZgwClient(http, zgw_auth, guard),
        openklant=_openklant(settings, http, guard, zgw_auth),
        objects=_objects(settings, http, guard),
        notify=_notify(settings, timeout),
        http=http,
        owns_http=owns_http,
    )


def _openklant(
    settings: Settings, http: httpx.AsyncClient, guard: OriginGuard, zgw_auth: ZgwJwtAuth | None
) -> OpenKlant2Client | OpenKlant1Client | None:
    endpoint = settings.zgw_endpoint_openklant
    if endpoint is None:
        return None
    if settings.omc_feature_workflow_version == 1:
        # The Klanten API 1.0 is a ZGW API: same JWT as Open Zaak.
        return OpenKlant1Client(http, endpoint, zgw_auth, guard)
    token = settings.zgw_auth_key_openklant
    if token is None:
        return None
    return OpenKlant2Client(http, endpoint, token.get_secret_value(), guard)


def _objects(
    settings: Settings, http: httpx.AsyncClient, guard: OriginGuard
) -> ObjectsClient | None:
    endpoint, token = settings.zgw_endpoint_objecten, settings.zgw_auth_key_objecten
    if endpoint is None or token is None:
        return None
    return ObjectsClient(http, endpoint, token.get_secret_value(), guard)


def _notify(settings: Settings, timeout: float) -> NotifyClient | None:
    key, base_url = settings.notify_api_key, settings.notify_api_baseurl
    if key is None or not base_url:
        return None
    return NotifyClient(key.get_secret_value(), base_url, timeout=timeout)
