"""Retention: old final deliveries are purged; the audit of what was sent is kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import repository
from app.db.base import utcnow
from app.db.models import Notification
from app.db.session import create_session_factory
from app.worker.delivery import DeliveryWorker, purge_older_than
from tests.helpers import count_rows, post_notification
from tests.worker.test_delivery import Sending, pipeline


async def _backdate(engine: AsyncEngine, delivery_id: str, days: int) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(Notification)
            .where(Notification.id == uuid.UUID(delivery_id))
            .values(received_at=utcnow() - timedelta(days=days))
        )


async def test_purge_deletes_what_never_acted_and_keeps_the_actions_of_what_did(
    client: httpx.AsyncClient, engine: AsyncEngine, admin_headers: dict[str, str]
) -> None:
    sent = await post_notification(client)
    skipped = await post_notification(client, kanaal="zaken")
    recent = await post_notification(client, actie="update")
    waiting = await post_notification(client, actie="partial_update")
    sessions = create_session_factory(engine)
    worker = DeliveryWorker(sessions, pipeline(Sending(), engine), batch_size=3)
    assert await worker.run_once() == 3  # `waiting` stays queued: not final, never purged
    async with sessions() as session, session.begin():
        action_id = await repository.start_action(
            session, notification_id=uuid.UUID(sent), kind="notify_email", target="j***@example.nl"
        )
        await repository.finish_action(
            session, action_id, status="done", result={"notify_id": "abc"}
        )
    for old in (sent, skipped, waiting):
        await _backdate(engine, old, days=91)
    await _backdate(engine, recent, days=89)

    result = await purge_older_than(sessions, timedelta(days=90))
    again = await purge_older_than(sessions, timedelta(days=90))

    assert (result.deleted, result.redacted) == (1, 1)
    assert (again.deleted, again.redacted) == (0, 0)
    gone = await client.get(f"/api/v1/deliveries/{skipped}", headers=admin_headers)
    assert gone.status_code == 404
    kept = (await client.get(f"/api/v1/deliveries/{sent}", headers=admin_headers)).json()
    assert kept["status"] == "done"
    assert kept["purged_at"] is not None
    assert kept["notification"] == {}
    assert (kept["attempts"], kept["checks"]) == ([], [])
    [action] = kept["actions"]
    assert (action["id"], action["status"], action["target"]) == (
        str(action_id),
        "done",
        "j***@example.nl",
    )
    for untouched in (recent, waiting):
        trace = (await client.get(f"/api/v1/deliveries/{untouched}", headers=admin_headers)).json()
        assert trace["purged_at"] is None
        assert trace["notification"] != {}
    assert await count_rows(engine, "notifications") == 3
    # A purged delivery is not replayed: its notification is gone.
    retry = await client.post(f"/api/v1/deliveries/{sent}/retry", headers=admin_headers)
    assert retry.status_code == 409
    assert "purged" in retry.json()["detail"]
