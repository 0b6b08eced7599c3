"""Scenarios: one module each, plain data in and decisions out (no sessions, no HTTP).

A scenario says which notifications it handles (`matches`) and, when run, returns an Outcome
with every check it made. The registry below is what the pipeline resolves against.
"""

from __future__ import annotations

from typing import Protocol

from app.api.schemas import NotificationMessage
from app.pipeline.trace import Outcome


class Scenario(Protocol):
    name: str

    def matches(self, message: NotificationMessage) -> bool: ...

    async def run(self, message: NotificationMessage) -> Outcome: ...


def registered_scenarios() -> list[Scenario]:
    """The scenarios the gateway knows, in resolution order."""
    return []
