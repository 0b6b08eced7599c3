"""The delivery worker: wakes on new notifications, records every attempt, retries crashes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.schemas import NotificationMessage
from app.clients.base import OriginGuard, note_upstream_call
from app.db.session import create_session_factory
from app.pipeline.actions import ActionExecutor
from app.pipeline.runner import Pipeline
from app.pipeline.trace import Plan, Trace
from app.worker.delivery import DeliveryWorker
from tests.helpers import post_notification


class Exploding:
    name = "exploding"

    def matches(self, message: NotificationMessage) -> bool:
        return True

    async def run(self, message: NotificationMessage, trace: Trace) -> Plan:
        raise RuntimeError("bug in a scenario")


class Sending:
    name = "decision_made"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def matches(self, message: NotificationMessage) -> bool:
        return message.kanaal == "besluiten"

    async def run(self, message: NotificationMessage, trace: Trace) -> Plan:
        self.seen.append(message.resourceUrl)
        for _ in range(5):
            note_upstream_call("zaken")
        trace.passed("document_status", "status is definitief")
        return Plan(actions=[], personalisation={})


# The URLs of `tests.helpers.besluiten_notification`.
GUARD = OriginGuard(["https://openzaak.gemeente.nl"])


def pipeline(scenario: object, engine: AsyncEngine) -> Pipeline:
    executor = ActionExecutor(create_session_factory(engine), upstreams=None)  # type: ignore[arg-type]
    return Pipeline([scenario], GUARD, executor)  # type: ignore[list-item]


async def test_a_crashing_scenario_is_retried_later_not_lost(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    await post_notification(client)
    worker = DeliveryWorker(create_session_factory(engine), pipeline(Exploding(), engine))

    assert await worker.run_once() == 1
    assert await worker.run_once() == 0  # not due yet

    async with engine.connect() as connection:
        row = (
            await connection.execute(
                text("SELECT status, reason, next_attempt_at FROM notifications")
            )
        ).one()
    assert row.status == "retrying"
    assert "RuntimeError" in row.reason
    assert "bug in a scenario" not in row.reason
    next_attempt = row.next_attempt_at
    if isinstance(next_attempt, str):
        next_attempt = datetime.fromisoformat(next_attempt)
    if next_attempt.tzinfo is None:
        next_attempt = next_attempt.replace(tzinfo=UTC)
    assert next_attempt > datetime.now(UTC)


async def test_scenario_outcome_is_recorded_with_its_checks(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    webhook_headers: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    delivery_id = await post_notification(client)
    other = await post_notification(client, kanaal="zaken")
    scenario = Sending()
    worker = DeliveryWorker(create_session_factory(engine), pipeline(scenario, engine))

    assert await worker.run_once() == 2

    trace = (await client.get(f"/api/v1/deliveries/{delivery_id}", headers=admin_headers)).json()
    assert trace["status"] == "done"
    assert trace["scenario"] == "decision_made"
    assert [c["name"] for c in trace["checks"]] == ["scenario", "url_allowed", "document_status"]
    assert trace["attempts"][0]["upstream_calls"] == 5
    assert len(scenario.seen) == 1
    skipped = (await client.get(f"/api/v1/deliveries/{other}", headers=admin_headers)).json()
    assert skipped["status"] == "skipped"


async def test_in_process_worker_is_woken_by_the_webhook(
    database_url: str, webhook_headers: dict[str, str], admin_headers: dict[str, str]
) -> None:
    from datetime import timedelta

    from app.main import create_app
    from tests.conftest import make_settings

    # A poll interval far longer than the test may take: only the wake-up can get it done.
    settings = make_settings(database_url, gateway_worker_poll_interval=timedelta(hours=1))
    app: FastAPI = create_app(settings, run_worker=True)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            delivery_id = await post_notification(client)
            status = "queued"
            async with asyncio.timeout(10):
                while status in ("queued", "processing"):
                    await asyncio.sleep(0.01)
                    trace = await client.get(
                        f"/api/v1/deliveries/{delivery_id}", headers=admin_headers
                    )
                    status = trace.json()["status"]

    assert status == "skipped"


class Gated:
    """A scenario whose runs wait until the test releases them one by one."""

    name = "decision_made"

    def __init__(self) -> None:
        self.started: asyncio.Queue[str] = asyncio.Queue()
        self.release: dict[str, asyncio.Event] = {}
        self.running = 0
        self.most_at_once = 0

    def matches(self, message: NotificationMessage) -> bool:
        return True

    async def run(self, message: NotificationMessage, trace: Trace) -> Plan:
        gate = self.release.setdefault(message.resourceUrl, asyncio.Event())
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await self.started.put(message.resourceUrl)
        try:
            await gate.wait()
        finally:
            self.running -= 1
        return Plan(actions=[], personalisation={})


async def test_a_free_slot_is_filled_without_waiting_for_the_rest_of_the_batch(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    for _ in range(3):
        await post_notification(client)
    scenario = Gated()
    worker = DeliveryWorker(
        create_session_factory(engine), pipeline(scenario, engine), concurrency=2, batch_size=2
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(10):
            first = await scenario.started.get()
            second = await scenario.started.get()
            scenario.release[first].set()
            third = await scenario.started.get()  # while `second` is still held
            assert not scenario.release[second].is_set()
            for url in (second, third):
                scenario.release[url].set()
    finally:
        stop.set()
        for gate in scenario.release.values():
            gate.set()
        await running

    assert scenario.most_at_once == 2
    assert len({first, second, third}) == 3
