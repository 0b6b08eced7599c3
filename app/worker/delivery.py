"""The delivery worker: claims due notifications, runs the pipeline, records the outcome.

Runs inside `serve` (woken up at once by the webhook) or alone as `zgw-gateway worker`, any
number of them next to each other: claims carry a lease, so a delivery whose worker died is taken
over when its lease runs out, and no two workers hold the same delivery.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from dataclasses import replace
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
from app.worker.retry import RetryPolicy

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
        retry: RetryPolicy | None = None,
        shutdown_timeout: timedelta = timedelta(seconds=20),
        retention: timedelta | None = None,
        purge_interval: timedelta = timedelta(hours=1),
    ) -> None:
        self.session_factory = session_factory
        self.pipeline = pipeline
        self.worker_id = worker_id or default_worker_id()
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.lease = lease
        self.retry = retry or RetryPolicy()
        self.shutdown_timeout = shutdown_timeout
        self.retention = retention
        self.purge_interval = purge_interval
        self._next_purge = 0.0  # monotonic time; the first look is at start
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
        in_flight: dict[asyncio.Task[None], Claim] = {}
        heartbeat = asyncio.create_task(self._renew_leases(in_flight))
        try:
            while not stop.is_set():
                # Cleared before looking, so a wake-up that arrives during the look is not lost.
                self.wakeup.clear()
                await self._purge_when_due()
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
                    in_flight[task] = claim
                    task.add_done_callback(lambda done: in_flight.pop(done, None))
                if len(in_flight) >= self.concurrency:
                    await self._wait(stop, set(in_flight))  # until a slot frees up
                elif len(claims) < free:
                    await self._wait(stop, set(), wakeup=True)  # nothing more is due now
        finally:
            try:
                await self._drain(dict(in_flight))
            finally:
                heartbeat.cancel()
                await asyncio.gather(heartbeat, return_exceptions=True)
        log.info("worker_stopped", worker=self.worker_id)

    async def _renew_leases(self, in_flight: dict[asyncio.Task[None], Claim]) -> None:
        """Extend the leases of the deliveries in flight every third of the lease.

        The lease says "this worker is alive", not "a delivery takes less than this": without
        renewal, a delivery that outlasts it (slow upstreams, a starved CPU) is claimed by a
        second worker while the first still runs it, and both may send. A worker that dies
        stops renewing, and its deliveries are taken over when the lease runs out.
        """
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            ids = [claim.notification_id for claim in in_flight.values()]
            if not ids:
                continue
            try:
                async with self.session_factory() as session, session.begin():
                    await repository.extend_leases(
                        session, worker=self.worker_id, notification_ids=ids, lease=self.lease
                    )
            except Exception as error:  # the next beat tries again, well within the lease
                log.error("lease_renewal_failed", error_type=type(error).__name__)

    async def _purge_when_due(self) -> None:
        """Retention, at most once per `purge_interval` per worker (it is idempotent)."""
        if self.retention is None or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + self.purge_interval.total_seconds()
        try:
            await purge_older_than(self.session_factory, self.retention)
        except Exception as error:  # retention can wait for the next round
            log.error("purge_failed", error_type=type(error).__name__)

    async def _drain(self, in_flight: dict[asyncio.Task[None], Claim]) -> None:
        """Let in-flight deliveries finish within the shutdown timeout; hand back the rest.

        An interrupted delivery is due again at once, for this or another worker. An action it
        had started stays `pending`, so the next attempt looks it up before doing it again.
        """
        if not in_flight:
            return
        _, unfinished = await asyncio.wait(in_flight, timeout=self.shutdown_timeout.total_seconds())
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        for task in unfinished:
            claim = in_flight[task]
            try:
                async with self.session_factory() as session, session.begin():
                    await repository.finish_attempt(
                        session,
                        claim=claim,
                        worker=self.worker_id,
                        status="retrying",
                        scenario=None,
                        reason="interrupted: the worker shut down before this attempt finished",
                        checks=[],
                        upstream_calls=0,
                        next_attempt_at=utcnow(),
                    )
            except Exception as error:  # the lease runs out anyway; another worker takes over
                log.error("lease_release_failed", error_type=type(error).__name__)
        if unfinished:
            log.warning("deliveries_interrupted", count=len(unfinished))

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
            decided = self.retry.next_attempt(
                attempt=claim.attempt_number - claim.attempt_offset,
                received_at=claim.budget_since,
                now=utcnow(),
                retry_after=outcome.retry_after,
            )
            if isinstance(decided, str):
                outcome = replace(
                    outcome, status="failed", reason=f"{outcome.reason or 'error'}; {decided}"
                )
            else:
                next_attempt_at = decided
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


async def purge_older_than(
    session_factory: SessionFactory, retention: timedelta
) -> repository.PurgeResult:
    """Apply the retention now (also `zgw-gateway purge`)."""
    async with session_factory() as session, session.begin():
        result = await repository.purge(session, received_before=utcnow() - retention)
    if result.deleted or result.redacted:
        log.info("deliveries_purged", deleted=result.deleted, redacted=result.redacted)
    return result
