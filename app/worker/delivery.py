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
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self.wakeup = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set; then finish what is in flight and return.

        Deliveries flow continuously: whenever a slot is free the worker claims more, so one
        slow upstream answer holds up one delivery, not a whole batch. Throughput is then
        `concurrency` divided by the time a delivery spends waiting on its upstreams.
        """
        log.info("worker_started", worker=self.worker_id, concurrency=self.concurrency)
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                # Cleared before looking, so a wake-up that arrives during the look is not lost.
                self.wakeup.clear()
                free = self.concurrency - len(in_flight)
                claims: list[Claim] = []
                if free > 0:
                    try:
                        claims = await self._claim(min(free, self.batch_size))
                    except Exception as error:  # the loop must survive a database hiccup
                        log.error(
                            "worker_cycle_failed", error_type=type(error).__name__, exc_info=error
                        )
                for claim in claims:
                    task = asyncio.create_task(self._process(claim))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                if len(in_flight) >= self.concurrency:
                    await self._wait(stop, in_flight)  # until a slot frees up
                elif len(claims) < free:
                    await self._wait(stop, set(), wakeup=True)  # nothing more is due now
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
        log.info("worker_stopped", worker=self.worker_id)

    async def _wait(
        self, stop: asyncio.Event, tasks: set[asyncio.Task[None]], *, wakeup: bool = False
    ) -> None:
        """Until stop, a finished task, (with `wakeup`) a wake-up, or the poll interval."""
        waiters: set[asyncio.Future[object]] = {asyncio.ensure_future(stop.wait())}
        if wakeup:
            waiters.add(asyncio.ensure_future(self.wakeup.wait()))
        try:
            await asyncio.wait(
                waiters | set(tasks),
                timeout=self.poll_interval.total_seconds(),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waiters:
                waiter.cancel()

    async def _claim(self, limit: int) -> list[Claim]:
        async with self.session_factory() as session, session.begin():
            return await repository.claim_due(
                session, worker=self.worker_id, limit=limit, lease=self.lease
            )

    async def run_once(self) -> int:
        """Claim one batch and process it; the number of deliveries handled (tests, tools)."""
        claims = await self._claim(self.batch_size)
        if claims:
            await asyncio.gather(*(self._process(claim) for claim in claims))
        return len(claims)

    async def _process(self, claim: Claim) -> None:
        async with self._slots:
            structlog.contextvars.bind_contextvars(notification_id=str(claim.notification_id))
            try:
                message = NotificationMessage.model_validate_json(claim.body)
                try:
                    outcome = await self.pipeline.run(
                        message, delivery_id=claim.notification_id, attempt=claim.attempt_number
                    )
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
