"""Example notifications for `zgw-gateway send-example`: one per scenario the gateway knows.

Each example seeds what its notification points at (a fresh case, so repeated examples are new
notifications rather than redeliveries) and returns the notification Open Zaak would send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.sandbox.seed import seed_decision_case
from app.sandbox.state import SandboxState

Example = Callable[[SandboxState, dict[str, Any]], dict[str, Any]]


def _decision_made(state: SandboxState, overrides: dict[str, Any]) -> dict[str, Any]:
    case = seed_decision_case(state, **overrides)
    return {"notification": case.notification, "case": case.as_json()}


EXAMPLES: dict[str, Example] = {
    "decision_made": _decision_made,
}
