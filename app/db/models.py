"""Tables: received notifications (each one a delivery), their attempts and their actions."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UUIDPrimaryKey, utcnow


class DeliveryStatus(enum.StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    RETRYING = "retrying"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


FINAL_STATUSES = frozenset({DeliveryStatus.DONE, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED})


class Notification(UUIDPrimaryKey, Base):
    """One received notification and the state of acting on it (the delivery)."""

    __tablename__ = "notifications"

    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    kanaal: Mapped[str] = mapped_column(String(50))
    resource: Mapped[str] = mapped_column(String(100))
    actie: Mapped[str] = mapped_column(String(100))
    hoofd_object: Mapped[str] = mapped_column(Text)
    resource_url: Mapped[str] = mapped_column(Text)
    aanmaakdatum: Mapped[datetime]
    kenmerken: Mapped[dict[str, Any]]
    body: Mapped[str] = mapped_column(Text, doc="The request body exactly as received.")
    headers: Mapped[dict[str, Any]] = mapped_column(doc="Request headers, secrets removed.")
    auth_method: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.QUEUED)
    scenario: Mapped[str | None] = mapped_column(String(50))
    reason: Mapped[str | None] = mapped_column(Text)
    attempt_count: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # An admin's retry starts a fresh retry budget: attempts before it do not count towards
    # GATEWAY_RETRY_MAX_ATTEMPTS, and the age limit counts from the retry.
    attempt_offset: Mapped[int] = mapped_column(default=0, server_default="0")
    retried_at: Mapped[datetime | None]
    # Set when retention removed the notification body and the attempts; the actions (the
    # audit of what was sent) are kept.
    purged_at: Mapped[datetime | None]

    attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="notification", order_by="DeliveryAttempt.number", lazy="raise"
    )
    actions: Mapped[list[DeliveryAction]] = relationship(
        back_populates="notification", order_by="DeliveryAction.created_at", lazy="raise"
    )

    __table_args__ = (
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_received_at", "received_at"),
        Index("ix_notifications_scenario", "scenario"),
    )


class DeliveryAttempt(UUIDPrimaryKey, Base):
    """One run of the pipeline over a notification: the checks it made and how it ended."""

    __tablename__ = "delivery_attempts"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    checks: Mapped[list[Any]] = mapped_column(default=list)
    upstream_calls: Mapped[int] = mapped_column(default=0)

    notification: Mapped[Notification] = relationship(back_populates="attempts", lazy="raise")

    __table_args__ = (UniqueConstraint("notification_id", "number"),)


class DeliveryAction(UUIDPrimaryKey, Base):
    """One side effect (a Notify send, a portal message, a process start) with its own state.

    The id is stable across retries and is what the upstream sees as reference, so a retry can
    find out whether an earlier try already went through.
    """

    __tablename__ = "delivery_actions"

    notification_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    target: Mapped[str | None] = mapped_column(Text, doc="Masked recipient or target.")
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    notification: Mapped[Notification] = relationship(back_populates="actions", lazy="raise")

    __table_args__ = (
        Index("ix_delivery_actions_notification_id", "notification_id"),
        UniqueConstraint("notification_id", "kind", name="uq_delivery_actions_notification_kind"),
    )
