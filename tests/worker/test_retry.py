"""The retry schedule: backoff with jitter, Retry-After as a floor, and giving up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.session import create_session_factory
from app.worker.delivery import DeliveryWorker
from app.worker.retry import RetryPolicy
from tests.helpers import post_notification
from tests.worker.test_delivery import Exploding, pipeline

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def policy(draw: float = 0.0, **values: object) -> RetryPolicy:
    return RetryPolicy(random=lambda: draw, **values)  # type: ignore[arg-type]


def test_backoff_grows_by_the_factor_up_to_the_cap() -> None:
    schedule = policy(base_delay=timedelta(seconds=10), factor=3, max_delay=timedelta(minutes=5))
    waits = [schedule.backoff(n).total_seconds() for n in range(1, 6)]
    assert waits == [10, 30, 90, 270, 300]


def test_jitter_takes_off_at_most_its_fraction() -> None:
    base = {"base_delay": timedelta(seconds=100), "jitter": 0.25}
    assert policy(0.0, **base).backoff(1) == timedelta(seconds=100)
    assert policy(0.999999, **base).backoff(1) > timedelta(seconds=75)
    assert policy(0.5, **base).backoff(1) == timedelta(seconds=87.5)


def test_retry_after_is_a_floor_not_a_replacement() -> None:
    schedule = policy(base_delay=timedelta(seconds=10))
    later = schedule.next_attempt(
        attempt=1, received_at=NOW, now=NOW, retry_after=timedelta(seconds=60)
    )
    sooner = schedule.next_attempt(
        attempt=1, received_at=NOW, now=NOW, retry_after=timedelta(seconds=1)
    )
    assert later == NOW + timedelta(seconds=60)
    assert sooner == NOW + timedelta(seconds=10)


def test_gives_up_after_max_attempts_or_max_age() -> None:
    schedule = policy(max_attempts=3, max_age=timedelta(hours=1))
    assert isinstance(schedule.next_attempt(attempt=2, received_at=NOW, now=NOW), datetime)
    exhausted = schedule.next_attempt(attempt=3, received_at=NOW, now=NOW)
    too_old = schedule.next_attempt(attempt=1, received_at=NOW - timedelta(hours=1), now=NOW)
    assert exhausted == "gave up after 3 attempts (GATEWAY_RETRY_MAX_ATTEMPTS)"
    assert isinstance(too_old, str)
    assert "GATEWAY_RETRY_MAX_AGE" in too_old


async def test_the_last_attempt_ends_failed_with_the_whole_reason(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    delivery_id = await post_notification(client)
    worker = DeliveryWorker(
        create_session_factory(engine),
        pipeline(Exploding(), engine),
        retry=policy(base_delay=timedelta(0), max_attempts=2),
    )
    assert await worker.run_once() == 1
    assert await worker.run_once() == 1  # due at once (no delay), and the last one
    assert await worker.run_once() == 0

    trace = (await client.get(f"/api/v1/deliveries/{delivery_id}", headers=admin_headers)).json()
    assert trace["status"] == "failed"
    assert "RuntimeError" in trace["reason"]
    assert trace["reason"].endswith("gave up after 2 attempts (GATEWAY_RETRY_MAX_ATTEMPTS)")
    assert [a["outcome"] for a in trace["attempts"]] == ["retrying", "failed"]
    async with engine.connect() as connection:
        leased = (
            await connection.execute(text("SELECT lease_owner FROM notifications"))
        ).scalar_one()
    assert leased is None
