"""Leases: a live worker keeps what it works on, however long it takes."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import repository
from app.db.session import create_session_factory
from app.worker.delivery import DeliveryWorker
from tests.helpers import post_notification
from tests.worker.test_delivery import Gated, pipeline


async def test_a_delivery_slower_than_the_lease_is_not_taken_over_while_its_worker_lives(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    await post_notification(client)
    lease = timedelta(milliseconds=300)
    session_factory = create_session_factory(engine)
    scenario = Gated()
    worker = DeliveryWorker(session_factory, pipeline(scenario, engine), lease=lease)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(10):
            started = await scenario.started.get()
            # For several lease lengths, another worker finds nothing to take over.
            until = time.monotonic() + 4 * lease.total_seconds()
            while time.monotonic() < until:
                async with session_factory() as session, session.begin():
                    taken = await repository.claim_due(
                        session, worker="other-worker", limit=10, lease=lease
                    )
                assert taken == []
                await asyncio.sleep(0.05)
            scenario.release[started].set()
            async with engine.connect() as connection:
                while True:
                    status = (
                        await connection.execute(text("SELECT status FROM notifications"))
                    ).scalar_one()
                    if status != "processing":
                        break
                    await asyncio.sleep(0.02)
    finally:
        stop.set()
        for gate in scenario.release.values():
            gate.set()
        await running

    async with engine.connect() as connection:
        attempts = (
            await connection.execute(text("SELECT worker, outcome FROM delivery_attempts"))
        ).all()
    assert status == "done"
    assert [(a.worker, a.outcome) for a in attempts] == [(worker.worker_id, "done")]
