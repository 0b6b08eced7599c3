"""The first ten minutes: `serve` on the embedded defaults mounts the sandbox, and
`send-example` shows a decision-made notification go all the way through it."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.send_example import ExampleFailed, ExampleRun, send_example
from tests.e2e.conftest import served_gateway
from tests.helpers import ADMIN_KEY, WEBHOOK_TOKEN, gateway_env

pytestmark = pytest.mark.e2e


def _demo_env(database_url: str, repo_root: Path, **extra: str) -> dict[str, str]:
    env = gateway_env(database_url, repo_root, **extra)
    if "GATEWAY_SANDBOX" not in extra:
        del env["GATEWAY_SANDBOX"]  # the embedded default: no endpoints, so the sandbox
    return env


def _send_example(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "send-example", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_send_example_goes_through_the_embedded_sandbox(
    tmp_path: Path, database_url: str, repo_root: Path
) -> None:
    env = _demo_env(database_url, repo_root)
    with served_gateway(tmp_path, env) as base:
        sent = _send_example(env, tmp_path, "decision_made", "--url", base)
        callback = f"{base}/api/v1/notifications"
        subscribed = subprocess.run(
            [sys.executable, "-m", "app.cli", "subscribe", "--callback-url", callback],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        abonnementen = httpx.get(f"{base}/sandbox/_sandbox/abonnementen").json()
        wrong_key = {**env, "GATEWAY_NOTIFICATION_AUTH": "Bearer not-the-gateways-key"}
        refused = _send_example(wrong_key, tmp_path, "--url", base)
        messages = httpx.get(f"{base}/sandbox/notify/messages").json()
        page = httpx.get(f"{base}/sandbox/notify")
        index = httpx.get(f"{base}/sandbox/")
        violations = httpx.get(f"{base}/sandbox/_sandbox/contract-violations").json()
        delivery_id = sent.stdout.split("delivery ", 1)[1].split()[0]
        trace = httpx.get(
            f"{base}/api/v1/deliveries/{delivery_id}",
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        ).json()
    log_text = (tmp_path / "serve.log").read_text()

    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "status: done" in sent.stdout
    assert "[ok  ] contact_channel" in sent.stdout
    [action] = trace["actions"]
    assert (action["kind"], action["status"]) == ("notify_email", "done")
    # One message, sent for this action, rendered; the command shows its text and a masked
    # address only.
    [message] = messages
    assert message["reference"] == action["id"]
    assert f"Subject: {message['subject']}" in sent.stdout
    assert message["body"].splitlines()[0] in sent.stdout
    assert message["to"] not in sent.stdout
    assert action["target"] in sent.stdout
    # The page a citizen would see, escaped; the JSON and the page agree.
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert html.escape(message["subject"]) in page.text
    assert violations == []
    assert f'href="{base}/sandbox/notify"' in index.text
    # Subscribing in sandbox mode: the stand-in's callback test reached this very gateway.
    assert subscribed.returncode == 0, subscribed.stdout + subscribed.stderr
    assert "abonnement created" in subscribed.stdout
    assert "callback test: passed" in subscribed.stdout
    assert [a["callbackUrl"] for a in abonnementen] == [f"{base}/api/v1/notifications"]
    # A key the webhook does not accept: said plainly, and nothing was sent for it.
    assert refused.returncode == 1
    assert "the webhook answered 403" in refused.stderr
    # Loud about the sandbox, silent about the citizen.
    assert '"event": "sandbox_mode"' in log_text
    assert "SANDBOX MODE" in log_text
    assert message["to"] not in log_text


def test_any_real_endpoint_switches_the_sandbox_off(
    tmp_path: Path, database_url: str, repo_root: Path
) -> None:
    env = _demo_env(
        database_url, repo_root, ZGW_ENDPOINT_OPENZAAK="https://openzaak.gemeente.nl/zaken/api/v1"
    )
    with served_gateway(tmp_path, env) as base:
        mounted = httpx.get(f"{base}/sandbox/notify/messages")
        sent = _send_example(env, tmp_path, "--url", base)
    assert mounted.status_code == 404
    assert sent.returncode == 1
    assert "does not run the sandbox" in sent.stderr
    assert "SANDBOX MODE" not in (tmp_path / "serve.log").read_text()


def test_check_config_refuses_sandbox_mixed_with_real_endpoints(
    tmp_path: Path, database_url: str, repo_root: Path
) -> None:
    env = _demo_env(
        database_url,
        repo_root,
        GATEWAY_SANDBOX="true",
        NOTIFY_API_BASEURL="https://api.notifynl.nl",
    )
    checked = subprocess.run(
        [sys.executable, "-m", "app.cli", "check-config"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 1
    assert "GATEWAY_SANDBOX: the sandbox cannot be combined with real endpoints" in checked.stdout
    assert "NOTIFY_API_BASEURL" in checked.stdout


def test_a_separate_worker_refuses_sandbox_mode(
    tmp_path: Path, database_url: str, repo_root: Path
) -> None:
    worker = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=tmp_path,
        env=_demo_env(database_url, repo_root),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert worker.returncode == 1
    assert "The sandbox lives inside `zgw-gateway serve`" in worker.stderr


def test_send_example_without_a_gateway_says_how_to_start_one() -> None:
    run = ExampleRun(gateway_url="http://127.0.0.1:9", webhook_auth=WEBHOOK_TOKEN, admin_key=None)
    with pytest.raises(ExampleFailed, match="start it with `make run`"):
        send_example(run, "decision_made", sys.stdout)
