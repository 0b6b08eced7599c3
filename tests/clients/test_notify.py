"""The Notify client against a local stand-in server (the python client speaks `requests`)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
import requests
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from app.clients.base import count_upstream_calls
from app.clients.errors import PermanentUpstreamError, TransientUpstreamError
from app.clients.notify import NotifyClient

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"gateway-test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "8a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"
ACTION_ID = "0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"
PERSONALISATION = {"klant.voornaam": "Jan", "zaak.identificatie": "ZAAK-1"}
SENT = {
    "id": "740e5834-3a29-46b4-9a6f-16142fde533a",
    "reference": ACTION_ID,
    "content": {"subject": "Besluit", "body": "Beste Jan", "from_email": "x@notify.nl"},
    "uri": "https://api.notifynl.nl/v2/notifications/740e5834-3a29-46b4-9a6f-16142fde533a",
    "template": {"id": TEMPLATE_ID, "version": 3, "uri": "https://api.notifynl.nl/v2/template/x"},
}


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeNotify:
    """Answers each request with the next queued response and records what it received."""

    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)

    def answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        content_type = {
            "Content-Type": "text/html" if isinstance(body, bytes) else "application/json"
        }
        self.answers.append((status, {**content_type, **(headers or {})}, raw))


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeNotify]:
    """One local server for the module (starting one per test costs its shutdown poll)."""
    fake = FakeNotify()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            fake.received.append(
                Received(self.command, self.path, dict(self.headers), json.loads(raw or "null"))
            )
            status, headers, body = fake.answers.pop(0)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def notify_server(running_server: FakeNotify) -> FakeNotify:
    running_server.received.clear()
    running_server.answers.clear()
    return running_server


@pytest.fixture
def notify(notify_server: FakeNotify) -> NotifyClient:
    return NotifyClient(API_KEY, notify_server.base_url)


@pytest.mark.parametrize("suffix", ["/notify-nl", "/notify-nl/"])
async def test_base_url_with_a_path_keeps_the_path(notify_server: FakeNotify, suffix: str) -> None:
    """Behind a path prefix (or the embedded sandbox's `/sandbox`), `/v2/...` goes under it."""
    client = NotifyClient(API_KEY, notify_server.base_url + suffix)
    notify_server.answer(200, {"notifications": [], "links": {}})
    assert await client.find_by_reference(ACTION_ID) is None
    [request] = notify_server.received
    assert request.path == f"/notify-nl/v2/notifications?reference={ACTION_ID}"


async def test_send_email(notify: NotifyClient, notify_server: FakeNotify) -> None:
    notify_server.answer(201, SENT)
    sent = await notify.send_email(
        email_address="burger@example.nl",
        template_id=TEMPLATE_ID,
        personalisation=PERSONALISATION,
        reference=ACTION_ID,
    )
    assert sent == SENT
    [request] = notify_server.received
    assert (request.method, request.path) == ("POST", "/v2/notifications/email")
    assert request.body == {
        "email_address": "burger@example.nl",
        "template_id": TEMPLATE_ID,
        "personalisation": PERSONALISATION,
        "reference": ACTION_ID,
    }
    # The python client's own JWT: iss = the service id, signed with the key's secret part.
    scheme, _, token = request.headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["iss"] == SERVICE_ID
    assert abs(claims["iat"] - time.time()) <= 30


async def test_send_sms(notify: NotifyClient, notify_server: FakeNotify) -> None:
    notify_server.answer(201, {**SENT, "content": {"body": "Beste Jan", "from_number": "GEMEENTE"}})
    await notify.send_sms(
        phone_number="+31612345678",
        template_id=TEMPLATE_ID,
        personalisation=PERSONALISATION,
        reference=ACTION_ID,
    )
    [request] = notify_server.received
    assert request.path == "/v2/notifications/sms"
    assert request.body == {
        "phone_number": "+31612345678",
        "template_id": TEMPLATE_ID,
        "personalisation": PERSONALISATION,
        "reference": ACTION_ID,
    }


async def test_preview(notify: NotifyClient, notify_server: FakeNotify) -> None:
    rendered = {
        "id": TEMPLATE_ID,
        "type": "email",
        "version": 3,
        "body": "Beste Jan",
        "subject": "B",
    }
    notify_server.answer(200, rendered)
    assert (
        await notify.preview(template_id=TEMPLATE_ID, personalisation=PERSONALISATION) == rendered
    )
    [request] = notify_server.received
    assert (request.method, request.path) == ("POST", f"/v2/template/{TEMPLATE_ID}/preview")
    assert request.body == {"personalisation": PERSONALISATION}


async def test_find_by_reference(notify: NotifyClient, notify_server: FakeNotify) -> None:
    found = {"id": SENT["id"], "reference": ACTION_ID, "status": "delivered"}
    notify_server.answer(200, {"notifications": [found], "links": {}})
    notify_server.answer(200, {"notifications": [], "links": {}})
    assert await notify.find_by_reference(ACTION_ID) == found
    assert await notify.find_by_reference("never-sent") is None
    assert [r.path for r in notify_server.received] == [
        f"/v2/notifications?reference={ACTION_ID}",
        "/v2/notifications?reference=never-sent",
    ]


def notify_errors(status: int, *messages: str) -> dict[str, Any]:
    return {"status_code": status, "errors": [{"error": "E", "message": m} for m in messages]}


@pytest.mark.parametrize(
    ("status", "body", "detail"),
    [
        (
            400,
            notify_errors(
                400, "Missing personalisation: zaak.omschrijving", "phone_number Too many digits"
            ),
            "Missing personalisation: zaak.omschrijving; phone_number Too many digits",
        ),
        (
            403,
            notify_errors(403, "Invalid token: API key not found"),
            "Invalid token: API key not found",
        ),
        (404, notify_errors(404, "No Result Found"), "No Result Found"),
    ],
)
async def test_permanent_errors(
    notify: NotifyClient, notify_server: FakeNotify, status: int, body: Any, detail: str
) -> None:
    notify_server.answer(status, body)
    with pytest.raises(PermanentUpstreamError) as caught:
        await notify.preview(template_id=TEMPLATE_ID, personalisation={})
    error = caught.value
    assert (error.service, error.status, error.detail) == ("notify", status, detail)
    assert error.url == f"{notify_server.base_url}/v2/template/{TEMPLATE_ID}/preview"


@pytest.mark.parametrize(
    ("status", "headers", "retry_after"),
    [
        (429, {"Retry-After": "30"}, 30.0),
        (429, {}, None),
        (500, {}, None),
        (503, {"Retry-After": "5"}, 5.0),
    ],
)
async def test_transient_errors(
    notify: NotifyClient,
    notify_server: FakeNotify,
    status: int,
    headers: dict[str, str],
    retry_after: float | None,
) -> None:
    notify_server.answer(status, notify_errors(status, "Exceeded rate limit"), headers)
    with pytest.raises(TransientUpstreamError) as caught:
        await notify.send_email(
            email_address="burger@example.nl",
            template_id=TEMPLATE_ID,
            personalisation={},
            reference=ACTION_ID,
        )
    assert (caught.value.status, caught.value.retry_after) == (status, retry_after)
    assert len(notify_server.received) == 1  # never repeated here: it may have been sent


async def test_non_json_answer_is_permanent(
    notify: NotifyClient, notify_server: FakeNotify
) -> None:
    notify_server.answer(200, b"<html>maintenance</html>")
    with pytest.raises(PermanentUpstreamError, match="unexpected response"):
        await notify.find_by_reference(ACTION_ID)


async def test_unreachable_notify_is_transient() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notify = NotifyClient(API_KEY, f"http://127.0.0.1:{port}")
    with pytest.raises(TransientUpstreamError) as caught:
        await notify.find_by_reference(ACTION_ID)
    assert caught.value.status is None
    assert caught.value.detail == "request failed (ConnectionError: connection refused)"


async def test_timeout_is_transient(monkeypatch: pytest.MonkeyPatch) -> None:
    def time_out(*args: Any, **kwargs: Any) -> Any:
        try:
            raise requests.ReadTimeout("read timed out")
        except requests.RequestException as exc:
            raise HTTPError.create(exc) from exc  # what the python client does

    monkeypatch.setattr(NotificationsAPIClient, "send_sms_notification", time_out)
    notify = NotifyClient(API_KEY, "https://api.notifynl.nl")
    with pytest.raises(TransientUpstreamError, match=r"request failed \(ReadTimeout\)"):
        await notify.send_sms(
            phone_number="+31612345678", template_id=TEMPLATE_ID, personalisation={}, reference="r"
        )


async def test_calls_are_counted(notify: NotifyClient, notify_server: FakeNotify) -> None:
    notify_server.answer(200, {"notifications": [], "links": {}})
    notify_server.answer(500, notify_errors(500, "Internal server error"))
    with count_upstream_calls() as calls:
        await notify.find_by_reference(ACTION_ID)
        with pytest.raises(TransientUpstreamError):
            await notify.find_by_reference(ACTION_ID)
    assert (calls.total, calls.by_service) == (2, {"notify": 2})
