"""The upstream fault matrix and the redelivery storm, end to end against the sandbox.

Every fault ends in one of two ways: `done` with exactly one message (retries that send nothing
twice, a lost answer adopted by reference), or `failed` with a reason that names the upstream and
what it said, when trying again cannot help (a 4xx, or the retries ran out). No action is left
`pending` once a delivery is final, except where the gateway cannot know whether a send went out
(Notify unreachable until the retries ran out): then `pending` makes an admin's retry look the
message up by reference before sending it.

Retries wait milliseconds here (`FAST`), and the upstream timeout is 1.5 s, so the whole matrix
runs in seconds; the sandbox's contract checker is warmed up first, so that the
short timeout measures the injected fault and not the parsing of the OpenAPI files.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from app.sandbox import Sandbox
from tests.e2e.conftest import GatewayFactory
from tests.helpers import ADMIN_KEY, WEBHOOK_TOKEN

pytestmark = pytest.mark.e2e

FAST: dict[str, Any] = {
    "gateway_retry_base_delay": timedelta(milliseconds=20),
    "gateway_retry_max_delay": timedelta(milliseconds=100),
    "gateway_retry_jitter": 0.0,
}
# Short, but far above any normal sandbox answer: under a full, parallel suite a garbage
# collection or a busy CPU can hold up an answer for half a second, which must not read as the
# injected timeout.
UPSTREAM_TIMEOUT = timedelta(milliseconds=1500)
SLOW_MS = 2000  # an answer this late is a timeout for the gateway
NOTIFY_SEND = "/v2/notifications/"  # the send endpoints (email, sms), not the lookup


@pytest.fixture(scope="module", autouse=True)
def _warm_contracts(sandbox: Sandbox) -> None:
    if sandbox.contracts is not None:
        sandbox.contracts.preload()


def outcomes(trace: dict[str, Any]) -> list[str | None]:
    return [a["outcome"] for a in trace["attempts"]]


def assert_nothing_pending(trace: dict[str, Any]) -> None:
    assert [a for a in trace["actions"] if a["status"] == "pending"] == [], trace["actions"]


async def until(condition: Callable[[], bool], *, timeout: float = 5) -> None:
    """Poll `condition` until it holds (bounded): for what the sandbox records late."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


def seconds_between(earlier: str, later: str) -> float:
    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()


# --- transient faults: retried, then done with exactly one message ---------------------------


@dataclass(frozen=True)
class Recovers:
    """A fault the gateway must ride out: `attempts` outcomes, then done with one message."""

    faults: tuple[dict[str, Any], ...]
    attempts: tuple[str, ...]
    # Each must appear in the first attempt's reason: the upstream and what went wrong.
    reason: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    adopted: bool = False  # the message went out on a try whose answer was lost
    notify_posts: int = 1  # sends that reached Notify, refused ones included
    lookups: int = 0  # GET /v2/notifications?reference= before sending again
    min_wait: float = 0.0  # seconds between the first attempt's end and the second's start


RECOVERS = {
    "openzaak-zaken-503x3": Recovers(
        faults=({"service": "zaken", "status": 503, "count": 3},),
        attempts=("retrying", "retrying", "retrying", "done"),
        reason=("zaken ", "/zaken/api/v1/zaken/", "answered HTTP 503"),
    ),
    "openzaak-besluiten-503x3": Recovers(
        faults=({"service": "besluiten", "status": 503, "count": 3},),
        attempts=("retrying", "retrying", "retrying", "done"),
        reason=("besluiten ", "/besluitinformatieobjecten/", "answered HTTP 503"),
    ),
    "openzaak-catalogi-503x3": Recovers(
        faults=({"service": "catalogi", "status": 503, "count": 3},),
        attempts=("retrying", "retrying", "retrying", "done"),
        reason=("catalogi ", "/catalogi/api/v1/", "answered HTTP 503"),
    ),
    "openzaak-zaken-timeout": Recovers(
        faults=({"service": "zaken", "status": 504, "delay_ms": SLOW_MS},),
        attempts=("retrying", "done"),
        reason=("zaken ", "/zaken/api/v1/zaken/", "ReadTimeout"),
        settings={"gateway_upstream_timeout": UPSTREAM_TIMEOUT},
    ),
    "openklant-500": Recovers(
        faults=({"service": "klantinteracties", "status": 500},),
        attempts=("retrying", "done"),
        reason=("openklant ", "/klantinteracties/api/v1/partijen", "answered HTTP 500"),
    ),
    "notify-503-before-send": Recovers(
        faults=({"service": "notify", "status": 503, "method": "POST"},),
        attempts=("retrying", "done"),
        reason=("notify ", "/v2/notifications/email", "answered HTTP 503"),
        notify_posts=2,
        lookups=1,
    ),
    "notify-429-retry-after-1s": Recovers(
        faults=({"service": "notify", "status": 429, "method": "POST", "retry_after": 1},),
        attempts=("retrying", "done"),
        reason=("notify ", "answered HTTP 429", "Exceeded rate limit"),
        min_wait=1.0,
        notify_posts=2,
        lookups=1,
    ),
    "notify-500-after-send-adopted": Recovers(
        faults=(
            {
                "service": "notify",
                "status": 500,
                "method": "POST",
                "path_contains": NOTIFY_SEND,
                "when": "after",
            },
        ),
        attempts=("retrying", "done"),
        reason=("notify ", "/v2/notifications/email", "answered HTTP 500"),
        adopted=True,
        lookups=1,
    ),
    "notify-timeout-after-send-adopted": Recovers(
        faults=(
            {
                "service": "notify",
                "status": 504,
                "method": "POST",
                "path_contains": NOTIFY_SEND,
                "when": "after",
                "delay_ms": SLOW_MS,
            },
        ),
        attempts=("retrying", "done"),
        reason=("notify ", "/v2/notifications/email", "request failed (ReadTimeout)"),
        settings={"gateway_upstream_timeout": UPSTREAM_TIMEOUT},
        adopted=True,
        lookups=1,
    ),
}


@pytest.mark.parametrize("case", list(RECOVERS.values()), ids=list(RECOVERS))
async def test_transient_fault_recovers_with_one_message(
    gateway: GatewayFactory, sandbox: Sandbox, case: Recovers
) -> None:
    seeded = sandbox.seed_decision_case()
    for fault in case.faults:
        sandbox.add_fault(**fault)

    async with gateway(**FAST, **case.settings) as gw:
        trace = await gw.final_trace(await gw.post(seeded.notification))
    for fault in case.faults:
        if fault.get("delay_ms"):
            # A slow fault answers (and is recorded) only after its delay: wait for it here, so
            # that it lands in this test and not in the next one's sandbox.
            await until(lambda f=fault: _recorded(sandbox, f["service"], f["status"]))

    assert trace["status"] == "done", trace["reason"]
    assert tuple(outcomes(trace)) == case.attempts
    first = trace["attempts"][0]["reason"]
    for part in case.reason:
        assert part in first, first
    assert trace["reason"] is None

    [action] = trace["actions"]
    assert (action["kind"], action["status"]) == ("notify_email", "done")
    assert_nothing_pending(trace)
    [message] = sandbox.notify_messages  # exactly one, whatever the retries did
    assert message["reference"] == action["id"]  # the same action id on every try
    assert message["to"] == seeded.email
    assert action["result"]["notify_id"] == message["id"]
    assert action["result"].get("adopted", False) is case.adopted
    notify = sandbox.requests_to("notify")
    assert len([r for r in notify if r.method == "POST"]) == case.notify_posts
    lookups = [r for r in notify if r.method == "GET" and r.path == "/v2/notifications"]
    assert [r.query.get("reference") for r in lookups] == [action["id"]] * case.lookups
    if case.min_wait:
        first_attempt, second_attempt = trace["attempts"][:2]
        waited = seconds_between(first_attempt["finished_at"], second_attempt["started_at"])
        # The retry time is computed a moment before `finished_at` is stamped: a few ms early.
        assert waited >= case.min_wait - 0.05, waited


def _recorded(sandbox: Sandbox, service: str, status: int) -> bool:
    return any(r.service == service and r.status == status for r in sandbox.requests)


# --- permanent faults and exhausted retries: failed, with a reason that says why -------------


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port bound but not listening: connecting to it is refused, and nobody else takes it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@dataclass(frozen=True)
class Fails:
    """A delivery that must end `failed` after `attempts`, its reason holding every `reason`."""

    attempts: tuple[str, ...]
    reason: tuple[str, ...]
    faults: tuple[dict[str, Any], ...] = ()
    # Settings overrides, given the sandbox's base URL and a port where connections are refused.
    settings: Callable[[str, int], dict[str, Any]] = lambda base, port: {}
    missing_resource: bool = False  # the notification's besluitinformatieobject does not exist
    action: str | None = None  # the status of the one action, None when none was planned
    notify_posts: int = 0


BAD_TEMPLATE = "0e6f3c1a-9d2b-4c7e-8a5f-1b2c3d4e5f60"

FAILS = {
    "notify-400-bad-template": Fails(
        attempts=("failed",),
        reason=("notify ", "/v2/notifications/email", "answered HTTP 400", "Template not found"),
        settings=lambda base, port: {"notify_templateid_email_decisionmade": BAD_TEMPLATE},
        action="failed",
        notify_posts=1,
    ),
    "openzaak-404-besluitinformatieobject": Fails(
        attempts=("failed",),
        reason=("besluiten ", "/besluiten/api/v1/besluitinformatieobjecten/", "answered HTTP 404"),
        missing_resource=True,
    ),
    "openzaak-zaken-503-persistent-gives-up": Fails(
        attempts=("retrying", "retrying", "failed"),
        reason=(
            "zaken ",
            "/zaken/api/v1/zaken/",
            "answered HTTP 503",
            "; gave up after 3 attempts (GATEWAY_RETRY_MAX_ATTEMPTS)",
        ),
        faults=({"service": "zaken", "status": 503, "count": None},),
        settings=lambda base, port: {"gateway_retry_max_attempts": 3},
    ),
    "openklant-connection-refused-gives-up": Fails(
        attempts=("retrying", "failed"),
        reason=(
            "openklant ",
            "/klantinteracties/api/v1/partijen",
            "ConnectError",
            "connection refused",
            "; gave up after 2 attempts (GATEWAY_RETRY_MAX_ATTEMPTS)",
        ),
        settings=lambda base, port: {
            "zgw_endpoint_openklant": f"http://127.0.0.1:{port}/klantinteracties/api/v1",
            "gateway_retry_max_attempts": 2,
        },
    ),
    # The one case that ends with an action `pending`: whether the first send went out is not
    # known to the gateway, so an admin's retry looks it up by reference before sending.
    "notify-connection-refused-gives-up": Fails(
        attempts=("retrying", "failed"),
        reason=(
            "notify ",
            "/v2/notifications",  # the second attempt's lookup by reference
            "request failed (ConnectionError: connection refused)",
            "; gave up after 2 attempts (GATEWAY_RETRY_MAX_ATTEMPTS)",
        ),
        settings=lambda base, port: {
            "notify_api_baseurl": f"http://127.0.0.1:{port}",
            "gateway_retry_max_attempts": 2,
        },
        action="pending",
    ),
}


@pytest.mark.parametrize("case", list(FAILS.values()), ids=list(FAILS))
async def test_permanent_fault_fails_with_a_precise_reason(
    gateway: GatewayFactory, sandbox: Sandbox, closed_port: int, case: Fails
) -> None:
    seeded = sandbox.seed_decision_case()
    notification = seeded.notification
    if case.missing_resource:
        base = sandbox.config.base_url
        missing = f"{base}/besluiten/api/v1/besluitinformatieobjecten/{uuid.uuid4()}"
        notification = {**notification, "resourceUrl": missing}
    for fault in case.faults:
        sandbox.add_fault(**fault)

    async with gateway(**FAST, **case.settings(sandbox.config.base_url, closed_port)) as gw:
        trace = await gw.final_trace(await gw.post(notification))

    assert trace["status"] == "failed"
    assert tuple(outcomes(trace)) == case.attempts
    for part in case.reason:
        assert part in trace["reason"], trace["reason"]
    assert trace["attempts"][-1]["reason"] == trace["reason"]
    assert trace["next_attempt_at"] is None
    assert [a["status"] for a in trace["actions"]] == ([case.action] if case.action else [])
    if case.action != "pending":
        assert_nothing_pending(trace)
    assert sandbox.notify_messages == []
    notify_posts = [r for r in sandbox.requests_to("notify") if r.method == "POST"]
    assert len(notify_posts) == case.notify_posts
    if case.missing_resource:
        assert seeded.bsn not in str(trace)


# --- the redelivery storm: fifty copies at once, stored once, sent once ----------------------


async def test_redelivery_storm_of_fifty_is_stored_once_and_sent_once(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    seeded = sandbox.seed_decision_case()
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}

    async def deliver() -> tuple[int, dict[str, Any]]:
        response = await gw.client.post(
            "/api/v1/notifications",
            json=seeded.notification,
            headers={"Authorization": WEBHOOK_TOKEN},
        )
        return response.status_code, response.json()

    async with gateway(**FAST) as gw:
        storm = await asyncio.gather(*(deliver() for _ in range(50)))
        [delivery_id] = {body["id"] for _, body in storm}
        trace = await gw.final_trace(delivery_id)
        # Open Notificaties keeps trying after the delivery is done: still the same one.
        late = await asyncio.gather(*(deliver() for _ in range(10)))
        listing = await gw.client.get("/api/v1/deliveries", headers=admin)

    statuses = [status for status, _ in storm]
    assert (statuses.count(202), statuses.count(200)) == (1, 49), statuses
    assert all(body["duplicate"] is (status == 200) for status, body in storm)
    assert all(body["url"] == f"/api/v1/deliveries/{delivery_id}" for _, body in storm)
    assert [(s, b["id"], b["status"]) for s, b in late] == [(200, delivery_id, "done")] * 10
    assert listing.status_code == 200, listing.text
    assert listing.json()["count"] == 1
    assert [d["id"] for d in listing.json()["results"]] == [delivery_id]

    assert trace["status"] == "done", trace["reason"]
    assert outcomes(trace) == ["done"]
    [action] = trace["actions"]
    assert action["status"] == "done"
    [message] = sandbox.notify_messages
    assert message["reference"] == action["id"]
