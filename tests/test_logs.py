"""Logs are JSON with snake_case events and carry no personal data, also from libraries."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from app.logs import configure_logging, scrub


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    yield stream
    structlog.reset_defaults()
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "stream", None) is stream:
            root.removeHandler(handler)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_personal_data_keys_are_masked(json_logs: io.StringIO) -> None:
    structlog.get_logger("t").info(
        "citizen_found", bsn="111222333", email="jan@example.nl", notification_id="n-1"
    )

    [line] = _lines(json_logs)
    assert line["event"] == "citizen_found"
    assert line["bsn"] == "[masked]"
    assert line["email"] == "[masked]"
    assert line["notification_id"] == "n-1"


def test_personal_data_inside_values_is_scrubbed(json_logs: io.StringIO) -> None:
    structlog.get_logger("t").warning(
        "upstream_error",
        detail="no partij for 111222333 (jan.jansen@example.nl, 06-12345678)",
        nested={"telefoonnummer": "0612345678", "note": "mail jan@example.nl"},
    )

    [line] = _lines(json_logs)
    text = json.dumps(line)
    for leaked in ("111222333", "jan.jansen@example.nl", "06-12345678", "0612345678"):
        assert leaked not in text
    assert line["nested"] == {"telefoonnummer": "[masked]", "note": "mail [email]"}


def test_uuids_and_urls_survive_scrubbing() -> None:
    url = "https://openzaak.gemeente.nl/zaken/api/v1/zaken/5d0c5a36-8a3e-4c9b-9c6f-123456789012"

    assert scrub(url) == url
    assert scrub("attempt 3 of 10, 250 ms") == "attempt 3 of 10, 250 ms"


def test_http_client_request_urls_are_not_logged(json_logs: io.StringIO) -> None:
    logging.getLogger("httpx").info(
        "HTTP Request: GET https://openklant/partijen?partijIdentificator__objectId=111222333"
    )
    logging.getLogger("uvicorn.error").info("Started server process")

    lines = _lines(json_logs)
    assert [line["event"] for line in lines] == ["Started server process"]
    assert lines[0]["level"] == "info"


def test_errors_carry_their_traceback_and_debug_is_dropped(json_logs: io.StringIO) -> None:
    log = structlog.get_logger("t")
    try:
        raise ValueError("boom")
    except ValueError as error:
        log.error("step_failed", error_type="ValueError", exc_info=error)
    log.debug("noise")

    [line] = _lines(json_logs)
    assert line["event"] == "step_failed"
    assert "ValueError: boom" in str(line["exception"])
