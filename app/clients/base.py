"""What every upstream client shares: the origin guard, call counting, metrics, the HTTP client.

Only `app/clients/` talks HTTP. Everything here is independent of any one API.
"""

from __future__ import annotations

import errno
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from prometheus_client import Counter, Histogram

from app.clients.errors import OriginNotAllowed

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str:
    """`scheme://host[:port]`, lowercased, without the scheme's default port.

    Parsed with httpx, the same parser that later sends the request, so that the guard and the
    connection cannot disagree about the host. Raises ValueError for anything that is not a
    plain absolute http(s) URL.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError("not a URL") from exc
    scheme = parsed.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parsed.host:
        raise ValueError("not an absolute http(s) URL")
    if parsed.userinfo:
        # httpx would turn user info into Basic auth: never legitimate for these APIs.
        raise ValueError("URL carries credentials")
    host = parsed.host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parsed.port
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class OriginGuard:
    """Refuses URLs outside the configured origins before anything is sent.

    URLs arrive in notifications and in upstream responses (`next` links, references between
    resources); following one to another host would hand that host the gateway's credentials.
    """

    def __init__(self, allowed_origins: Iterable[str]) -> None:
        self.allowed_origins = frozenset(origin_of(origin) for origin in allowed_origins)

    def allows(self, url: str) -> bool:
        try:
            return origin_of(url) in self.allowed_origins
        except ValueError:
            return False

    def check(self, url: str) -> None:
        if not self.allows(url):
            raise OriginNotAllowed(url)


# --- counting the upstream calls of one scenario run ------------------------------------------


@dataclass
class CallCount:
    total: int = 0
    by_service: dict[str, int] = field(default_factory=dict)

    def add(self, service: str) -> None:
        self.total += 1
        self.by_service[service] = self.by_service.get(service, 0) + 1


# A ContextVar, not a global: runs that share an event loop each see their own count, and tasks
# started inside a run inherit (a reference to) the run's count.
_active_count: ContextVar[CallCount | None] = ContextVar("upstream_call_count", default=None)


@contextmanager
def count_upstream_calls() -> Iterator[CallCount]:
    """Count every upstream request sent inside this block (in this task and its children)."""
    count = CallCount()
    token = _active_count.set(count)
    try:
        yield count
    finally:
        _active_count.reset(token)


UPSTREAM_REQUESTS = Counter(
    "zgw_gateway_upstream_requests_total",
    "Requests sent to upstream APIs, by service and outcome "
    "(ok, client_error, server_error, timeout, network_error).",
    ["service", "outcome"],
)
UPSTREAM_DURATION = Histogram(
    "zgw_gateway_upstream_request_duration_seconds",
    "Time from sending an upstream request to its answer or failure, by service.",
    ["service"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def note_upstream_call(service: str) -> None:
    """Count one request about to be sent in the active `count_upstream_calls` scope, if any."""
    count = _active_count.get()
    if count is not None:
        count.add(service)


def outcome_for_status(status: int) -> str:
    if status < 300:
        return "ok"
    # A redirect is not followed and ends as a permanent error: the gateway's configuration
    # (wrong base URL) is at fault, so it counts with the 4xx.
    return "server_error" if status >= 500 else "client_error"


def record_upstream_result(service: str, outcome: str, seconds: float) -> None:
    UPSTREAM_REQUESTS.labels(service, outcome).inc()
    UPSTREAM_DURATION.labels(service).observe(seconds)


# --- the shared HTTP client and the token auth ------------------------------------------------


HttpBackend = Literal["aiohttp", "httpcore"]


class _AiohttpTransport(AiohttpTransport):
    """httpx-aiohttp, with a refused or dropped connection reported as httpx reports it.

    httpx-aiohttp 0.2 maps every `aiohttp.ClientConnectionError` to `httpx.ConnectTimeout`, so
    "connection refused" would read as a timeout and a GET on a stale keep-alive connection
    would not be retried (`app/clients/request.py`).
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as error:
            cause = error.__cause__
            if isinstance(cause, aiohttp.ClientConnectorError) and not isinstance(
                cause, aiohttp.ServerTimeoutError
            ):
                raise httpx.ConnectError(_connect_failure(cause), request=request) from cause
            if isinstance(cause, aiohttp.ServerDisconnectedError):
                raise httpx.RemoteProtocolError(str(cause), request=request) from cause
            raise


def _connect_failure(error: aiohttp.ClientConnectorError) -> str:
    """aiohttp's message, saying so when the connection was refused.

    asyncio words a refused connection as "Connect call failed", which reads the same as an
    unreachable host; "refused" tells the operator that the host is up and nothing listens on
    that port (a wrong port in the endpoint, or the service is down).
    """
    if error.errno == errno.ECONNREFUSED:
        return f"connection refused ({error})"
    return str(error)


def build_http_client(
    *, timeout: float = 10.0, backend: HttpBackend = "aiohttp"
) -> httpx.AsyncClient:
    """The one HTTP client all httpx-based upstream clients share (one connection pool).

    Redirects are not followed: a redirect could lead off the allowed origins with credentials.
    `trust_env=False`: no proxy, netrc or CA settings picked up from the environment by surprise.

    `backend`: the connections are aiohttp's (`httpx-aiohttp`), which costs about half the CPU
    per request of httpx's own httpcore stack (bench/RESULTS.md, decision made); the API and
    the exceptions stay httpx's. "httpcore" is httpx's default stack, which respx can mock.
    """
    limits = httpx.Limits(max_connections=128, max_keepalive_connections=64, keepalive_expiry=30)
    transport = _AiohttpTransport(limits=limits, trust_env=False) if backend == "aiohttp" else None
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
        # Up to 64 concurrent deliveries, a few calls in flight each; keep-alive for the common
        # case of one Open Zaak host.
        limits=limits,
        transport=transport,
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": "zgw-gateway"},
    )


class TokenAuth(httpx.Auth):
    """`Authorization: Token <key>`: Open Klant 2, the Objects API and the Objecttypes API."""

    def __init__(self, token: str) -> None:
        self._header = f"Token {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request
