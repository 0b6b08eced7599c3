"""`zgw-gateway migrate` and `zgw-gateway worker` as the processes an operator runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.db.session import create_engine
from app.main import create_app
from tests.conftest import make_settings
from tests.helpers import gateway_env, post_notification

pytestmark = pytest.mark.e2e


async def test_migrate_then_a_separate_worker_handles_what_the_api_stored(
    fresh_database: Any, tmp_path: Path, repo_root: Path
) -> None:
    url = fresh_database("processes")
    env = gateway_env(url, repo_root, GATEWAY_WORKER_POLL_INTERVAL="PT0.05S")

    migrate = subprocess.run(
        [sys.executable, "-m", "app.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    # The API without a worker: notifications stay queued.
    app = create_app(make_settings(url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(5):
                await post_notification(client)

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        engine = create_engine(url)
        try:
            deadline = time.monotonic() + 30
            while True:
                async with engine.connect() as connection:
                    statuses = (
                        await connection.execute(text("SELECT status FROM notifications"))
                    ).scalars()
                    pending = [s for s in statuses if s != "skipped"]
                if not pending:
                    break
                assert worker.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, f"still pending: {pending}"
                time.sleep(0.05)
        finally:
            await engine.dispose()
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)

    output = log_path.read_text()
    assert worker.returncode == 0, output
    assert output.count('"event": "delivery_finished"') == 5
    assert '"event": "worker_stopped"' in output


def test_commands_refuse_to_start_on_a_broken_configuration(
    tmp_path: Path, repo_root: Path, database_url: str
) -> None:
    env = gateway_env(database_url, repo_root)
    env["GATEWAY_MAX_BODY_BYTES"] = "many"

    for command in ("serve", "worker", "migrate"):
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", command],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 1, command
        assert "GATEWAY_MAX_BODY_BYTES" in result.stderr
