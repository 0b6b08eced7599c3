"""The gateway's abonnement in Open Notificaties: `zgw-gateway subscribe` and `unsubscribe`.

One abonnement per callback URL: subscribing again updates the existing one (PUT) instead of
adding a second, which would deliver every notification twice. It names exactly the kanalen the
scenarios need, with empty filters: Open Notificaties filters only on a notification's
`kenmerken` (it has no filter on resource or actie), and the gateway's own checks (zaaktype and
document type whitelists) are not kenmerken of the kanaal.

Open Notificaties tests the callback URL before it stores the abonnement: a test notification
without `Authorization` must be refused (401/403), the same one with the abonnement's `auth`
must be accepted (2xx). The gateway's webhook answers 403 and 204 to those, so the test passes
when the URL reaches this gateway and `auth` is one of its `GATEWAY_NOTIFICATION_AUTH` values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from app.clients.base import OriginGuard, build_http_client, origin_of
from app.clients.errors import OriginNotAllowed, UpstreamError
from app.clients.notificaties import NotificatiesClient
from app.clients.zgw import zgw_auth_from_settings
from app.config import Settings
from app.scenarios import scenario_kanalen

T = TypeVar("T")

# Open Notificaties waits for two callback tests before it answers a create or update.
TIMEOUT_SECONDS = 30.0
CALLBACK_URL_MAX_LENGTH = 200  # Abonnement.callbackUrl in the Notificaties API


class SubscriptionError(Exception):
    """What went wrong, in one line for the operator; never a secret."""


@dataclass(frozen=True)
class SubscribeResult:
    abonnement_url: str
    callback_url: str
    kanalen: list[str]
    created: bool  # False: an existing abonnement with this callback URL was updated
    # Other abonnementen with the same callback URL, found and left alone.
    duplicates: list[str] = field(default_factory=list)

    @property
    def callback_test(self) -> str:
        return (
            "passed: Open Notificaties' test notification to the callback URL was refused "
            "without credentials and accepted with the abonnement's auth"
        )


@dataclass(frozen=True)
class UnsubscribeResult:
    callback_url: str
    deleted: list[str]


async def subscribe(settings: Settings, callback_url: str) -> SubscribeResult:
    """Create or update the abonnement for `callback_url`; SubscriptionError on any failure."""
    _check_callback_url(callback_url)
    if not settings.gateway_notification_auth:
        raise SubscriptionError(
            "GATEWAY_NOTIFICATION_AUTH is empty: its first value is the abonnement's auth, the "
            "Authorization header Open Notificaties sends to the gateway"
        )
    auth = settings.gateway_notification_auth[0].get_secret_value()
    kanalen = scenario_kanalen()
    body = {
        "callbackUrl": callback_url,
        "auth": auth,
        "kanalen": [{"naam": naam, "filters": {}} for naam in kanalen],
    }
    async with _Session(settings) as notificaties:
        known = {k.get("naam") for k in await notificaties.call(notificaties.client.list_kanalen)}
        missing = [naam for naam in kanalen if naam not in known]
        if missing:
            raise SubscriptionError(
                f"Open Notificaties has no kanaal {', '.join(missing)}; the publisher registers "
                "it (Open Zaak: `register_kanalen`). Nothing was subscribed."
            )
        existing = await notificaties.matching(callback_url)
        try:
            if existing:
                saved = await notificaties.client.update_abonnement(existing[0], body)
            else:
                saved = await notificaties.client.create_abonnement(body)
        except (UpstreamError, OriginNotAllowed) as error:
            raise _write_failure(error, callback_url, settings) from None
    url = saved.get("url")
    groups = saved.get("kanalen")
    if isinstance(groups, list):  # as Open Notificaties stored them
        kanalen = [str(g["naam"]) for g in groups if isinstance(g, dict) and "naam" in g]
    return SubscribeResult(
        abonnement_url=str(url) if url else (existing[0] if existing else "(not returned)"),
        callback_url=callback_url,
        kanalen=kanalen,
        created=not existing,
        duplicates=existing[1:],
    )


async def unsubscribe(settings: Settings, callback_url: str) -> UnsubscribeResult:
    """Delete every abonnement with `callback_url`; none found is not an error."""
    _check_callback_url(callback_url)
    async with _Session(settings) as notificaties:
        found = await notificaties.matching(callback_url)
        for url in found:
            await notificaties.call(partial(notificaties.client.delete_abonnement, url))
    return UnsubscribeResult(callback_url=callback_url, deleted=found)


def _check_callback_url(callback_url: str) -> None:
    try:
        origin_of(callback_url)
    except ValueError:
        raise SubscriptionError(
            "the callback URL must be an absolute http(s) URL without credentials, e.g. "
            "https://gateway.gemeente.nl/api/v1/notifications"
        ) from None
    if len(callback_url) > CALLBACK_URL_MAX_LENGTH:
        raise SubscriptionError(
            f"the callback URL is longer than {CALLBACK_URL_MAX_LENGTH} characters, the most "
            "Open Notificaties stores"
        )


class _Session:
    """The Notificaties client for one command, with the failures turned into plain words."""

    def __init__(self, settings: Settings) -> None:
        endpoint = settings.zgw_endpoint_opennotificaties
        if not endpoint:
            raise SubscriptionError(
                "ZGW_ENDPOINT_OPENNOTIFICATIES is not set: the base URL of the Notificaties API, "
                "e.g. https://opennotificaties.gemeente.nl/api/v1"
            )
        auth = zgw_auth_from_settings(settings)
        if auth is None:
            raise SubscriptionError(
                "ZGW_AUTH_JWT_ISSUER and ZGW_AUTH_JWT_SECRET must be set: the gateway's ZGW "
                "client in Open Notificaties (scope notificaties.consumeren)"
            )
        self.endpoint = str(endpoint)
        self.http = build_http_client(timeout=TIMEOUT_SECONDS)
        guard = OriginGuard(settings.endpoint_origins())
        self.client = NotificatiesClient(self.http, self.endpoint, auth, guard)

    async def __aenter__(self) -> _Session:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.http.aclose()

    async def call(self, request: Callable[[], Awaitable[T]]) -> T:
        try:
            return await request()
        except (UpstreamError, OriginNotAllowed) as error:
            raise _failure(error, self.endpoint) from None

    async def matching(self, callback_url: str) -> list[str]:
        """URLs of the abonnementen with exactly this callback URL, in the server's order."""
        abonnementen: list[dict[str, Any]] = await self.call(self.client.list_abonnementen)
        return [
            str(a["url"])
            for a in abonnementen
            if a.get("callbackUrl") == callback_url and isinstance(a.get("url"), str)
        ]


def _failure(error: UpstreamError | OriginNotAllowed, endpoint: str) -> SubscriptionError:
    if isinstance(error, OriginNotAllowed):
        return SubscriptionError(
            f"Open Notificaties answered with {error.url}, which is not on the origin of "
            "ZGW_ENDPOINT_OPENNOTIFICATIES; add its origin to GATEWAY_ALLOWED_ORIGINS if it is "
            "the same server"
        )
    status = getattr(error, "status", None)
    if status is None:
        return SubscriptionError(
            f"Open Notificaties at {endpoint} could not be reached: {error.detail}"
        )
    if status in (401, 403):
        return SubscriptionError(
            f"Open Notificaties refused the gateway's credentials (HTTP {status}: {error.detail}); "
            "check ZGW_AUTH_JWT_ISSUER and ZGW_AUTH_JWT_SECRET, and that this client has the "
            "scope notificaties.consumeren"
        )
    return SubscriptionError(
        f"Open Notificaties answered HTTP {status} to {error.url}: {error.detail}"
    )


def _write_failure(
    error: UpstreamError | OriginNotAllowed, callback_url: str, settings: Settings
) -> SubscriptionError:
    """A refused create or update, most often the callback test: say which half failed."""
    detail = error.detail if isinstance(error, UpstreamError) else ""
    status = getattr(error, "status", None)
    if status == 400 and "invalid-callback-url" in detail:
        return SubscriptionError(
            "Open Notificaties' callback test failed: it POSTed a test notification "
            f"(kanaal 'test') to {callback_url} with the first value of "
            "GATEWAY_NOTIFICATION_AUTH as Authorization and did not get a 2xx answer. Check that "
            "the URL reaches this gateway's webhook from Open Notificaties, and that the gateway "
            "there accepts this value. Nothing was saved."
        )
    if status == 400 and "no-auth-on-callback-url" in detail:
        return SubscriptionError(
            f"Open Notificaties' callback test failed: {callback_url} accepted a test "
            "notification without Authorization (it must answer 401 or 403), so it is not the "
            "gateway's webhook. Nothing was saved."
        )
    if status is not None and status >= 500:
        return SubscriptionError(
            f"Open Notificaties answered HTTP {status} while saving the abonnement ({detail}). "
            f"It does so when it cannot reach the callback URL at all: check that {callback_url} "
            "is reachable from Open Notificaties."
        )
    return _failure(error, str(settings.zgw_endpoint_opennotificaties))
