"""Prometheus metrics and the ASGI middleware that counts requests.

Label values are bounded: routes are templates (never raw paths), kanalen outside the known
set are counted as `other`, so a caller cannot blow up the number of series.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("app.access")

KNOWN_KANALEN = frozenset(
    {
        "autorisaties",
        "besluiten",
        "besluittypen",
        "documenten",
        "informatieobjecttypen",
        "klanten",
        "contactmomenten",
        "objecten",
        "test",
        "zaaktypen",
        "zaken",
    }
)

HTTP_REQUESTS = Counter(
    "zgw_gateway_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "zgw_gateway_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
NOTIFICATIONS_RECEIVED = Counter(
    "zgw_gateway_notifications_received_total",
    "Authenticated, valid notifications received, by kanaal and outcome "
    "(accepted, duplicate, test).",
    ["kanaal", "outcome"],
)
DELIVERIES = Gauge(
    "zgw_gateway_deliveries",
    "Deliveries in the database by status (read from the database at scrape time).",
    ["status"],
)
DELIVERIES_FINISHED = Counter(
    "zgw_gateway_deliveries_finished_total",
    "Delivery attempts finished by this process, by resulting status and scenario.",
    ["status", "scenario"],
)


def kanaal_label(kanaal: str) -> str:
    return kanaal if kanaal in KNOWN_KANALEN else "other"


class MetricsMiddleware:
    """Counts and times every HTTP request; optionally writes an access log line."""

    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            elapsed = time.perf_counter() - start
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_DURATION.labels(method, template).observe(elapsed)
            if self.access_log:
                log.info(
                    "http_request",
                    method=method,
                    route=template,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )
