"""The gateway and the sandbox, each served by uvicorn on its own port, talking real HTTP.

The sandbox checks every request the gateway sends and every response it gives against the
official OpenAPI files; each test ends by asserting that nothing broke the contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from app.cli import server_config
from app.config import Settings
from app.main import create_app
from app.sandbox import (
    DECISION_EMAIL_TEMPLATE_ID,
    DECISION_SMS_TEMPLATE_ID,
    Sandbox,
    SandboxConfig,
    create_sandbox,
)
from tests.conftest import make_settings
from tests.helpers import ADMIN_KEY, WEBHOOK_TOKEN, free_port, serve_in_thread, wait_until_ready

ZGW_CLIENT_ID = "zgw-gateway-tests"
ZGW_SECRET = "zgw-sandbox-secret-0123456789abcdef0123"
OPENKLANT_TOKEN = "openklant-sandbox-token-0123456789"
OBJECTS_TOKEN = "objects-sandbox-token-0123456789"
NOTIFY_KEY = (
    "gateway_tests-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
)


@contextlib.contextmanager
def served_gateway(workdir: Path, env: dict[str, str], *args: str) -> Iterator[str]:
    """`zgw-gateway serve` in its own process (cwd `workdir`), ready; yields its base URL.

    At the end it is stopped with SIGTERM and must have shut down cleanly, without a traceback.
    """
    port = free_port()
    log_path = workdir / "serve.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *args],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_ready(process, base, log_path)
    try:
        yield base
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        log.close()
        # uvicorn re-raises SIGTERM once it has shut down cleanly, so supervisors see it.
        assert process.returncode in (0, -signal.SIGTERM)
        log_text = log_path.read_text()
        assert '"event": "service_stopped"' in log_text, log_text
        assert "Traceback" not in log_text, log_text


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    port = free_port()
    box = create_sandbox(
        SandboxConfig(
            base_url=f"http://127.0.0.1:{port}",
            zgw_clients={ZGW_CLIENT_ID: ZGW_SECRET},
            openklant_token=OPENKLANT_TOKEN,
            objects_token=OBJECTS_TOKEN,
            notify_api_key=NOTIFY_KEY,
        )
    )
    server, thread = serve_in_thread(box.app, port, name="sandbox")
    yield box
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def clean_sandbox(sandbox: Sandbox) -> Iterator[Sandbox]:
    sandbox.reset()
    yield sandbox
    assert sandbox.contract_violations == [], "\n".join(sandbox.contract_violations)


def sandbox_settings(database_url: str, sandbox: Sandbox, **overrides: Any) -> Settings:
    base = sandbox.config.base_url
    values: dict[str, Any] = {
        "zgw_auth_jwt_secret": ZGW_SECRET,
        "zgw_auth_jwt_issuer": ZGW_CLIENT_ID,
        "zgw_endpoint_openzaak": f"{base}/zaken/api/v1",
        "zgw_endpoint_besluiten": f"{base}/besluiten/api/v1",
        "zgw_endpoint_openklant": f"{base}/klantinteracties/api/v1",
        "zgw_auth_key_openklant": OPENKLANT_TOKEN,
        "zgw_endpoint_objecten": f"{base}/objecten/api/v2",
        "zgw_auth_key_objecten": OBJECTS_TOKEN,
        "zgw_endpoint_objecttypen": f"{base}/objecttypen/api/v2",
        "notify_api_baseurl": base,
        "notify_api_key": NOTIFY_KEY,
        "notify_templateid_email_decisionmade": DECISION_EMAIL_TEMPLATE_ID,
        "notify_templateid_sms_decisionmade": DECISION_SMS_TEMPLATE_ID,
        "zgw_whitelist_decisionmade_ids": "*",
        "zgw_variable_objecttype_decisioninfoobjecttype_uuids": "*",
        "gateway_worker_poll_interval": timedelta(milliseconds=20),
        "gateway_retry_base_delay": timedelta(milliseconds=50),
    }
    values.update(overrides)
    return make_settings(database_url, **values)


@dataclass
class Gateway:
    """A gateway served by uvicorn, with helpers to post and to wait for a final trace."""

    base_url: str
    client: httpx.AsyncClient

    async def post(self, notification: dict[str, Any]) -> str:
        response = await self.client.post(
            "/api/v1/notifications", json=notification, headers={"Authorization": WEBHOOK_TOKEN}
        )
        assert response.status_code == 202, response.text
        delivery_id: str = response.json()["id"]
        return delivery_id

    async def trace(self, delivery_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/v1/deliveries/{delivery_id}", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert response.status_code == 200, response.text
        trace: dict[str, Any] = response.json()
        return trace

    async def final_trace(self, delivery_id: str, *, timeout: float = 20) -> dict[str, Any]:
        """Wait until the delivery is done, skipped or failed (bounded by `timeout`)."""
        async with asyncio.timeout(timeout):
            while True:
                trace = await self.trace(delivery_id)
                if trace["status"] in ("done", "skipped", "failed"):
                    return trace
                await asyncio.sleep(0.02)

    async def evaluate(self, notification: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            "/api/v1/notifications/evaluate",
            json=notification,
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )


GatewayFactory = Callable[..., contextlib.AbstractAsyncContextManager[Gateway]]


@pytest.fixture
def gateway(database_url: str, clean_sandbox: Sandbox) -> GatewayFactory:
    """`async with gateway(**setting_overrides) as gw:` a served gateway on the sandbox."""

    @contextlib.asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Gateway]:
        settings = sandbox_settings(database_url, clean_sandbox, **overrides)
        port = free_port()
        server = uvicorn.Server(
            server_config(create_app(settings, run_worker=True), host="127.0.0.1", port=port)
        )
        task = asyncio.create_task(server.serve())
        async with asyncio.timeout(30):
            while not server.started:
                assert not task.done(), "the gateway server died at start"
                await asyncio.sleep(0.01)
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                yield Gateway(base, client)
        finally:
            server.should_exit = True
            await task

    return start
