"""Shared material of the fuzz tests: bounded, deterministic Hypothesis settings and the one
assertion every rejection must pass (a ZGW problem+json with the status it is sent with).

`FUZZ_EXAMPLES=<n>` scales every fuzz test's example count by n/100 for a longer local run
(`FUZZ_EXAMPLES=1000 .venv/bin/pytest tests/fuzz`); `make test` uses the bounded defaults.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

from app.errors import PROBLEM_JSON

_SCALE = int(os.environ.get("FUZZ_EXAMPLES", "100")) / 100


def fuzz_settings(max_examples: int) -> settings:
    """Deterministic (same examples on every run, nothing read from or written to a Hypothesis
    database), no per-example deadline (PostgreSQL round trips vary), and the app and its
    client shared by all examples of a test (function-scoped fixtures are intentional)."""
    return settings(
        max_examples=max(1, round(max_examples * _SCALE)),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


def problem_violations(status: int, content_type: str | None, body: Any) -> list[str]:
    """What is wrong with a 4xx/5xx answer as a ZGW problem; empty when nothing is."""
    if content_type is None or content_type.split(";")[0].strip() != PROBLEM_JSON:
        return [f"content type {content_type!r}, expected {PROBLEM_JSON}"]
    if not isinstance(body, dict):
        return [f"body is {type(body).__name__}, expected a JSON object"]
    wrong = [
        f"no {key!r}" for key in ("type", "code", "title", "detail", "instance") if key not in body
    ]
    if body.get("status") != status:
        wrong.append(f"`status` is {body.get('status')!r}, the HTTP status is {status}")
    if status == 400:
        params = body.get("invalidParams")
        if not isinstance(params, list) or not params:
            wrong.append("a 400 without invalidParams")
        elif not all(
            isinstance(p, dict) and {"name", "code", "reason"} <= p.keys() for p in params
        ):
            wrong.append(f"malformed invalidParams: {params!r}")
    return wrong
