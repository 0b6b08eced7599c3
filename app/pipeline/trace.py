"""What a pipeline run records: each check with its finding, the planned actions, the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

OutcomeStatus = Literal["done", "skipped", "failed", "retrying"]
ActionKind = Literal["notify_email", "notify_sms", "portal_message"]


@dataclass(frozen=True)
class Check:
    """One decision of the pipeline; `detail` says what was found and what was expected."""

    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


class CheckFailed(Exception):
    """A check did not pass: the run ends as `skipped` with the check's detail as reason."""

    def __init__(self, check: Check) -> None:
        super().__init__(check.detail)
        self.check = check


@dataclass
class Trace:
    """The checks of one run, in order. Details never contain personal data."""

    checks: list[Check] = field(default_factory=list)

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def fail(self, name: str, detail: str) -> CheckFailed:
        check = Check(name, False, detail)
        self.checks.append(check)
        return CheckFailed(check)

    def require(self, condition: object, name: str, *, passed: str, failed: str) -> None:
        if not condition:
            raise self.fail(name, failed)
        self.passed(name, passed)


@dataclass(frozen=True)
class PlannedAction:
    """A side effect the scenario decided on; the executor carries it out exactly once.

    A delivery has at most one action of each kind, so the kind is what a retry looks the
    earlier try up by. `target` is masked and goes into the trace; the other fields may hold
    personal data and are never stored or logged.
    """

    kind: ActionKind
    target: str
    template_id: str
    personalisation: dict[str, str]
    recipient: str | None = None  # e-mail address or phone number (direct sends)
    message_object: dict[str, Any] | None = None  # portal message, without subject and text

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target, "template_id": self.template_id}


@dataclass
class Plan:
    actions: list[PlannedAction]
    personalisation: dict[str, str]


@dataclass
class Outcome:
    status: OutcomeStatus
    scenario: str | None = None
    checks: list[Check] = field(default_factory=list)
    reason: str | None = None
    upstream_calls: int = 0
    retry_after: timedelta | None = None
    plan: Plan | None = None
