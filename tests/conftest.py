"""Fixtures: a migrated database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set),
the app with its real lifespan, an HTTP client, and clean tables between tests."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db.migrate import upgrade
from app.db.session import create_engine
from app.main import create_app
from tests.helpers import (
    ADMIN_KEY,
    OMC_SECRET,
    WEBHOOK_TOKEN,
    create_postgres_database,
    drop_postgres_database,
)

POSTGRES_BASE_URL = os.environ.get("TEST_DATABASE_URL")
T = TypeVar("T")


def in_own_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, also when a test's loop is running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def new_database_url(tmp_path_factory: pytest.TempPathFactory, label: str) -> str:
    if POSTGRES_BASE_URL:
        return in_own_loop(create_postgres_database(POSTGRES_BASE_URL))
    path = tmp_path_factory.mktemp(label) / "gateway.db"
    return f"sqlite+aiosqlite:///{path}"


def drop_database(url: str) -> None:
    if POSTGRES_BASE_URL:
        in_own_loop(drop_postgres_database(POSTGRES_BASE_URL, url))


@pytest.fixture(scope="session")
def backend() -> str:
    return "postgresql" if POSTGRES_BASE_URL else "sqlite"


@pytest.fixture(scope="session")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A factory of empty databases (not migrated), dropped at the end of the run."""
    made: list[str] = []

    def make(label: str = "db") -> str:
        url = new_database_url(tmp_path_factory, label)
        made.append(url)
        return url

    yield make
    for url in made:
        drop_database(url)


@pytest.fixture(scope="session")
def database_url(fresh_database: Any) -> str:
    """The suite's database, built the only way the schema is ever built: migrations."""
    url: str = fresh_database("suite")
    upgrade(url)
    return url


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "gateway_environment": "development",
        "gateway_notification_auth": [WEBHOOK_TOKEN],
        "gateway_admin_api_keys": [ADMIN_KEY],
        "omc_auth_jwt_secret": OMC_SECRET,
        "gateway_max_body_bytes": 4096,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own, separate from the app's: what it sees is committed."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "database_url" not in request.fixturenames:
        return
    engine = create_engine(request.getfixturevalue("database_url"))
    try:
        async with engine.begin() as connection:
            for table in ("delivery_actions", "delivery_attempts", "notifications"):
                await connection.execute(text(f"DELETE FROM {table}"))
    finally:
        await engine.dispose()


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
        yield c


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def webhook_headers() -> dict[str, str]:
    return {"Authorization": WEBHOOK_TOKEN}


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
