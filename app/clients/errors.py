"""Typed errors of the upstream clients: transient (try again later) versus permanent.

The callers decide on these types alone: a transient error leaves the delivery `retrying`, a
permanent one ends it as `failed`. Messages end up in the delivery trace, so they never carry a
query string (an Open Klant lookup has the BSN in it) or a response body beyond a short,
scrubbed problem summary.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

MAX_DETAIL_LENGTH = 500


def strip_query(url: str) -> str:
    """`url` without query string, fragment or user info: safe for logs and error messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(unparseable URL)"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def truncate(text: str, limit: int = MAX_DETAIL_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class UpstreamError(Exception):
    """An upstream API call did not give the expected answer."""

    def __init__(self, service: str, url: str, detail: str, *, status: int | None = None) -> None:
        self.service = service
        self.url = strip_query(url)
        self.detail = truncate(detail)
        answered = f" answered HTTP {status}" if status is not None else ""
        super().__init__(f"{service} {self.url}{answered}: {self.detail}")


class TransientUpstreamError(UpstreamError):
    """Worth trying again later: 5xx, 429, 408, a timeout or a network failure."""

    def __init__(
        self,
        service: str,
        url: str,
        detail: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(service, url, detail, status=status)
        self.status = status
        self.retry_after = retry_after


class PermanentUpstreamError(UpstreamError):
    """Trying again gives the same answer: a 4xx other than 408/429, or an unusable response."""

    def __init__(self, service: str, url: str, detail: str, *, status: int) -> None:
        super().__init__(service, url, detail, status=status)
        self.status = status


class OriginNotAllowed(Exception):
    """A URL points outside the configured origins; it was not requested.

    URLs come from notifications and from upstream responses, so a URL on another host could
    otherwise make the gateway send its credentials there.
    """

    def __init__(self, url: str) -> None:
        self.url = strip_query(url)
        super().__init__(f"{self.url} is not on an allowed origin")


def expect_object(body: Any, service: str, url: str) -> dict[str, Any]:
    """`body` when it is a JSON object; a 2xx with anything else is a permanent error."""
    if not isinstance(body, dict):
        raise PermanentUpstreamError(
            service, url, "unexpected response (not an object)", status=200
        )
    return body
