"""Scenarios: one module each. A scenario says which notifications it handles (`matches`) and,
when run, gathers what it needs through the clients, records every check in the trace, and
returns a plan of actions. It never has a side effect itself: the pipeline's executor carries
the plan out, which is what makes the dry run (`/api/v1/notifications/evaluate`) exact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from app.api.schemas import NotificationMessage
from app.pipeline.trace import Plan, Trace

if TYPE_CHECKING:
    from app.clients import Upstreams
    from app.config import Settings


class Scenario(Protocol):
    name: str
    kanaal: str  # the Open Notificaties kanaal its notifications arrive on (to subscribe to)

    def matches(self, message: NotificationMessage) -> bool: ...

    async def run(self, message: NotificationMessage, trace: Trace) -> Plan: ...


def registered_scenarios(settings: Settings, upstreams: Upstreams) -> list[Scenario]:
    """The scenarios the gateway knows, in resolution order."""
    from app.scenarios.decision_made import DecisionMade

    return [DecisionMade(settings, upstreams)]


def scenario_kanalen() -> list[str]:
    """The kanalen the scenarios need, sorted: what `zgw-gateway subscribe` subscribes to.

    Read from the scenario classes, so that no upstream client has to be built.
    """
    from app.scenarios.decision_made import DecisionMade

    return sorted({DecisionMade.kanaal})
