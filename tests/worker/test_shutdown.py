"""Graceful shutdown: stop claiming, let in-flight work finish in time, hand back the rest."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import repository
from app.db.session import create_session_factory
from app.worker.delivery import DeliveryWorker
from tests.helpers import post_notification
from tests.worker.test_delivery import Gated, pipeline


async def _stop_while_running(
    engine: AsyncEngine, scenario: Gated, *, shutdown_timeout: timedelta, release: bool
) -> None:
    worker = DeliveryWorker(
        create_session_factory(engine),
        pipeline(scenario, engine),
        shutdown_timeout=shutdown_timeout,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    async with asyncio.timeout(10):
        started = await scenario.started.get()
        stop.set()
        if release:
            scenario.release[started].set()
        await running


async def test_in_flight_delivery_finishes_within_the_timeout(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    delivery_id = await post_notification(client)
    await _stop_while_running(engine, Gated(), shutdown_timeout=timedelta(seconds=10), release=True)
    trace = (await client.get(f"/api/v1/deliveries/{delivery_id}", headers=admin_headers)).json()
    assert trace["status"] == "done"


async def test_delivery_still_running_at_the_timeout_is_handed_back_due_at_once(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    delivery_id = await post_notification(client)
    await post_notification(client, kanaal="zaken")  # must not be claimed after the stop
    scenario = Gated()
    worker = DeliveryWorker(
        create_session_factory(engine),
        pipeline(scenario, engine),
        concurrency=1,
        batch_size=1,
        shutdown_timeout=timedelta(milliseconds=50),
    )
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    async with asyncio.timeout(10):
        await scenario.started.get()
        stop.set()
        await running  # the gate is never opened: the run is interrupted

    trace = (await client.get(f"/api/v1/deliveries/{delivery_id}", headers=admin_headers)).json()
    assert trace["status"] == "retrying"
    assert trace["attempts"][0]["reason"].startswith("interrupted")
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                text("SELECT status, lease_owner FROM notifications ORDER BY received_at")
            )
        ).all()
    assert [(r.status, r.lease_owner) for r in rows] == [("retrying", None), ("queued", None)]
    # Due at once: the next claim takes both (the interrupted one and the untouched one).
    async with create_session_factory(engine)() as session, session.begin():
        claims = await repository.claim_due(
            session, worker="other", limit=10, lease=timedelta(minutes=1)
        )
    assert {c.notification_id for c in claims} >= {uuid.UUID(delivery_id)}
    assert len(claims) == 2
