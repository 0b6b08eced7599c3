"""`zgw-gateway subscribe` / `unsubscribe` against the Open Notificaties stand-in, whose callback
test reaches the real gateway's webhook over HTTP."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.cli import main
from app.config import Settings
from app.sandbox import Sandbox
from app.sandbox.services.notificaties import KANALEN, NOTIFICATIES
from app.subscriptions import SubscriptionError, subscribe, unsubscribe
from tests.e2e.conftest import ZGW_CLIENT_ID, ZGW_SECRET, GatewayFactory, sandbox_settings
from tests.helpers import ADMIN_KEY, WEBHOOK_TOKEN, free_port

OTHER_TOKEN = "Bearer another-gateways-token-0123456789abcdef"


def notificaties_url(sandbox: Sandbox) -> str:
    return f"{sandbox.config.base_url}/notificaties/api/v1"


def subscriber_settings(database_url: str, sandbox: Sandbox, **overrides: Any) -> Settings:
    """What the operator runs `subscribe` with: the same environment as the gateway."""
    values = {"zgw_endpoint_opennotificaties": notificaties_url(sandbox), **overrides}
    return sandbox_settings(database_url, sandbox, **values)


async def deliveries(base_url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.get(
            "/api/v1/deliveries", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


@pytest.mark.parametrize("path", ["/api/v1/notifications", "/Events/Listen"])
async def test_subscribe_creates_then_updates_one_abonnement(
    gateway: GatewayFactory, clean_sandbox: Sandbox, database_url: str, path: str
) -> None:
    settings = subscriber_settings(database_url, clean_sandbox)
    async with gateway() as gw:
        callback_url = f"{gw.base_url}{path}"

        first = await subscribe(settings, callback_url)
        second = await subscribe(settings, callback_url)

        # Both callback tests reached the webhook, and the test notifications stored nothing.
        assert await deliveries(gw.base_url) == []

    assert first.created
    assert first.kanalen == ["besluiten"]
    assert not second.created
    assert second.abonnement_url == first.abonnement_url
    [stored] = clean_sandbox.abonnementen
    assert stored["url"] == first.abonnement_url
    assert stored["callbackUrl"] == callback_url
    assert stored["auth"] == WEBHOOK_TOKEN
    assert stored["kanalen"] == [{"naam": "besluiten", "filters": {}}]
    methods = [r.method for r in clean_sandbox.requests_to("notificaties")]
    assert methods == ["GET", "GET", "POST", "GET", "GET", "PUT"]


async def test_subscribe_fails_when_the_gateway_does_not_accept_the_auth(
    gateway: GatewayFactory, clean_sandbox: Sandbox, database_url: str
) -> None:
    settings = subscriber_settings(database_url, clean_sandbox)
    async with gateway(gateway_notification_auth=[OTHER_TOKEN]) as gw:
        with pytest.raises(SubscriptionError, match="callback test failed") as failed:
            await subscribe(settings, f"{gw.base_url}/api/v1/notifications")

    assert WEBHOOK_TOKEN not in str(failed.value)
    assert clean_sandbox.abonnementen == []


async def test_unsubscribe_deletes_the_abonnement(
    gateway: GatewayFactory, clean_sandbox: Sandbox, database_url: str
) -> None:
    settings = subscriber_settings(database_url, clean_sandbox)
    async with gateway() as gw:
        callback_url = f"{gw.base_url}/api/v1/notifications"
        created = await subscribe(settings, callback_url)

    removed = await unsubscribe(settings, callback_url)
    again = await unsubscribe(settings, callback_url)

    assert removed.deleted == [created.abonnement_url]
    assert again.deleted == []
    assert clean_sandbox.abonnementen == []


async def test_subscribe_refuses_a_kanaal_open_notificaties_does_not_have(
    gateway: GatewayFactory, clean_sandbox: Sandbox, database_url: str
) -> None:
    besluiten = next(kanaal_uuid for naam, kanaal_uuid, _ in KANALEN if naam == "besluiten")
    with clean_sandbox.state.lock:
        del clean_sandbox.state.resources[f"{NOTIFICATIES}/kanaal/{besluiten}"]
    settings = subscriber_settings(database_url, clean_sandbox)
    async with gateway() as gw:
        with pytest.raises(SubscriptionError, match="no kanaal besluiten"):
            await subscribe(settings, f"{gw.base_url}/api/v1/notifications")

    assert clean_sandbox.abonnementen == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"zgw_endpoint_opennotificaties": None}, "ZGW_ENDPOINT_OPENNOTIFICATIES is not set"),
        ({"zgw_auth_jwt_secret": "not-the-sandbox-secret-0123456789abc"}, "HTTP 403"),
        ({"gateway_notification_auth": []}, "GATEWAY_NOTIFICATION_AUTH is empty"),
    ],
)
async def test_configuration_problems_are_named(
    clean_sandbox: Sandbox, database_url: str, overrides: dict[str, Any], message: str
) -> None:
    settings = subscriber_settings(database_url, clean_sandbox, **overrides)

    with pytest.raises(SubscriptionError, match=message):
        await subscribe(settings, "http://127.0.0.1:9/api/v1/notifications")


async def test_an_unreachable_open_notificaties_is_named(database_url: str) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/api/v1"
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        gateway_notification_auth=[WEBHOOK_TOKEN],
        zgw_auth_jwt_issuer=ZGW_CLIENT_ID,
        zgw_auth_jwt_secret=ZGW_SECRET,
        zgw_endpoint_opennotificaties=endpoint,
    )

    with pytest.raises(SubscriptionError, match="could not be reached"):
        await unsubscribe(settings, "http://127.0.0.1:9/api/v1/notifications")


# --- the command --------------------------------------------------------------------------


@pytest.fixture
def command_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_sandbox: Sandbox, database_url: str
) -> None:
    """The gateway's environment for the command, and no `.env` file."""
    for name in list(os.environ):
        if name.startswith(("OMC_", "ZGW_", "NOTIFY_", "GATEWAY_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "DATABASE_URL": database_url,
        "GATEWAY_ENVIRONMENT": "development",
        "GATEWAY_NOTIFICATION_AUTH": WEBHOOK_TOKEN,
        "GATEWAY_ADMIN_API_KEYS": ADMIN_KEY,
        "ZGW_AUTH_JWT_ISSUER": ZGW_CLIENT_ID,
        "ZGW_AUTH_JWT_SECRET": ZGW_SECRET,
        "ZGW_ENDPOINT_OPENNOTIFICATIES": notificaties_url(clean_sandbox),
    }.items():
        monkeypatch.setenv(name, value)


async def run_command(*argv: str) -> int:
    # In a thread: the command runs its own event loop while this one serves the gateway.
    return await asyncio.to_thread(main, list(argv))


@pytest.mark.usefixtures("command_env")
async def test_subscribe_and_unsubscribe_commands(
    gateway: GatewayFactory, clean_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    async with gateway() as gw:
        callback_url = f"{gw.base_url}/api/v1/notifications"
        subscribed = await run_command("subscribe", "--callback-url", callback_url)
        subscribe_output = capsys.readouterr()
        resubscribed = await run_command("subscribe", "--callback-url", callback_url)
        resubscribe_output = capsys.readouterr()
    [stored] = clean_sandbox.abonnementen
    unsubscribed = await run_command("unsubscribe", "--callback-url", callback_url)
    unsubscribe_output = capsys.readouterr()

    assert subscribed == 0, subscribe_output.err
    assert f"abonnement created: {stored['url']}" in subscribe_output.out
    assert "kanalen:       besluiten" in subscribe_output.out
    assert "callback test: passed" in subscribe_output.out
    assert resubscribed == 0, resubscribe_output.err
    assert f"abonnement updated: {stored['url']}" in resubscribe_output.out
    assert unsubscribed == 0, unsubscribe_output.err
    assert f"abonnement deleted: {stored['url']}" in unsubscribe_output.out
    assert clean_sandbox.abonnementen == []
    everything = "".join(
        o.out + o.err for o in (subscribe_output, resubscribe_output, unsubscribe_output)
    )
    assert WEBHOOK_TOKEN.split()[1] not in everything
    assert ZGW_SECRET not in everything


@pytest.mark.usefixtures("command_env")
async def test_subscribe_command_exits_1_with_the_callback_test_reason(
    gateway: GatewayFactory, clean_sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    async with gateway(gateway_notification_auth=[OTHER_TOKEN]) as gw:
        code = await run_command(
            "subscribe", "--callback-url", f"{gw.base_url}/api/v1/notifications"
        )
    output = capsys.readouterr()

    assert code == 1
    assert "subscribe failed: Open Notificaties' callback test failed" in output.err
    assert "Traceback" not in output.err
    assert "abonnement created" not in output.out
    assert clean_sandbox.abonnementen == []
