"""Client of Notify NL (a GOV.UK Notify deployment), through the official python client.

The official client signs its own JWT per request (`{iss: service id, iat}`), which Notify
checks against a 30 s clock window; it is synchronous (requests), so each call runs in a worker
thread. Its `requests.Session` is not thread-safe, hence one client per thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import requests
from notifications_python_client.errors import APIError, HTTP503Error, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from app.clients.base import note_upstream_call, outcome_for_status, record_upstream_result
from app.clients.errors import (
    PermanentUpstreamError,
    TransientUpstreamError,
    UpstreamError,
    expect_object,
)
from app.clients.responses import parse_retry_after, summarise_notify_errors

SERVICE = "notify"


class NotifyClient:
    def __init__(self, api_key: str, base_url: str, *, timeout: float = 10.0) -> None:
        self._api_key = api_key
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._per_thread = threading.local()
        self._client()  # fails now, not at the first message, on a malformed key

    async def send_email(
        self,
        *,
        email_address: str,
        template_id: str,
        personalisation: dict[str, str],
        reference: str,
    ) -> dict[str, Any]:
        return await self._call(
            "/v2/notifications/email",
            "send_email_notification",
            email_address=email_address,
            template_id=template_id,
            personalisation=personalisation,
            reference=reference,
        )

    async def send_sms(
        self,
        *,
        phone_number: str,
        template_id: str,
        personalisation: dict[str, str],
        reference: str,
    ) -> dict[str, Any]:
        return await self._call(
            "/v2/notifications/sms",
            "send_sms_notification",
            phone_number=phone_number,
            template_id=template_id,
            personalisation=personalisation,
            reference=reference,
        )

    async def preview(self, *, template_id: str, personalisation: dict[str, str]) -> dict[str, Any]:
        """The rendered template (`POST /v2/template/{id}/preview`): subject, body, version."""
        return await self._call(
            f"/v2/template/{template_id}/preview",
            "post_template_preview",
            template_id=template_id,
            personalisation=personalisation,
        )

    async def find_by_reference(self, reference: str) -> dict[str, Any] | None:
        """The notification sent with this reference (the gateway's action id), if any.

        Lets a retry find out whether an earlier attempt went through before sending again.
        """
        found = await self._call("/v2/notifications", "get_all_notifications", reference=reference)
        notifications = found.get("notifications") or []
        first = notifications[0] if notifications else None
        return first if isinstance(first, dict) else None

    def _client(self) -> Any:
        client = getattr(self._per_thread, "client", None)
        if client is None:
            # The python client has no type annotations.
            client = _BasePathClient(  # type: ignore[no-untyped-call]
                self._api_key, base_url=self._base_url + "/", timeout=self._timeout
            )
            # Like the httpx client (`build_http_client`): no proxy, netrc or CA bundle picked
            # up from the environment by surprise.
            client.request_session.trust_env = False
            self._per_thread.client = client
        return client

    async def _call(self, path: str, method: str, **arguments: Any) -> dict[str, Any]:
        url = f"{self._base_url}{path}"
        # Counted here, in the caller's context: the worker thread gets a copy of it, and the
        # count must land in the scenario run that asked for the call.
        note_upstream_call(SERVICE)
        started = time.perf_counter()
        try:
            result = await asyncio.to_thread(lambda: getattr(self._client(), method)(**arguments))
        except APIError as exc:
            outcome, error = _map_error(exc, url)
            record_upstream_result(SERVICE, outcome, time.perf_counter() - started)
            raise error from None
        record_upstream_result(SERVICE, "ok", time.perf_counter() - started)
        return expect_object(result, SERVICE, url)


class _BasePathClient(NotificationsAPIClient):
    """The python client resolves `/v2/...` against the host root (`urljoin`), dropping any
    path in the base URL; relative paths keep it, so Notify can sit behind a path prefix (the
    embedded sandbox serves it under `/sandbox`)."""

    def _create_request_objects(self, url: str, data: Any, params: Any) -> Any:
        return super()._create_request_objects(  # type: ignore[no-untyped-call]
            url.lstrip("/"), data, params
        )


def _map_error(exc: APIError, url: str) -> tuple[str, UpstreamError]:
    """The metric outcome and the typed error for a failure of the python client."""
    response: requests.Response | None = exc.response
    if isinstance(exc, InvalidResponse):
        status = response.status_code if response is not None else 200
        return "ok", PermanentUpstreamError(
            SERVICE, url, "unexpected response (not JSON)", status=status
        )
    if response is None:
        # The client reports a request that got no answer as 503 "Request failed".
        cause = exc.__cause__
        outcome = "timeout" if isinstance(cause, requests.Timeout) else "network_error"
        detail = f"request failed ({type(cause).__name__})" if cause else "request failed"
        if cause is not None and _refused(cause):
            detail = f"request failed ({type(cause).__name__}: connection refused)"
        return outcome, TransientUpstreamError(SERVICE, url, detail)
    status = response.status_code
    detail = summarise_notify_errors(exc.message) or response.reason or "error"
    if isinstance(exc, HTTP503Error) or status in (408, 429) or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return outcome_for_status(status), TransientUpstreamError(
            SERVICE, url, detail, status=status, retry_after=retry_after
        )
    return outcome_for_status(status), PermanentUpstreamError(SERVICE, url, detail, status=status)


def _refused(error: BaseException) -> bool:
    """Whether a failed request was a refused connection (somewhere down requests' chain).

    requests wraps urllib3's MaxRetryError, whose `reason` wraps the socket's error; their
    messages carry the URL, so only the type is looked at.
    """
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ConnectionRefusedError):
            return True
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += list(current.args)
        pending += [e for e in linked if isinstance(e, BaseException)]
    return False
