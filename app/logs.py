"""JSON logs with snake_case event names and no personal data.

Every log line, also those of uvicorn and other libraries, goes through structlog's JSON renderer.
Two safety nets keep personal data out: keys that name personal data are masked wherever they
appear, and values are scrubbed of e-mail addresses, phone numbers and nine-digit numbers
(BSN-shaped). httpx and httpcore log request URLs at INFO (an Open Klant lookup carries the BSN
in its query string), so they are held at WARNING.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

SENSITIVE_KEYS = frozenset(
    {
        "bsn",
        "inpbsn",
        "email",
        "email_address",
        "emailadres",
        "phone",
        "phone_number",
        "telefoonnummer",
        "voornaam",
        "voornamen",
        "achternaam",
        "geslachtsnaam",
        "naam",
        "name",
        "adres",
        "address",
        "personalisation",
        "body",
        "message",
        "inhoud",
        "authorization",
        "token",
        "password",
        "secret",
    }
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w/-])(\+31|0031|0)[1-9](?:[ -]?\d){8}(?![\w-])")
_BSN = re.compile(r"(?<![\w/-])\d{9}(?![\w-])")

# Libraries that log request URLs or payloads at INFO/DEBUG.
_QUIET_LOGGERS = ("httpx", "httpcore", "hpack", "notifications_python_client", "urllib3")


def scrub(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[phone]", text)
    return _BSN.sub("[number]", text)


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {
            k: "[masked]" if str(k).lower() in SENSITIVE_KEYS else _scrub_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_value(v) for v in value]
    return value


def redact_personal_data(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if key in ("timestamp", "level", "logger"):
            continue
        if key.lower() in SENSITIVE_KEYS:
            event_dict[key] = "[masked]"
        else:
            event_dict[key] = _scrub_value(event_dict[key])
    return event_dict


_handler: logging.Handler | None = None


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route stdlib and structlog through one JSON renderer on stdout (or `stream`)."""
    global _handler
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        # Drops lines below the level before any processor runs (timestamps, rendering).
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_personal_data,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    root.addHandler(handler)
    _handler = handler
    root.setLevel(level)
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # It logs every failed call with Notify's error text; the delivery trace and our own
    # structured events already carry that, without free text from outside.
    logging.getLogger("notifications_python_client").setLevel(logging.ERROR)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
