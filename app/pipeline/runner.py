"""The pipeline: resolve the scenario of a notification, run it, return the recorded outcome."""

from __future__ import annotations

from collections.abc import Sequence

from app.api.schemas import NotificationMessage
from app.pipeline.trace import Check, Outcome
from app.scenarios import Scenario


class Pipeline:
    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self.scenarios = list(scenarios)

    def resolve(self, message: NotificationMessage) -> Scenario | None:
        return next((s for s in self.scenarios if s.matches(message)), None)

    async def run(self, message: NotificationMessage) -> Outcome:
        scenario = self.resolve(message)
        trigger = f"{message.kanaal}/{message.resource}/{message.actie}"
        if scenario is None:
            reason = f"no scenario matches kanaal/resource/actie {trigger}"
            return Outcome(
                status="skipped",
                checks=[Check("scenario", passed=False, detail=reason)],
                reason=reason,
            )
        outcome = await scenario.run(message)
        outcome.scenario = scenario.name
        outcome.checks.insert(
            0, Check("scenario", passed=True, detail=f"{trigger} is handled by {scenario.name}")
        )
        return outcome
