"""When to try a delivery again, and when to give up.

Exponential backoff with jitter: attempt n waits `base * factor**(n-1)`, capped at `max_delay`,
then shortened by a random fraction of up to `jitter` so that deliveries that failed together
(an upstream's bad minute) do not all come back in the same second. An upstream's `Retry-After`
is a floor. After `max_attempts`, or once the notification is older than `max_age`, the delivery
is given up (`failed`, with the last reason): nothing waits forever, and nothing is dropped
without a trace.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 10
    max_age: timedelta = timedelta(hours=48)
    jitter: float = 0.2
    random: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def backoff(self, attempt: int) -> timedelta:
        """The wait after the `attempt`-th try failed, jitter included (before Retry-After)."""
        seconds = self.base_delay.total_seconds() * self.factor ** (attempt - 1)
        capped = min(seconds, self.max_delay.total_seconds())
        return timedelta(seconds=capped * (1 - self.jitter * self.random()))

    def next_attempt(
        self,
        *,
        attempt: int,
        received_at: datetime,
        now: datetime,
        retry_after: timedelta | None = None,
    ) -> datetime | str:
        """When to try again, or why not to (the reason to append to the delivery's own)."""
        if attempt >= self.max_attempts:
            return f"gave up after {attempt} attempts (GATEWAY_RETRY_MAX_ATTEMPTS)"
        delay = self.backoff(attempt)
        if retry_after is not None:
            delay = max(delay, retry_after)
        at = now + delay
        if at - received_at > self.max_age:
            return (
                f"gave up: a next attempt would be more than {self.max_age} after the "
                "notification was received (GATEWAY_RETRY_MAX_AGE)"
            )
        return at
