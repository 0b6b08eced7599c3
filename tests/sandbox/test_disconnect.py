"""A client that goes away mid-request (a killed gateway worker) is no contract violation."""

from __future__ import annotations

from typing import Any

from app.sandbox import SandboxConfig, create_sandbox


async def test_a_request_cut_off_before_its_body_is_complete_is_dropped() -> None:
    sandbox = create_sandbox(SandboxConfig(base_url="http://sandbox.test"))
    messages = iter(
        [
            {"type": "http.request", "body": b'{"email_address": "j', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v2/notifications/email",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    await sandbox.app(scope, receive, send)

    assert sent == []
    assert sandbox.contract_violations == []
    assert sandbox.notify_messages == []
