"""A bounded TTL cache for immutable upstream resources, loading each key once at a time."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable
from typing import Any

from cachetools import TTLCache

Loader = Callable[[], Awaitable[dict[str, Any]]]


class SingleFlightCache:
    """TTL cache where concurrent misses for one key share a single load.

    Forty deliveries about the same zaaktype arriving together make one request, not forty.
    The load runs as its own task, so a caller that is cancelled does not cancel it for the
    others. Failures are not cached. Callers get a copy: a caller that edits its answer must
    not change what the next caller reads.
    """

    def __init__(
        self, *, maxsize: int, ttl: float, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self._values: TTLCache[str, dict[str, Any]] = TTLCache(
            maxsize=maxsize, ttl=ttl, timer=timer
        )
        self._loading: dict[str, asyncio.Task[dict[str, Any]]] = {}

    def put(self, key: str, value: dict[str, Any]) -> None:
        self._values[key] = copy.deepcopy(value)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    async def get_or_load(self, key: str, load: Loader) -> dict[str, Any]:
        cached = self._values.get(key)
        if cached is not None:
            return copy.deepcopy(cached)
        task = self._loading.get(key)
        if task is None:
            task = asyncio.create_task(self._load(key, load))
            task.add_done_callback(_mark_exception_retrieved)
            self._loading[key] = task
        value = await asyncio.shield(task)
        return copy.deepcopy(value)

    async def _load(self, key: str, load: Loader) -> dict[str, Any]:
        try:
            value = await load()
            self._values[key] = value
            return value
        finally:
            self._loading.pop(key, None)


def _mark_exception_retrieved(task: asyncio.Task[dict[str, Any]]) -> None:
    # When every waiter was cancelled nobody reads a failure; without this asyncio would log
    # "Task exception was never retrieved".
    if not task.cancelled():
        task.exception()
