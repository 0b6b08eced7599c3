"""Reading what an upstream says about a failure: Retry-After and problem details.

Problem details are scrubbed of e-mail addresses, phone numbers and BSN-shaped numbers before
they go into an error: a validation message may echo the value it refused, and these errors
end up in the delivery trace and the logs.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

from app.clients.errors import truncate
from app.logs import scrub


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # an HTTP-date is always GMT; the parser may leave it naive
        return None
    current = time.time() if now is None else now
    return max(0.0, moment.timestamp() - current)


def summarise_problem(body: Any) -> str | None:
    """One line from a ZGW problem+json body: title, detail and the invalid parameters."""
    if not isinstance(body, dict):
        return None
    parts: list[str] = []
    for key in ("title", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value and value not in parts:
            parts.append(value)
    invalid = body.get("invalidParams")
    if isinstance(invalid, list) and invalid:
        described = [_describe_invalid_param(p) for p in invalid if isinstance(p, dict)]
        parts.append("invalid: " + "; ".join(described))
    if not parts:
        return None
    return clean_detail(" - ".join(parts))


def _describe_invalid_param(param: dict[str, Any]) -> str:
    name = param.get("name") or "?"
    code = param.get("code")
    reason = param.get("reason") or ""
    return f"{name} ({code}): {reason}" if code else f"{name}: {reason}"


def summarise_notify_errors(message: Any) -> str | None:
    """Notify's `errors[].message` joined (the python client exposes them as `.message`)."""
    if isinstance(message, str):
        return clean_detail(message) if message else None
    if isinstance(message, list):
        texts = [
            str(entry.get("message") or entry.get("error") or "")
            for entry in message
            if isinstance(entry, dict)
        ]
        joined = "; ".join(text for text in texts if text)
        return clean_detail(joined) if joined else None
    return None


def clean_detail(text: str) -> str:
    return truncate(scrub(" ".join(text.split())))
