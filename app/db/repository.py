"""All SQL of the gateway: storing notifications once, claiming due deliveries, the trace.

Functions take a session and flush at most; the caller (request or job boundary) commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from app.db.base import utcnow
from app.db.models import (
    FINAL_STATUSES,
    DeliveryAction,
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
)
from app.db.session import AsyncConnection, AsyncSession


@dataclass(frozen=True)
class NewNotification:
    dedupe_key: str
    kanaal: str
    resource: str
    actie: str
    hoofd_object: str
    resource_url: str
    aanmaakdatum: datetime
    kenmerken: dict[str, str]
    body: str
    headers: dict[str, str]
    auth_method: str


@dataclass(frozen=True)
class StoredNotification:
    id: uuid.UUID
    status: str
    created: bool


def _insert_notifications(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(Notification)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Notification.id, Notification.dedupe_key)
    )


_INSERTS = {dialect: _insert_notifications(dialect) for dialect in ("postgresql", "sqlite")}


async def store_notifications(
    connection: AsyncConnection, batch: Sequence[NewNotification]
) -> dict[str, StoredNotification]:
    """Insert a batch in one statement, skipping content that is already stored.

    Deduplication rests on the unique `dedupe_key` (`ON CONFLICT DO NOTHING`), never on
    check-then-insert, so it holds across concurrent requests, processes and replicas. Returns
    the stored delivery for every dedupe key of the batch.
    """
    now = utcnow()
    unique = {new.dedupe_key: new for new in reversed(batch)}
    rows = [
        {
            "id": uuid.uuid4(),
            "dedupe_key": new.dedupe_key,
            "kanaal": new.kanaal,
            "resource": new.resource,
            "actie": new.actie,
            "hoofd_object": new.hoofd_object,
            "resource_url": new.resource_url,
            "aanmaakdatum": new.aanmaakdatum,
            "kenmerken": new.kenmerken,
            "body": new.body,
            "headers": new.headers,
            "auth_method": new.auth_method,
            "received_at": now,
            "status": DeliveryStatus.QUEUED.value,
            "attempt_count": 0,
            "next_attempt_at": now,
            "updated_at": now,
        }
        for new in unique.values()
    ]
    inserted = await connection.execute(_INSERTS[connection.dialect.name], rows)
    stored = {
        row.dedupe_key: StoredNotification(row.id, DeliveryStatus.QUEUED, created=True)
        for row in inserted
    }
    missing = [key for key in unique if key not in stored]
    if missing:
        existing = await connection.execute(
            select(Notification.id, Notification.status, Notification.dedupe_key).where(
                Notification.dedupe_key.in_(missing)
            )
        )
        for row in existing:
            stored[row.dedupe_key] = StoredNotification(row.id, row.status, created=False)
    return stored


@dataclass(frozen=True)
class Claim:
    notification_id: uuid.UUID
    attempt_number: int
    body: str = ""  # the notification as received, so the worker need not read it again
    # Where the retry budget starts: receipt, or an admin's retry (and the attempts before it).
    budget_since: datetime = field(default_factory=utcnow)
    attempt_offset: int = 0


async def claim_due(
    session: AsyncSession, *, worker: str, limit: int, lease: timedelta
) -> list[Claim]:
    """Take up to `limit` due deliveries for `worker` and open an attempt for each.

    Due means queued or retrying with `next_attempt_at` reached, or processing with an expired
    lease (its worker died). PostgreSQL skips rows other workers hold (`FOR UPDATE SKIP
    LOCKED`); SQLite runs the single UPDATE under its write lock, which is just as exclusive.
    """
    now = utcnow()
    due = (
        select(Notification.id)
        .where(
            or_(
                and_(
                    Notification.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.RETRYING]),
                    Notification.next_attempt_at <= now,
                ),
                and_(
                    Notification.status == DeliveryStatus.PROCESSING,
                    Notification.lease_expires_at < now,
                ),
            )
        )
        .order_by(Notification.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = (
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(due.scalar_subquery()))
            .values(
                status=DeliveryStatus.PROCESSING,
                lease_owner=worker,
                lease_expires_at=now + lease,
                attempt_count=Notification.attempt_count + 1,
                updated_at=now,
            )
            .returning(
                Notification.id,
                Notification.attempt_count,
                Notification.body,
                Notification.received_at,
                Notification.retried_at,
                Notification.attempt_offset,
            )
            .execution_options(synchronize_session=False)
        )
    ).all()
    if not claimed:
        return []
    # Only a delivery tried before can have an attempt its dead worker left open.
    retried = [row.id for row in claimed if row.attempt_count > 1]
    if retried:
        await session.execute(
            update(DeliveryAttempt)
            .where(
                DeliveryAttempt.notification_id.in_(retried),
                DeliveryAttempt.finished_at.is_(None),
            )
            .values(
                finished_at=now,
                outcome="abandoned",
                reason="the worker's lease expired before this attempt finished",
            )
            .execution_options(synchronize_session=False)
        )
    # Core, not the unit of work: this runs once per delivery on the hot path.
    await session.execute(
        insert(DeliveryAttempt),
        [
            {
                "id": uuid.uuid4(),
                "notification_id": row.id,
                "number": row.attempt_count,
                "worker": worker,
                "started_at": now,
                "checks": [],
                "upstream_calls": 0,
            }
            for row in claimed
        ],
    )
    return [
        Claim(
            row.id,
            row.attempt_count,
            row.body,
            row.retried_at or row.received_at,
            row.attempt_offset,
        )
        for row in claimed
    ]


async def finish_attempt(
    session: AsyncSession,
    *,
    claim: Claim,
    worker: str,
    status: str,
    scenario: str | None,
    reason: str | None,
    checks: Sequence[dict[str, Any]],
    upstream_calls: int,
    next_attempt_at: datetime | None = None,
) -> bool:
    """Record how an attempt ended. False when the lease was lost meanwhile (nothing written)."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": status,
        "scenario": scenario,
        "reason": reason,
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": now,
    }
    if next_attempt_at is not None:
        values["next_attempt_at"] = next_attempt_at
    result = await session.execute(
        update(Notification)
        .where(
            Notification.id == claim.notification_id,
            Notification.lease_owner == worker,
            Notification.status == DeliveryStatus.PROCESSING,
            Notification.attempt_count == claim.attempt_number,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        return False
    await session.execute(
        update(DeliveryAttempt)
        .where(
            DeliveryAttempt.notification_id == claim.notification_id,
            DeliveryAttempt.number == claim.attempt_number,
        )
        .values(
            finished_at=now,
            outcome=status,
            reason=reason,
            checks=list(checks),
            upstream_calls=upstream_calls,
        )
        .execution_options(synchronize_session=False)
    )
    return True


async def extend_leases(
    session: AsyncSession, *, worker: str, notification_ids: Sequence[uuid.UUID], lease: timedelta
) -> int:
    """Push the leases `worker` still holds on these deliveries to now + `lease` (heartbeat).

    A delivery another worker took over (its lease had run out) is no longer this worker's and
    is left alone. Returns how many leases were extended.
    """
    result = await session.execute(
        update(Notification)
        .where(
            Notification.id.in_(list(notification_ids)),
            Notification.lease_owner == worker,
            Notification.status == DeliveryStatus.PROCESSING,
        )
        .values(lease_expires_at=utcnow() + lease)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_lease(session: AsyncSession, *, claim: Claim, worker: str) -> None:
    """Give a claimed delivery back untouched (graceful shutdown before it was started)."""
    await session.execute(
        update(Notification)
        .where(
            Notification.id == claim.notification_id,
            Notification.lease_owner == worker,
            Notification.attempt_count == claim.attempt_number,
        )
        .values(
            status=DeliveryStatus.QUEUED,
            lease_owner=None,
            lease_expires_at=None,
            attempt_count=Notification.attempt_count - 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(DeliveryAttempt).where(
            DeliveryAttempt.notification_id == claim.notification_id,
            DeliveryAttempt.number == claim.attempt_number,
        )
    )


@dataclass(frozen=True)
class DeliveryFilter:
    status: str | None = None
    scenario: str | None = None
    kanaal: str | None = None
    received_after: datetime | None = None
    received_before: datetime | None = None


def _filter_conditions(flt: DeliveryFilter) -> list[Any]:
    conditions: list[Any] = []
    if flt.status is not None:
        conditions.append(Notification.status == flt.status)
    if flt.scenario is not None:
        conditions.append(Notification.scenario == flt.scenario)
    if flt.kanaal is not None:
        conditions.append(Notification.kanaal == flt.kanaal)
    if flt.received_after is not None:
        conditions.append(Notification.received_at >= flt.received_after)
    if flt.received_before is not None:
        conditions.append(Notification.received_at < flt.received_before)
    return conditions


async def list_deliveries(
    session: AsyncSession, flt: DeliveryFilter, *, offset: int, limit: int
) -> tuple[int, list[Notification]]:
    conditions = _filter_conditions(flt)
    total = (
        await session.execute(select(func.count()).select_from(Notification).where(*conditions))
    ).scalar_one()
    rows = (
        await session.execute(
            select(Notification)
            .where(*conditions)
            .order_by(Notification.received_at.desc(), Notification.id)
            .offset(offset)
            .limit(limit)
            .options(selectinload(Notification.attempts), selectinload(Notification.actions))
        )
    ).scalars()
    return total, list(rows)


async def get_delivery(session: AsyncSession, notification_id: uuid.UUID) -> Notification | None:
    return (
        await session.execute(
            select(Notification)
            .where(Notification.id == notification_id)
            .options(selectinload(Notification.attempts), selectinload(Notification.actions))
        )
    ).scalar_one_or_none()


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)
    )
    counts = {status.value: 0 for status in DeliveryStatus}
    for status, count in rows.all():
        counts[status] = count
    return counts


async def get_actions(
    session: AsyncSession, notification_id: uuid.UUID
) -> dict[str, DeliveryAction]:
    rows = await session.execute(
        select(DeliveryAction).where(DeliveryAction.notification_id == notification_id)
    )
    return {action.kind: action for action in rows.scalars()}


async def start_action(
    session: AsyncSession, *, notification_id: uuid.UUID, kind: str, target: str
) -> uuid.UUID:
    """Record an action as pending before it is performed: its id is the upstream reference."""
    action_id, now = uuid.uuid4(), utcnow()
    await session.execute(
        insert(DeliveryAction).values(
            id=action_id,
            notification_id=notification_id,
            kind=kind,
            status="pending",
            target=target,
            result={},
            created_at=now,
            updated_at=now,
        )
    )
    return action_id


async def finish_action(
    session: AsyncSession,
    action_id: uuid.UUID,
    *,
    status: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    values: dict[str, Any] = {"status": status, "error": error, "updated_at": utcnow()}
    if result is not None:
        values["result"] = result
    await session.execute(
        update(DeliveryAction)
        .where(DeliveryAction.id == action_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


RETRYABLE_STATUSES = (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


async def retry_deliveries(
    session: AsyncSession,
    *,
    ids: Sequence[uuid.UUID] | None = None,
    flt: DeliveryFilter | None = None,
    limit: int = 10_000,
) -> list[uuid.UUID]:
    """Queue failed or skipped deliveries again (due now, with a fresh retry budget).

    Selected by id or by filter; anything not failed or skipped is left alone. Actions that are
    done stay done, so a re-run does only what did not complete. Returns the ids queued.
    """
    now = utcnow()
    conditions = [Notification.status.in_(RETRYABLE_STATUSES), Notification.purged_at.is_(None)]
    if ids is not None:
        conditions.append(Notification.id.in_(list(ids)))
    if flt is not None:
        conditions.extend(_filter_conditions(flt))
    chosen = select(Notification.id).where(*conditions).limit(limit).with_for_update()
    rows = await session.execute(
        update(Notification)
        .where(Notification.id.in_(chosen.scalar_subquery()))
        .values(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=now,
            retried_at=now,
            attempt_offset=Notification.attempt_count,
            reason=None,
            updated_at=now,
        )
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    return [row.id for row in rows]


@dataclass(frozen=True)
class PurgeResult:
    deleted: int  # final deliveries without any action: gone entirely
    redacted: int  # final deliveries with actions: body and attempts removed, actions kept


async def purge(session: AsyncSession, *, received_before: datetime) -> PurgeResult:
    """Retention: forget final deliveries received before `received_before`.

    A delivery that never acted (skipped, or failed before an action) is deleted with its
    attempts. One that acted keeps its row and its actions (kind, status, masked target, the
    upstream's id, timestamps: the audit of what was sent) and loses the notification body,
    headers, kenmerken, the checks and the attempts. The dedupe key stays, so a late redelivery
    is still recognised.
    """
    old_final = and_(
        Notification.status.in_([s.value for s in FINAL_STATUSES]),
        Notification.received_at < received_before,
    )
    has_actions = (
        select(DeliveryAction.id).where(DeliveryAction.notification_id == Notification.id).exists()
    )
    deleted = await session.execute(
        delete(Notification)
        .where(old_final, ~has_actions)
        .execution_options(synchronize_session=False)
    )
    to_redact = select(Notification.id).where(
        old_final, has_actions, Notification.purged_at.is_(None)
    )
    redacted_ids = [row.id for row in await session.execute(to_redact)]
    if redacted_ids:
        await session.execute(
            delete(DeliveryAttempt)
            .where(DeliveryAttempt.notification_id.in_(redacted_ids))
            .execution_options(synchronize_session=False)
        )
        await session.execute(
            update(Notification)
            .where(Notification.id.in_(redacted_ids))
            .values(body="{}", headers={}, kenmerken={}, purged_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return PurgeResult(deleted=deleted.rowcount or 0, redacted=len(redacted_ids))  # type: ignore[attr-defined]
