"""The pipeline: resolve the scenario of a notification, run it, carry out its plan.

Every run counts its upstream calls and ends in one outcome:
- a check failed -> `skipped`, the check's detail is the reason;
- a URL outside the configured origins -> `skipped` (check `url_allowed`), nothing sent there;
- an upstream refused (4xx) -> `failed`, with the upstream's problem detail;
- an upstream was unavailable (5xx, 429, timeout) -> `retrying`, honouring Retry-After;
- otherwise `done`, after the executor performed every planned action.
Without an executor (the dry run) nothing is performed and `done` means "would be sent".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

import structlog
from prometheus_client import Histogram

from app.api.schemas import NotificationMessage
from app.clients.base import OriginGuard, count_upstream_calls
from app.clients.errors import OriginNotAllowed, PermanentUpstreamError, TransientUpstreamError
from app.pipeline.actions import ActionExecutor
from app.pipeline.trace import CheckFailed, Outcome, Trace
from app.scenarios import Scenario

log = structlog.get_logger(__name__)

UPSTREAM_CALLS_PER_RUN = Histogram(
    "zgw_gateway_upstream_calls_per_run",
    "Upstream HTTP calls made by one scenario run (checks and actions), by scenario.",
    ["scenario"],
    buckets=(0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 30),
)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


class Pipeline:
    def __init__(
        self,
        scenarios: Sequence[Scenario],
        guard: OriginGuard,
        executor: ActionExecutor | None = None,
    ) -> None:
        self.scenarios = list(scenarios)
        self.guard = guard
        self.executor = executor

    def resolve(self, message: NotificationMessage) -> Scenario | None:
        return next((s for s in self.scenarios if s.matches(message)), None)

    async def run(
        self,
        message: NotificationMessage,
        *,
        delivery_id: uuid.UUID | None = None,
        attempt: int = 1,
        dry_run: bool = False,
    ) -> Outcome:
        trace = Trace()
        trigger = f"{message.kanaal}/{message.resource}/{message.actie}"
        scenario = self.resolve(message)
        if scenario is None:
            reason = f"no scenario matches kanaal/resource/actie {trigger}"
            trace.fail("scenario", reason)
            return Outcome(status="skipped", checks=trace.checks, reason=reason)
        trace.passed("scenario", f"{trigger} is handled by {scenario.name}")
        outcome = Outcome(status="done", scenario=scenario.name, checks=trace.checks)
        with count_upstream_calls() as calls:
            try:
                self._check_notification_urls(trace, message)
                outcome.plan = await scenario.run(message, trace)
                if not dry_run:
                    assert self.executor is not None
                    assert delivery_id is not None
                    await self.executor.execute(
                        delivery_id, outcome.plan.actions, first_attempt=attempt == 1
                    )
            except CheckFailed as failed:
                outcome.status, outcome.reason = "skipped", failed.check.detail
            except OriginNotAllowed as error:
                detail = (
                    f"{_without_query(error.url)} is not on a configured origin "
                    "(ZGW_ENDPOINT_* or GATEWAY_ALLOWED_ORIGINS); it was not requested"
                )
                trace.fail("url_allowed", detail)
                outcome.status, outcome.reason = "skipped", detail
            except PermanentUpstreamError as error:
                outcome.status, outcome.reason = "failed", str(error)
            except TransientUpstreamError as error:
                outcome.status, outcome.reason = "retrying", str(error)
                if error.retry_after is not None:
                    outcome.retry_after = timedelta(seconds=error.retry_after)
        outcome.upstream_calls = calls.total
        UPSTREAM_CALLS_PER_RUN.labels(scenario.name).observe(calls.total)
        return outcome

    def _check_notification_urls(self, trace: Trace, message: NotificationMessage) -> None:
        """The notification's own URLs are input from outside: vet them before any call."""
        for url in (message.hoofdObject, message.resourceUrl):
            self.guard.check(url)
        trace.passed("url_allowed", "the notification's URLs are on configured origins")
