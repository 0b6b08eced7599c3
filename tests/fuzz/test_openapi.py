"""Schemathesis over every operation of the service's own OpenAPI document, in process against
the app with its real lifespan: positive and negative (schema-violating) requests, unsupported
methods, with valid credentials and without or with wrong ones.

Checks: no 5xx, the status code and content type are documented for the operation, the body
and headers match the documented schema, and every 4xx is a ZGW problem (`status` equal to the
HTTP status, `invalidParams` on a 400). A rejected webhook request stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from anyio.from_thread import start_blocking_portal
from fastapi import FastAPI
from schemathesis import Case, CheckContext
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.session import create_engine
from app.main import create_app
from tests.conftest import make_settings
from tests.fuzz.conftest import fuzz_settings, problem_violations
from tests.helpers import ADMIN_KEY, WEBHOOK_TOKEN, count_rows

WEBHOOKS = ("/api/v1/notifications", "/Events/Listen")


def _document() -> dict[str, Any]:
    # The document needs no database; the requests go to `fuzz_app`, which has one.
    document: dict[str, Any] = create_app(
        make_settings("sqlite+aiosqlite:///openapi-fuzz-unused.db")
    ).openapi()
    return document


schema = schemathesis.openapi.from_dict(_document()).exclude(path_regex=r"^/sandbox")
# The same requests on every run (also the example count comes from `fuzz_settings`).
schema.config.generation.update(deterministic=True)


@schemathesis.check
def problem_json(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every 4xx (and any 5xx) is `application/problem+json` in the ZGW shape."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    wrong = problem_violations(
        response.status_code, response.headers.get("content-type", [None])[0], body
    )
    assert not wrong, f"{response.status_code} answer: " + "; ".join(wrong)
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    problem_json,
]


@pytest.fixture(scope="module")
def fuzz_app(database_url: str) -> Iterator[FastAPI]:
    """The app on the suite's database. Schemathesis calls it from its own event loop thread,
    so its lifespan runs there too: started here, stopped at the end of the module."""
    app = create_app(make_settings(database_url))
    with asgi.get_client(app):  # starts the lifespan (database engine, intake writer)
        pass
    yield app
    asgi.shutdown_lifespans()


def credentials_for(case: Case) -> dict[str, str]:
    if case.path in WEBHOOKS:
        return {"Authorization": WEBHOOK_TOKEN}
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture(scope="module")
def stored(database_url: str) -> Iterator[Callable[[], int]]:
    """Counts the stored notifications, from an event loop thread of its own (the tests are
    synchronous; the app runs in Schemathesis' loop)."""
    with start_blocking_portal() as portal:
        engine = portal.call(create_async_engine_for, database_url)
        yield lambda: portal.call(count_rows, engine, "notifications")
        portal.call(engine.dispose)


async def create_async_engine_for(database_url: str) -> AsyncEngine:
    return create_engine(database_url)


def call_and_check(
    case: Case, app: FastAPI, stored: Callable[[], int], headers: dict[str, str]
) -> Response:
    webhook = case.path in WEBHOOKS and case.method.upper() == "POST"
    before = stored() if webhook else 0
    response = case.call(app=app, headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
    if webhook and response.status_code >= 300:
        assert stored() == before, "a rejected notification was stored"
    return response


@schema.parametrize()
@fuzz_settings(60)
def test_operations_with_credentials(
    case: Case, fuzz_app: FastAPI, stored: Callable[[], int]
) -> None:
    call_and_check(case, fuzz_app, stored, credentials_for(case))


def bad_credentials(kind: str, case: Case) -> dict[str, str]:
    if kind == "missing":
        return {}
    if kind == "wrong":
        return {"Authorization": "Bearer wrong-key"}
    if kind == "swapped":  # the other side's credentials: the webhook token is no admin key
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        return admin if case.path in WEBHOOKS else {"Authorization": WEBHOOK_TOKEN}
    return {"Authorization": "Bearer " + "x" * 8000}  # oversized


@schema.parametrize()
@fuzz_settings(12)
@pytest.mark.parametrize("kind", ["missing", "wrong", "swapped", "oversized"])
def test_operations_without_valid_credentials(
    case: Case, kind: str, fuzz_app: FastAPI, stored: Callable[[], int]
) -> None:
    response = call_and_check(case, fuzz_app, stored, bad_credentials(kind, case))
    if case.path in WEBHOOKS or case.path.startswith("/api/"):
        # Before the body or the parameters are looked at: 401/403, or 405 for a method the
        # operation does not have.
        assert response.status_code in (401, 403, 405), (
            f"{case.method} {case.path} without valid credentials answered "
            f"{response.status_code}: {response.text[:300]}"
        )
