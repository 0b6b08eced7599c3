"""What a pipeline run records: each check with its finding, and how the run ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

OutcomeStatus = Literal["done", "skipped", "failed", "retrying"]


@dataclass(frozen=True)
class Check:
    """One decision of the pipeline; `detail` says what was found and what was expected."""

    name: str
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


@dataclass
class Outcome:
    status: OutcomeStatus
    scenario: str | None = None
    checks: list[Check] = field(default_factory=list)
    reason: str | None = None
    upstream_calls: int = 0
    retry_after: timedelta | None = None
