"""The one request helper of the httpx-based clients: send, count, time, map errors.

Retry policy (STYLE habit 7): a GET is retried once, immediately, when the connection failed
(nothing reached the server, or a pooled keep-alive connection turned out to be closed). Nothing
else is retried here: 5xx, 429 and timeouts go back to the outbox as transient errors, which
waits (honouring Retry-After) before the whole delivery runs again. A POST is never repeated
here, because it may have gone through.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import structlog

from app.clients.base import (
    OriginGuard,
    note_upstream_call,
    outcome_for_status,
    record_upstream_result,
)
from app.clients.errors import (
    PermanentUpstreamError,
    TransientUpstreamError,
    strip_query,
)
from app.clients.responses import parse_retry_after, summarise_problem

log = structlog.get_logger("app.clients")

JSON_ACCEPT = {"Accept": "application/json"}

# Errors that mean the request never reached the application, so repeating a GET is safe.
_CONNECTION_ERRORS = (httpx.ConnectError, httpx.RemoteProtocolError)
_TRANSIENT_STATUSES = frozenset({408, 429})


async def send_json(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    service: str,
    auth: httpx.Auth | None,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    json_body: Any = None,
) -> Any:
    """Send one request and return the decoded JSON body of a 2xx answer (None for 204).

    The caller has already checked `url` against the origin guard.
    """
    attempts = 2 if method == "GET" else 1
    all_headers = {**JSON_ACCEPT, **(headers or {})}
    for attempt in range(1, attempts + 1):
        note_upstream_call(service)
        started = time.perf_counter()
        try:
            response = await http.request(
                method, url, params=params, json=json_body, headers=all_headers, auth=auth
            )
        except httpx.TimeoutException as exc:
            record_upstream_result(service, "timeout", time.perf_counter() - started)
            # `from None`: httpx exceptions hold the request, whose URL may carry a BSN.
            raise TransientUpstreamError(service, url, _describe(exc)) from None
        except httpx.TransportError as exc:
            record_upstream_result(service, "network_error", time.perf_counter() - started)
            if isinstance(exc, _CONNECTION_ERRORS) and attempt < attempts:
                log.info(
                    "upstream_retry", service=service, url=strip_query(url), error=_describe(exc)
                )
                continue
            raise TransientUpstreamError(service, url, _describe(exc)) from None
        elapsed = time.perf_counter() - started
        record_upstream_result(service, outcome_for_status(response.status_code), elapsed)
        return _decode(response, service, url)
    raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover


def _describe(exc: Exception) -> str:
    # The class name says what happened; httpx messages do not include the URL.
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _decode(response: httpx.Response, service: str, url: str) -> Any:
    status = response.status_code
    if status == 204:  # No Content (a DELETE): nothing to decode
        return None
    if 200 <= status < 300:
        try:
            return response.json()
        except ValueError:
            raise PermanentUpstreamError(
                service, url, "unexpected response (not JSON)", status=status
            ) from None
    if status < 400:
        raise PermanentUpstreamError(
            service, url, "unexpected redirect (redirects are not followed)", status=status
        )
    detail = _error_detail(response)
    if status in _TRANSIENT_STATUSES or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise TransientUpstreamError(service, url, detail, status=status, retry_after=retry_after)
    raise PermanentUpstreamError(service, url, detail, status=status)


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    return summarise_problem(body) or response.reason_phrase or "error"


# --- pagination ---------------------------------------------------------------------------


async def collect_pages(
    fetch: Callable[[str, Mapping[str, str] | None], Awaitable[Any]],
    url: str,
    params: Mapping[str, str] | None,
    *,
    guard: OriginGuard,
    service: str,
    limit_pages: int,
) -> list[dict[str, Any]]:
    """All `results` of a paginated list (`{count, next, previous, results}`).

    Also accepts a plain JSON array: some ZGW list endpoints (e.g. besluitinformatieobjecten)
    are not paginated. Every `next` link is checked against the guard before it is followed.
    Stops with a permanent error after `limit_pages` pages instead of returning a partial list
    (a decision on half the rollen would be wrong) or looping on a `next` that never ends.
    """
    results: list[dict[str, Any]] = []
    page_url: str | None = url
    page_params = params
    for _ in range(limit_pages):
        assert page_url is not None
        guard.check(page_url)
        body = await fetch(page_url, page_params)
        if isinstance(body, list):
            return results + [item for item in body if isinstance(item, dict)]
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            raise PermanentUpstreamError(
                service, page_url, "unexpected response (not a list)", status=200
            )
        results.extend(item for item in body["results"] if isinstance(item, dict))
        next_url = body.get("next")
        if not next_url:
            return results
        # The next link carries the query (filters and page) itself.
        page_url, page_params = str(next_url), None
    raise PermanentUpstreamError(
        service, url, f"list has more than {limit_pages} pages; not read", status=200
    )
