"""Shared test material: realistic notifications, tokens, database helpers."""

from __future__ import annotations

import copy
import os
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

WEBHOOK_TOKEN = "Bearer test-webhook-token-0123456789abcdef"
ADMIN_KEY = "test-admin-key-0123456789abcdef"
OMC_SECRET = "omc-test-secret-0123456789abcdef0123456789"

OZ = "https://openzaak.gemeente.nl"


def besluiten_notification(**overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "kanaal": "besluiten",
        "hoofdObject": f"{OZ}/besluiten/api/v1/besluiten/{uuid.uuid4()}",
        "resource": "besluitinformatieobject",
        "resourceUrl": f"{OZ}/besluiten/api/v1/besluitinformatieobjecten/{uuid.uuid4()}",
        "actie": "create",
        "aanmaakdatum": "2026-11-20T09:14:03.512Z",
        "kenmerken": {
            "verantwoordelijkeOrganisatie": "002220647",
            "besluittype": f"{OZ}/catalogi/api/v1/besluittypen/"
            "7f0e1d2c-3b4a-4958-8d7c-6b5a4f3e2d1c",
            "besluittype.catalogus": f"{OZ}/catalogi/api/v1/catalogussen/"
            "1d2c3b4a-5f6e-4d8c-9b0a-1f2e3d4c5b6a",
        },
        "source": "open-zaak",
    }
    message.update(copy.deepcopy(overrides))
    return message


def gateway_env(database_url: str, repo_root: Path, **extra: str) -> dict[str, str]:
    """Environment for a gateway subprocess: this one, minus any gateway configuration."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OMC_", "ZGW_", "NOTIFY_", "GATEWAY_"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "GATEWAY_ENVIRONMENT": "development",
            "GATEWAY_NOTIFICATION_AUTH": WEBHOOK_TOKEN,
            "GATEWAY_ADMIN_API_KEYS": ADMIN_KEY,
            # No endpoints are configured here; without this, `serve` would mount the sandbox.
            "GATEWAY_SANDBOX": "false",
            "PYTHONPATH": str(repo_root),
            **extra,
        }
    )
    return env


async def post_notification(client: httpx.AsyncClient, **overrides: Any) -> str:
    """Post a fresh besluiten notification; the new delivery's id."""
    response = await client.post(
        "/api/v1/notifications",
        json=besluiten_notification(**overrides),
        headers={"Authorization": WEBHOOK_TOKEN},
    )
    assert response.status_code == 202, response.text
    delivery_id: str = response.json()["id"]
    return delivery_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _asyncpg_dsn(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def create_postgres_database(base_url: str) -> str:
    """A fresh, empty database on the server of `base_url`; returns its SQLAlchemy URL."""
    name = f"zgw_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return with_database(base_url, name)


async def drop_postgres_database(base_url: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    connection = await asyncpg.connect(_asyncpg_dsn(base_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def count_rows(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as connection:
        result = await connection.execute(text(f"SELECT count(*) FROM {table}"))
        return int(result.scalar_one())


# The 24 placeholders of the decision-made template, in the order and spelling of the OMC
# documentation (shared/seeds/001_eb53429f123e506d.txt, section 5.2.6).
DECISION_MADE_PLACEHOLDERS = [
    "klant.voornaam",
    "klant.voorvoegselAchternaam",
    "klant.achternaam",
    "besluit.identificatie",
    "besluit.datum",
    "besluit.toelichting",
    "besluit.bestuursorgaan",
    "besluit.ingangsdatum",
    "besluit.vervaldatum",
    "besluit.vervalreden",
    "besluit.publicatiedatum",
    "besluit.verzenddatum",
    "besluit.uiterlijkereactiedatum",
    "besluittype.omschrijving",
    "besluittype.omschrijvingGeneriek",
    "besluittype.besluitcategorie",
    "besluittype.publicatieindicatie",
    "besluittype.publicatietekst",
    "besluittype.toelichting",
    "zaak.identificatie",
    "zaak.omschrijving",
    "zaak.registratiedatum",
    "zaaktype.omschrijving",
    "zaaktype.omschrijvingGeneriek",
]


def wait_until_ready(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, *, timeout: float = 30
) -> None:
    """Poll `/health/ready` of a server process until it answers 200 (bounded by `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, log_path.read_text()
        try:
            if httpx.get(f"{base_url}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log_path.read_text()
        time.sleep(0.05)


def serve_in_thread(
    app: Any, port: int, *, name: str = "server"
) -> tuple[uvicorn.Server, threading.Thread]:
    """An ASGI app served by uvicorn in a daemon thread, started (bounded by 30 s)."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), f"the {name} died at start"
        assert time.monotonic() < deadline, f"the {name} did not start"
        time.sleep(0.01)
    return server, thread
