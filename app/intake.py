"""Receiving a notification: its dedupe key, the headers we keep, and storing it once.

Storing goes through one writer task per process that commits whatever requests are waiting as
one batch (group commit): each request still waits until its own row is committed, so a `202`
always means durable, but a hundred concurrent requests cost one transaction instead of a
hundred. At low load a batch is a single row and nothing waits for company.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.schemas import NotificationMessage
from app.db import repository
from app.db.repository import NewNotification, StoredNotification

log = structlog.get_logger(__name__)

# Headers that carry credentials or session state are never stored.
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


def dedupe_key(message: NotificationMessage) -> str:
    """Same content, same key: Open Notificaties redelivers the very same message.

    The timestamp is normalised to UTC so that `...Z` and `...+00:00` spellings agree.
    """
    canonical = json.dumps(
        [
            message.kanaal,
            message.hoofdObject,
            message.resource,
            message.resourceUrl,
            message.actie,
            message.aanmaakdatum.astimezone(UTC).isoformat(),
            sorted(message.kenmerken.items()),
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower(): ("[redacted]" if name.lower() in SECRET_HEADERS else value)
        for name, value in headers.items()
    }


def new_notification(
    message: NotificationMessage, *, body: str, headers: Mapping[str, str], auth_method: str
) -> NewNotification:
    return NewNotification(
        dedupe_key=dedupe_key(message),
        kanaal=message.kanaal,
        resource=message.resource,
        actie=message.actie,
        hoofd_object=message.hoofdObject,
        resource_url=message.resourceUrl,
        aanmaakdatum=message.aanmaakdatum,
        kenmerken=dict(message.kenmerken),
        body=body,
        headers=safe_headers(headers),
        auth_method=auth_method,
    )


class StoreUnavailable(Exception):
    """The notification could not be committed; the sender should deliver it again."""


_Pending = tuple[NewNotification, "asyncio.Future[StoredNotification]"]


class IntakeWriter:
    """Commits received notifications in batches; `store()` returns once its row is durable."""

    def __init__(self, engine: AsyncEngine, *, max_batch: int = 500) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="intake-writer")

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def store(self, new: NewNotification) -> StoredNotification:
        if self._task is None or self._task.done():
            raise StoreUnavailable("the intake writer is not running")
        future: asyncio.Future[StoredNotification] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((new, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._commit(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _commit(self, batch: list[_Pending]) -> None:
        try:
            async with self.engine.begin() as connection:
                stored = await repository.store_notifications(connection, [n for n, _ in batch])
        except Exception as error:
            log.error("intake_commit_failed", error_type=type(error).__name__, batch=len(batch))
            for _, future in batch:
                if not future.done():
                    future.set_exception(StoreUnavailable(type(error).__name__))
            return
        seen: set[str] = set()
        for new, future in batch:
            result = stored[new.dedupe_key]
            if new.dedupe_key in seen:  # the same content twice in one batch
                result = replace(result, created=False)
            seen.add(new.dedupe_key)
            if not future.done():  # done: the request was cancelled (client went away)
                future.set_result(result)
