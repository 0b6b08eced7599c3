"""`zgw-gateway send-example`: post a realistic notification to a running gateway and show what
it did with it.

The example comes from the gateway's embedded sandbox (`POST /sandbox/_sandbox/examples/...`),
which seeds a fresh case for it; the notification is posted to the webhook like Open
Notificaties would, and the delivery trace is printed once it is final, with the message the
sandbox's Notify rendered. Only the masked target of an action is printed, never an address.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, TextIO

import httpx

FINAL = ("done", "skipped", "failed")


class ExampleFailed(Exception):
    """Something the operator can act on; the message says what."""


@dataclass(frozen=True)
class ExampleRun:
    gateway_url: str
    webhook_auth: str
    admin_key: str | None
    timeout: float = 30.0
    poll_interval: float = 0.2


def send_example(run: ExampleRun, scenario: str, out: TextIO) -> dict[str, Any]:
    """Post the example and print its final trace; returns the trace (or the acceptance)."""
    try:
        with httpx.Client(base_url=run.gateway_url, timeout=10, trust_env=False) as client:
            example = _example(client, scenario)
            accepted = _post(client, run, example["notification"])
            print(
                f"posted a {scenario} notification (kanaal "
                f"{example['notification']['kanaal']}); delivery {accepted['id']}",
                file=out,
            )
            if run.admin_key is None:
                print(
                    "GATEWAY_ADMIN_API_KEYS is empty, so the trace cannot be read; "
                    f"it is at {accepted['url']}",
                    file=out,
                )
                return accepted
            trace = _final_trace(client, run, accepted["url"])
            messages = _get(client, "/sandbox/notify/messages").json()
    except httpx.ConnectError:
        raise ExampleFailed(
            f"no gateway answers at {run.gateway_url}; start it with `make run`"
        ) from None
    except httpx.HTTPError as error:
        raise ExampleFailed(f"{type(error).__name__} talking to {run.gateway_url}") from None
    print_trace(trace, messages, out)
    return trace


def _example(client: httpx.Client, scenario: str) -> dict[str, Any]:
    response = client.post(f"/sandbox/_sandbox/examples/{scenario}")
    if response.status_code == 404 and "known" in response.text:
        raise ExampleFailed(response.json().get("detail", f"no example for {scenario!r}"))
    if response.status_code == 404:
        raise ExampleFailed(
            f"the gateway at {client.base_url} does not run the sandbox (real endpoints are "
            "configured), so there is no example case to point a notification at"
        )
    response.raise_for_status()
    example: dict[str, Any] = response.json()
    return example


def _post(client: httpx.Client, run: ExampleRun, notification: dict[str, Any]) -> dict[str, Any]:
    response = client.post(
        "/api/v1/notifications", json=notification, headers={"Authorization": run.webhook_auth}
    )
    if response.status_code not in (200, 202):
        raise ExampleFailed(
            f"the webhook answered {response.status_code}: {_detail(response)} (is "
            "GATEWAY_NOTIFICATION_AUTH the same here as for the running gateway?)"
        )
    accepted: dict[str, Any] = response.json()
    return accepted


def _final_trace(client: httpx.Client, run: ExampleRun, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + run.timeout
    while True:
        trace = _get(client, url, admin_key=run.admin_key).json()
        if trace["status"] in FINAL:
            result: dict[str, Any] = trace
            return result
        if time.monotonic() > deadline:
            raise ExampleFailed(
                f"the delivery is still {trace['status']} after {run.timeout:.0f} s "
                f"(reason: {trace.get('reason') or 'none yet'}); is the worker running?"
            )
        time.sleep(run.poll_interval)


def _get(client: httpx.Client, url: str, *, admin_key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {admin_key}"} if admin_key else {}
    response = client.get(url, headers=headers)
    if response.status_code in (401, 403):
        raise ExampleFailed(
            f"the admin API refused the key ({response.status_code}); is GATEWAY_ADMIN_API_KEYS "
            "the same here as for the running gateway?"
        )
    response.raise_for_status()
    return response


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail") or response.text)
    except ValueError:
        return response.text[:200]


def print_trace(trace: dict[str, Any], messages: list[dict[str, Any]], out: TextIO) -> None:
    """The trace as an admin reads it, then what the citizen received."""
    print(f"\nstatus: {trace['status']}  (scenario: {trace.get('scenario') or '-'})", file=out)
    if trace.get("reason"):
        print(f"reason: {trace['reason']}", file=out)
    print("checks:", file=out)
    for check in trace.get("checks") or []:
        mark = "ok  " if check["passed"] else "FAIL"
        print(f"  [{mark}] {check['name']}: {check['detail']}", file=out)
    attempts = trace.get("attempts") or []
    if attempts:
        calls = ", ".join(str(a["upstream_calls"]) for a in attempts)
        print(f"attempts: {len(attempts)} (upstream calls: {calls})", file=out)
    actions = trace.get("actions") or []
    if actions:
        print("actions:", file=out)
    by_reference = {m.get("reference"): m for m in messages}
    for action in actions:
        print(
            f"  {action['kind']} -> {action.get('target') or '-'}: {action['status']}"
            + (f" ({action['error']})" if action.get("error") else ""),
            file=out,
        )
        message = by_reference.get(action["id"])
        if message is not None:
            print(f"\n  --- {message['type']} as rendered by the sandbox's Notify ---", file=out)
            if message.get("subject"):
                print(f"  Subject: {message['subject']}\n", file=out)
            for line in str(message.get("body", "")).splitlines():
                print(f"  {line}", file=out)
            print("  ---", file=out)
        elif action["kind"] == "portal_message" and action.get("result"):
            stored = ", ".join(f"{key} {value}" for key, value in action["result"].items())
            print(f"  stored: {stored}", file=out)
