"""The README's two commands, in a scratch copy of the repository with a fresh virtualenv.

A dependency missing from the lock file, a file missing from the package or a step missing from
the Makefile fails here, not on the first integrator's machine. Runs once (the SQLite run): the
steps do not depend on the database.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_BASE_URL
from tests.helpers import free_port, wait_until_ready

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        POSTGRES_BASE_URL is not None, reason="runs once, in the SQLite run of the suite"
    ),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the files"),
]


def _clean_env() -> dict[str, str]:
    """The environment of someone who just cloned: none of the gateway's variables set."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OMC_", "ZGW_", "NOTIFY_", "GATEWAY_", "DATABASE_URL", "PYTHON"))
        and key not in ("VIRTUAL_ENV", "TEST_DATABASE_URL")
    }


@pytest.fixture(scope="module")
def scratch(repo_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The files git would check out (tracked, or new and not ignored), nothing else."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo_root,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    target = tmp_path_factory.mktemp("clone") / "zgw-gateway"
    for name in filter(None, listed):
        source = repo_root / os.fsdecode(name)
        if source.is_file():
            destination = target / os.fsdecode(name)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


@pytest.fixture(scope="module")
def make_run(scratch: Path) -> Iterator[str]:
    """`make run` (on another port): virtualenv, install, .env, migrate, serve."""
    port = free_port()
    log_path = scratch / "make-run.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=scratch,
            env=_clean_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        # A fresh virtualenv installs everything first.
        wait_until_ready(process, base, log_path, timeout=300)
        try:
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)


def test_make_run_serves_the_demo_from_a_fresh_clone(scratch: Path, make_run: str) -> None:
    example = subprocess.run(
        [".venv/bin/zgw-gateway", "send-example", "--url", make_run],
        cwd=scratch,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert example.returncode == 0, example.stdout + example.stderr
    assert "status: done" in example.stdout
    assert (scratch / ".env").read_text() == (scratch / ".env.example").read_text()
    assert "SANDBOX MODE" in (scratch / "make-run.log").read_text()


def test_make_test_has_what_it_needs_in_a_fresh_clone(scratch: Path, make_run: str) -> None:
    """`make test`'s tools are installed and every test module imports (the suite itself is
    what the surrounding run is doing)."""
    env = _clean_env()
    for tool in ("ruff", "mypy", "pytest"):
        version = subprocess.run(
            [f".venv/bin/{tool}", "--version"], cwd=scratch, env=env, capture_output=True
        )
        assert version.returncode == 0, tool
    collected = subprocess.run(
        [".venv/bin/pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stdout[-3000:] + collected.stderr[-3000:]
    assert "error" not in collected.stdout.lower().splitlines()[-1]
