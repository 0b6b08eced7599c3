"""Claims and leases: no two workers hold the same delivery; a dead worker's delivery is
taken over when its lease runs out, and the late worker cannot overwrite the result."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import repository
from app.db.models import DeliveryAttempt, Notification
from app.db.session import create_session_factory
from tests.helpers import post_notification


async def _post(client: httpx.AsyncClient, n: int = 1) -> None:
    for _ in range(n):
        await post_notification(client)


async def test_claims_do_not_overlap(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    await _post(client, 5)
    sessions = create_session_factory(engine)
    lease = timedelta(minutes=5)

    async with sessions() as session, session.begin():
        first = await repository.claim_due(session, worker="a", limit=3, lease=lease)
    async with sessions() as session, session.begin():
        second = await repository.claim_due(session, worker="b", limit=3, lease=lease)
    async with sessions() as session, session.begin():
        third = await repository.claim_due(session, worker="c", limit=3, lease=lease)

    assert len(first) == 3
    assert len(second) == 2
    assert third == []
    claimed = {c.notification_id for c in first} | {c.notification_id for c in second}
    assert len(claimed) == 5


async def test_expired_lease_is_taken_over_and_the_late_worker_loses(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    await _post(client)
    sessions = create_session_factory(engine)

    async with sessions() as session, session.begin():
        [dead] = await repository.claim_due(
            session, worker="dead", limit=10, lease=timedelta(minutes=5)
        )
    async with sessions() as session, session.begin():
        assert await repository.claim_due(session, worker="b", limit=10, lease=timedelta(1)) == []
        # The lease runs out (moved into the past rather than waiting for it).
        await session.execute(
            update(Notification).values(lease_expires_at=Notification.received_at)
        )
    async with sessions() as session, session.begin():
        [taken] = await repository.claim_due(
            session, worker="b", limit=10, lease=timedelta(minutes=5)
        )
    async with sessions() as session, session.begin():
        late = await repository.finish_attempt(
            session,
            claim=dead,
            worker="dead",
            status="done",
            scenario=None,
            reason=None,
            checks=[],
            upstream_calls=0,
        )
        on_time = await repository.finish_attempt(
            session,
            claim=taken,
            worker="b",
            status="skipped",
            scenario=None,
            reason="because",
            checks=[],
            upstream_calls=0,
        )

    assert taken.notification_id == dead.notification_id
    assert taken.attempt_number == dead.attempt_number + 1
    assert (late, on_time) == (False, True)
    async with engine.connect() as connection:
        status = (await connection.execute(text("SELECT status FROM notifications"))).scalar()
        attempts = (
            await connection.execute(
                text("SELECT number, outcome FROM delivery_attempts ORDER BY number")
            )
        ).all()
    assert status == "skipped"
    assert [tuple(a) for a in attempts] == [(1, "abandoned"), (2, "skipped")]


async def test_released_claim_is_due_again(
    client: httpx.AsyncClient, engine: AsyncEngine, webhook_headers: dict[str, str]
) -> None:
    await _post(client)
    sessions = create_session_factory(engine)
    lease = timedelta(minutes=5)

    async with sessions() as session, session.begin():
        [claim] = await repository.claim_due(session, worker="a", limit=1, lease=lease)
        await repository.release_lease(session, claim=claim, worker="a")
    async with sessions() as session, session.begin():
        [again] = await repository.claim_due(session, worker="b", limit=1, lease=lease)

    assert again.notification_id == claim.notification_id
    assert again.attempt_number == 1
    async with sessions() as session:
        count = len((await session.execute(text("SELECT id FROM delivery_attempts"))).all())
    assert count == 1
    assert DeliveryAttempt.__tablename__ == "delivery_attempts"
