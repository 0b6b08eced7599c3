"""The kill test: workers SIGKILLed mid-work lose nothing and send nothing twice.

PostgreSQL (when TEST_DATABASE_URL is set): three workers, one killed and replaced at least ten
times. SQLite (the default run): a single worker killed and restarted at least ten times. Both
with 500 notifications through the real webhook; see tests/reliability/harness.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_BASE_URL
from tests.helpers import create_postgres_database, drop_postgres_database
from tests.reliability.harness import KillConfig, run_kill_test

pytestmark = pytest.mark.e2e

NOTIFICATIONS = 500
KILLS = 10


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    if not POSTGRES_BASE_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    url = await create_postgres_database(POSTGRES_BASE_URL)
    yield url
    await drop_postgres_database(POSTGRES_BASE_URL, url)


async def test_killing_workers_on_postgresql_loses_and_doubles_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    summary = await run_kill_test(
        KillConfig(
            database_url=postgres_url,
            workers=3,
            notifications=NOTIFICATIONS,
            kills=KILLS,
            workdir=tmp_path,
        )
    )
    print(summary.as_text())  # shown with -s, and by pytest on failure
    assert summary.problems() == [], summary.as_text()
    assert summary.kills >= KILLS
    assert summary.messages == NOTIFICATIONS


@pytest.mark.skipif(bool(POSTGRES_BASE_URL), reason="the SQLite run only")
async def test_killing_the_single_worker_on_sqlite_loses_and_doubles_nothing(
    tmp_path: Path,
) -> None:
    summary = await run_kill_test(
        KillConfig(
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
            workers=1,
            notifications=NOTIFICATIONS,
            kills=KILLS,
            workdir=tmp_path,
        )
    )
    print(summary.as_text())
    assert summary.problems() == [], summary.as_text()
    assert summary.kills >= KILLS
    assert summary.messages == NOTIFICATIONS
