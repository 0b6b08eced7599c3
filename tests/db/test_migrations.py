"""Migrations are the only way the schema is made: up, down and up again, on this backend."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

from app.db.migrate import downgrade, head_revision, upgrade
from app.db.models import Base
from app.db.session import create_engine

TABLES = {"notifications", "delivery_attempts", "delivery_actions"}


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    return names - {"alembic_version"}


async def _model_diff(url: str) -> list[Any]:
    def diff(connection: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


def test_head_is_known() -> None:
    assert head_revision() == "0003"


async def test_upgrade_downgrade_upgrade(fresh_database: Any) -> None:
    url = fresh_database("migrations")

    # Alembic's env runs its own event loop: give it a thread of its own.
    await asyncio.to_thread(upgrade, url)
    assert await _tables(url) == TABLES
    assert await _model_diff(url) == []

    await asyncio.to_thread(downgrade, url, "base")
    assert await _tables(url) == set()

    await asyncio.to_thread(upgrade, url)
    assert await _tables(url) == TABLES
