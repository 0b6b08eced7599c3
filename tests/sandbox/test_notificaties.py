"""The Open Notificaties stand-in: kanalen, abonnementen, and the callback test over real HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.sandbox import Sandbox, SandboxConfig, create_sandbox
from app.sandbox.services.notificaties import TEST_NOTIFICATION
from tests.helpers import free_port, serve_in_thread

BASE = "http://sandbox.test"
API = f"{BASE}/notificaties/api/v1"
CLIENT_ID, SECRET = "gateway", "sandbox-secret-0123456789abcdef0123"
CALLBACK_AUTH = "Bearer callback-token-0123456789abcdef"


def zgw_headers() -> dict[str, str]:
    claims = {"iss": CLIENT_ID, "client_id": CLIENT_ID, "iat": int(time.time())}
    return {"Authorization": f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"}


@dataclass
class Receiver:
    """A webhook served by uvicorn: what it received, as (path, Authorization, body)."""

    base_url: str
    received: list[tuple[str, str | None, Any]] = field(default_factory=list)

    def clear(self) -> None:
        self.received.clear()


def _receiver_app(receiver: Receiver) -> FastAPI:
    app = FastAPI()

    @app.post("/{path:path}")
    async def receive(path: str, request: Request) -> Response:
        authorization = request.headers.get("authorization")
        receiver.received.append((f"/{path}", authorization, await request.json()))
        if path == "unprotected":
            return Response(status_code=204)
        if authorization != CALLBACK_AUTH:
            return Response(status_code=403)
        return Response(status_code=202 if path == "accepts-202" else 204)

    return app


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    port = free_port()
    found = Receiver(f"http://127.0.0.1:{port}")
    server, thread = serve_in_thread(_receiver_app(found), port, name="callback receiver")
    yield found
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def sandbox(receiver: Receiver) -> Iterator[Sandbox]:
    receiver.clear()
    box = create_sandbox(SandboxConfig(base_url=BASE, zgw_clients={CLIENT_ID: SECRET}))
    yield box
    assert box.contract_violations == [], "\n".join(box.contract_violations)


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.app), base_url=BASE, headers=zgw_headers()
    ) as client:
        yield client


def abonnement(receiver: Receiver, path: str = "/webhook", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "callbackUrl": f"{receiver.base_url}{path}",
        "auth": CALLBACK_AUTH,
        "kanalen": [{"naam": "besluiten", "filters": {}}],
    }
    body.update(overrides)
    return body


def invalid_params(response: httpx.Response) -> list[tuple[str, str]]:
    return [(p["name"], p["code"]) for p in response.json()["invalidParams"]]


async def test_kanalen_are_seeded_with_the_publishers_kenmerken(http: httpx.AsyncClient) -> None:
    everything = await http.get(f"{API}/kanaal")
    besluiten = await http.get(f"{API}/kanaal", params={"naam": "besluiten"})

    assert everything.status_code == 200
    assert {k["naam"] for k in everything.json()} == {
        "zaken",
        "besluiten",
        "documenten",
        "objecten",
        "autorisaties",
    }
    [kanaal] = besluiten.json()
    assert kanaal["filters"] == [
        "verantwoordelijke_organisatie",
        "besluittype",
        "besluittype.catalogus",
    ]


async def test_create_tests_the_callback_without_and_with_auth(
    http: httpx.AsyncClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    response = await http.post(f"{API}/abonnement", json=abonnement(receiver))

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"] == created["url"]
    assert "auth" not in created  # write-only
    assert created["kanalen"] == [{"naam": "besluiten", "filters": {}}]
    assert receiver.received == [
        ("/webhook", None, TEST_NOTIFICATION),
        ("/webhook", CALLBACK_AUTH, TEST_NOTIFICATION),
    ]
    [stored] = sandbox.abonnementen
    assert stored["auth"] == CALLBACK_AUTH
    listed = await http.get(f"{API}/abonnement")
    assert listed.json() == [created]
    assert (await http.get(created["url"])).json() == created


async def test_any_2xx_passes_the_callback_test(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    response = await http.post(f"{API}/abonnement", json=abonnement(receiver, "/accepts-202"))

    assert response.status_code == 201, response.text


async def test_wrong_auth_fails_the_callback_test_and_nothing_is_stored(
    http: httpx.AsyncClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    body = abonnement(receiver, auth="Bearer not-what-the-webhook-accepts")

    response = await http.post(f"{API}/abonnement", json=body)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert invalid_params(response) == [("nonFieldErrors", "invalid-callback-url")]
    assert sandbox.abonnementen == []


async def test_a_callback_that_accepts_anyone_is_refused(
    http: httpx.AsyncClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    response = await http.post(f"{API}/abonnement", json=abonnement(receiver, "/unprotected"))

    assert response.status_code == 400
    assert invalid_params(response) == [("callbackUrl", "no-auth-on-callback-url")]
    assert receiver.received == [("/unprotected", None, TEST_NOTIFICATION)]
    assert sandbox.abonnementen == []


async def test_an_unreachable_callback_is_a_server_error(
    http: httpx.AsyncClient, sandbox: Sandbox
) -> None:
    body = {"callbackUrl": f"http://127.0.0.1:{free_port()}/webhook", "auth": CALLBACK_AUTH}

    response = await http.post(f"{API}/abonnement", json=body)

    assert response.status_code == 500
    assert sandbox.abonnementen == []


@pytest.mark.parametrize(
    ("kanalen", "expected"),
    [
        ([{"naam": "meldingen", "filters": {}}], ("naam", "kanaal_naam")),
        (
            [{"naam": "besluiten", "filters": {"besluittype": "*", "zaaktype": "*"}}],
            ("filters", "inconsistent-abonnement-filters"),
        ),
    ],
)
async def test_kanalen_are_checked_after_the_callback_test(
    http: httpx.AsyncClient,
    sandbox: Sandbox,
    receiver: Receiver,
    kanalen: list[dict[str, Any]],
    expected: tuple[str, str],
) -> None:
    response = await http.post(f"{API}/abonnement", json=abonnement(receiver, kanalen=kanalen))

    assert response.status_code == 400
    assert invalid_params(response) == [expected]
    assert len(receiver.received) == 2
    assert sandbox.abonnementen == []


async def test_update_tests_the_callback_again_and_replaces_the_kanalen(
    http: httpx.AsyncClient, sandbox: Sandbox, receiver: Receiver
) -> None:
    url = (await http.post(f"{API}/abonnement", json=abonnement(receiver))).json()["url"]
    receiver.clear()
    kanalen = [{"naam": "zaken", "filters": {"bronorganisatie": "002220647"}}]

    updated = await http.put(url, json=abonnement(receiver, kanalen=kanalen))
    refused = await http.put(url, json=abonnement(receiver, auth="Bearer wrong"))

    assert updated.status_code == 200, updated.text
    assert updated.json()["kanalen"] == kanalen
    assert len(receiver.received) == 4
    assert refused.status_code == 400
    assert [a["kanalen"] for a in sandbox.abonnementen] == [kanalen]


async def test_delete(http: httpx.AsyncClient, sandbox: Sandbox, receiver: Receiver) -> None:
    url = (await http.post(f"{API}/abonnement", json=abonnement(receiver))).json()["url"]

    deleted = await http.delete(url)
    again = await http.delete(url)

    assert deleted.status_code == 204
    assert again.status_code == 404
    assert (await http.get(url)).status_code == 404
    assert sandbox.abonnementen == []


async def test_the_api_takes_a_zgw_jwt(http: httpx.AsyncClient) -> None:
    response = await http.get(f"{API}/abonnement", headers={"Authorization": "Token nope"})

    assert response.status_code == 403


async def test_control_endpoint_lists_abonnementen_without_auth(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    created = (await http.post(f"{API}/abonnement", json=abonnement(receiver))).json()

    listed = await http.get(f"{BASE}/_sandbox/abonnementen")

    assert listed.json() == [created]
