"""The delivery worker: claims due notifications, runs the pipeline, records the outcome.

Runs inside `serve` (woken up at once by the webhook) or alone as `zgw-gateway worker`, any
number of them next to each other: claims carry a lease, so a delivery whose worker died is taken
over when its lease runs out, and no two workers hold the same delivery.
"""

from __future__ import annotations

import asyncio
import os
import socket
from datetime import timedelta

import structlog

from app.api.schemas import NotificationMessage
from app.db import repository
from app.db.base import utcnow
from app.db.repository import Claim
from app.db.session import SessionFactory
from app.metrics import DELIVERIES_FINISHED
from app.pipeline.runner import Pipeline
from app.pipeline.trace import Outcome

log = structlog.get_logger(__name__)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class DeliveryWorker:
    def __init__(
        self,
        session_factory: SessionFactory,
        pipeline: Pipeline,
        *,
        worker_id: str | None = None,
        batch_size: int = 20,
        concurrency: int = 8,
        poll_interval: timedelta = timedelta(seconds=1),
        lease: timedelta = timedelta(minutes=5),
        retry_base_delay: timedelta = timedelta(seconds=30),
        retry_max_delay: timedelta = timedelta(hours=1),
    ) -> None:
        self.session_factory = session_factory
        self.pipeline = pipeline
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease = lease
        self.retry_base_delay = retry_base_delay
        self.retry_max_delay = retry_max_delay
        self._slots = asyncio.Semaphore(concurrency)
        self.wakeup = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; then finish what was claimed and return."""
        log.info("worker_started", worker=self.worker_id)
        while not stop.is_set():
            # Cleared before looking, so a wake-up that arrives during the look is not lost.
            self.wakeup.clear()
            try:
                handled = await self.run_once()
            except Exception as error:  # the loop must survive a database hiccup
                log.error("worker_cycle_failed", error_type=type(error).__name__, exc_info=error)
                handled = 0
            if handled == 0:
                await self._idle(stop)
        log.info("worker_stopped", worker=self.worker_id)

    async def _idle(self, stop: asyncio.Event) -> None:
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wakeup.wait())}
        try:
            await asyncio.wait(
                waiters,
                timeout=self.poll_interval.total_seconds(),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def run_once(self) -> int:
        """Claim one batch and process it; the number of deliveries handled."""
        async with self.session_factory() as session, session.begin():
            claims = await repository.claim_due(
                session, worker=self.worker_id, limit=self.batch_size, lease=self.lease
            )
        if claims:
            await asyncio.gather(*(self._process(claim) for claim in claims))
        return len(claims)

    async def _process(self, claim: Claim) -> None:
        async with self._slots:
            structlog.contextvars.bind_contextvars(notification_id=str(claim.notification_id))
            try:
                async with self.session_factory() as session:
                    notification = await repository.load_notification(
                        session, claim.notification_id
                    )
                message = NotificationMessage.model_validate_json(notification.body)
                try:
                    outcome = await self.pipeline.run(message, delivery_id=claim.notification_id)
                except Exception as error:
                    log.error("pipeline_crashed", error_type=type(error).__name__, exc_info=error)
                    outcome = Outcome(
                        status="retrying",
                        reason=f"internal error in the pipeline ({type(error).__name__}); "
                        "will be retried",
                    )
                await self._record(claim, outcome)
            finally:
                structlog.contextvars.unbind_contextvars("notification_id")

    async def _record(self, claim: Claim, outcome: Outcome) -> None:
        next_attempt_at = None
        if outcome.status == "retrying":
            backoff = min(
                self.retry_base_delay * 2 ** (claim.attempt_number - 1), self.retry_max_delay
            )
            delay = outcome.retry_after if outcome.retry_after is not None else backoff
            next_attempt_at = utcnow() + delay
        async with self.session_factory() as session, session.begin():
            recorded = await repository.finish_attempt(
                session,
                claim=claim,
                worker=self.worker_id,
                status=outcome.status,
                scenario=outcome.scenario,
                reason=outcome.reason,
                checks=[check.as_dict() for check in outcome.checks],
                upstream_calls=outcome.upstream_calls,
                next_attempt_at=next_attempt_at,
            )
        if not recorded:
            log.warning("lease_lost", attempt=claim.attempt_number)
            return
        DELIVERIES_FINISHED.labels(outcome.status, outcome.scenario or "none").inc()
        log.info(
            "delivery_finished",
            status=outcome.status,
            scenario=outcome.scenario,
            attempt=claim.attempt_number,
            upstream_calls=outcome.upstream_calls,
        )
