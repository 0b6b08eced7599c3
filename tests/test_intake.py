"""Group commit: each request waits for its own commit; failures are 503, never a false 202."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.schemas import NotificationMessage
from app.intake import IntakeWriter, new_notification
from app.main import create_app
from tests.api.test_notifications import assert_problem
from tests.conftest import make_settings
from tests.helpers import WEBHOOK_TOKEN, besluiten_notification, count_rows


def _new(**overrides: Any) -> Any:
    message = NotificationMessage.model_validate_json(
        json.dumps(besluiten_notification(**overrides))
    )
    return new_notification(message, body="{}", headers={}, auth_method="static")


async def test_one_batch_stores_each_content_once(engine: AsyncEngine) -> None:
    writer = IntakeWriter(engine)
    writer.start()
    a, b = _new(), _new()
    try:
        # Queued together, so the writer commits them as one batch.
        results = await asyncio.gather(*(writer.store(n) for n in (a, a, b, a)))
    finally:
        await writer.stop()

    assert [r.created for r in results] == [True, False, True, False]
    assert results[0].id == results[1].id == results[3].id != results[2].id
    assert await count_rows(engine, "notifications") == 2


async def test_a_store_that_fails_answers_503_and_accepts_nothing(fresh_database: Any) -> None:
    url = fresh_database("never-migrated")  # no tables: every insert fails
    app = create_app(make_settings(url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/api/v1/notifications",
                json=besluiten_notification(),
                headers={"Authorization": WEBHOOK_TOKEN},
            )
            # The writer survives the failure and serves the next request.
            again = await client.post(
                "/api/v1/notifications",
                json=besluiten_notification(),
                headers={"Authorization": WEBHOOK_TOKEN},
            )

    assert_problem(response, 503)
    assert_problem(again, 503)
