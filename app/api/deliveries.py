"""Admin API: the delivery trace, so an admin can read why every message was or was not sent."""

from __future__ import annotations

import json
import uuid
from typing import Annotated
from urllib.parse import urlencode

import structlog
from fastapi import APIRouter, Body, Depends, Path, Query, Request

from app.api.auth import AdminRoute, require_admin
from app.api.deps import get_resources
from app.api.schemas import (
    DELIVERY_DONE_EXAMPLE,
    DELIVERY_PAGE_EXAMPLE,
    DELIVERY_RETRYING_EXAMPLE,
    DELIVERY_SKIPPED_EXAMPLE,
    RETRY_FILTER_EXAMPLE,
    RETRY_RESULT_EXAMPLE,
    ActionOut,
    AttemptOut,
    CheckOut,
    DeliveryOut,
    DeliveryPage,
    RetryFilter,
    RetryResult,
    Text,
    UtcDateTime,
    json_examples,
)
from app.db import repository
from app.db.models import DeliveryStatus, Notification
from app.db.repository import DeliveryFilter
from app.errors import (
    ADMIN_AUTH_PROBLEMS,
    EXAMPLE_DELIVERY_ID,
    Conflict,
    NotFound,
    problem_responses,
)

log = structlog.get_logger(__name__)

router = APIRouter(
    prefix="/api/v1/deliveries",
    tags=["deliveries"],
    dependencies=[Depends(require_admin)],
    route_class=AdminRoute,
)

_AUTH = """
**Authentication:** `Authorization: Bearer <one of GATEWAY_ADMIN_API_KEYS>`; without it `401`,
with a key that is not accepted (or with the admin API disabled) `403`. The notification as
received may hold personal data: admins only.
"""


def delivery_out(notification: Notification) -> DeliveryOut:
    attempts = [
        AttemptOut(
            number=a.number,
            worker=a.worker,
            started_at=a.started_at,
            finished_at=a.finished_at,
            outcome=a.outcome,
            reason=a.reason,
            upstream_calls=a.upstream_calls,
            checks=[CheckOut.model_validate(c) for c in a.checks],
        )
        for a in notification.attempts
    ]
    finished = [a for a in attempts if a.finished_at is not None and a.outcome != "abandoned"]
    waiting = notification.status in (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)
    return DeliveryOut(
        id=notification.id,
        url=f"/api/v1/deliveries/{notification.id}",
        status=notification.status,
        scenario=notification.scenario,
        notification=json.loads(notification.body),
        checks=finished[-1].checks if finished else [],
        actions=[
            ActionOut(
                id=a.id,
                kind=a.kind,
                status=a.status,
                target=a.target,
                result=a.result,
                error=a.error,
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
            for a in notification.actions
        ],
        attempts=attempts,
        reason=notification.reason,
        received_at=notification.received_at,
        updated_at=notification.updated_at,
        next_attempt_at=notification.next_attempt_at if waiting else None,
        purged_at=notification.purged_at,
    )


def _page_link(request: Request, page: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(page)
    return f"{request.url.path}?{urlencode(params)}"


@router.get(
    "",
    response_model=DeliveryPage,
    summary="List deliveries",
    description="""
Every notification the webhook accepted, with its full trace, newest first (by the time it was
received), in pages. For an admin or operator looking for what happened to notifications: which
were skipped and why, which are retrying, which failed.

Filter by status, scenario, kanaal and the time the notification was received
(`received_after` inclusive, `received_before` exclusive, ISO 8601). `next` and `previous` are
the paths of the neighbouring pages with the same filter.
"""
    + _AUTH
    + """
**Answers.** `200`: a page (possibly empty). `400`: a query parameter is not valid;
`invalidParams` names each one.
""",
    responses={
        200: json_examples(
            page=("The first page of besluiten notifications, two per page", DELIVERY_PAGE_EXAMPLE)
        ),
        **problem_responses("query_invalid", *ADMIN_AUTH_PROBLEMS),
    },
)
async def list_deliveries(
    request: Request,
    status: Annotated[
        DeliveryStatus | None,
        Query(description="Only deliveries with this status.", examples=["skipped"]),
    ] = None,
    scenario: Annotated[
        Text | None,
        Query(
            max_length=50,
            description="Only deliveries handled by this scenario.",
            examples=["decision_made"],
        ),
    ] = None,
    kanaal: Annotated[
        Text | None,
        Query(
            max_length=50,
            description="Only notifications on this kanaal.",
            examples=["besluiten"],
        ),
    ] = None,
    received_after: Annotated[
        UtcDateTime | None,
        Query(
            description="Only notifications received at or after this time (ISO 8601; without "
            "a time zone: UTC).",
            examples=["2026-11-20T00:00:00Z"],
        ),
    ] = None,
    received_before: Annotated[
        UtcDateTime | None,
        Query(
            description="Only notifications received before this time (ISO 8601; without a "
            "time zone: UTC).",
            examples=["2026-11-21T00:00:00Z"],
        ),
    ] = None,
    page: Annotated[
        int, Query(ge=1, le=100_000, description="The page, from 1.", examples=[1])
    ] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=200, description="Deliveries per page (at most 200).", examples=[50])
    ] = 50,
) -> DeliveryPage:
    flt = DeliveryFilter(
        status=status.value if status else None,
        scenario=scenario,
        kanaal=kanaal,
        received_after=received_after,
        received_before=received_before,
    )
    async with get_resources(request).session_factory() as session:
        total, rows = await repository.list_deliveries(
            session, flt, offset=(page - 1) * page_size, limit=page_size
        )
    return DeliveryPage(
        count=total,
        next=_page_link(request, page + 1) if page * page_size < total else None,
        previous=_page_link(request, page - 1) if page > 1 else None,
        results=[delivery_out(row) for row in rows],
    )


@router.get(
    "/{delivery_id}",
    response_model=DeliveryOut,
    summary="Read the trace of one delivery",
    description="""
Why a notification was or was not acted on: its status, the notification as received, every
check of the latest finished attempt with what was found and what was expected, the actions
taken (recipients masked, with the upstream's id or error), all attempts, and the reason. The
id is the one the webhook answered (its `url`).
"""
    + _AUTH
    + """
**Answers.** `200`: the trace. `400`: the id is not a UUID. `404`: no delivery has this id.
""",
    responses={
        200: json_examples(
            done=("Decision made: an e-mail was sent", DELIVERY_DONE_EXAMPLE),
            skipped=(
                "Skipped at a check: the document is not definitief",
                DELIVERY_SKIPPED_EXAMPLE,
            ),
            retrying=("Notify NL was unavailable: retried later", DELIVERY_RETRYING_EXAMPLE),
        ),
        **problem_responses("delivery_id_invalid", 404, *ADMIN_AUTH_PROBLEMS),
    },
)
async def get_delivery(
    request: Request,
    delivery_id: Annotated[
        uuid.UUID,
        Path(
            description="The delivery id, as answered by the webhook.",
            examples=[EXAMPLE_DELIVERY_ID],
        ),
    ],
) -> DeliveryOut:
    async with get_resources(request).session_factory() as session:
        notification = await repository.get_delivery(session, delivery_id)
    if notification is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    return delivery_out(notification)


_RETRY_EFFECT = """
The delivery is queued again, due at once, with a fresh retry budget
(`GATEWAY_RETRY_MAX_ATTEMPTS` and `GATEWAY_RETRY_MAX_AGE` count from now). The stored
notification is run through the pipeline again with the configuration as it is now, so this is
how a delivery is replayed after fixing a whitelist, a template or a credential. Actions that
are done are not repeated: a message that was sent is not sent again; a failed action is tried
again with the same reference. Earlier attempts stay in the trace.
"""


@router.post(
    "/{delivery_id}/retry",
    response_model=DeliveryOut,
    status_code=202,
    summary="Retry one failed or skipped delivery",
    description="Run a `failed` or `skipped` delivery again."
    + _RETRY_EFFECT
    + _AUTH
    + """
**Answers.** `202`: queued; the trace as it is now (status `queued`). `400`: the id is not a
UUID. `404`: no delivery has this id. `409`: the delivery is not failed or skipped (it is
waiting, running or done), or retention removed its notification.
""",
    responses={
        202: json_examples(
            queued=(
                "Queued again",
                {**DELIVERY_SKIPPED_EXAMPLE, "status": "queued", "reason": None},
            )
        ),
        **problem_responses("delivery_id_invalid", 404, 409, *ADMIN_AUTH_PROBLEMS),
    },
)
async def retry_delivery(
    request: Request,
    delivery_id: Annotated[
        uuid.UUID,
        Path(description="The delivery id.", examples=[EXAMPLE_DELIVERY_ID]),
    ],
) -> DeliveryOut:
    resources = get_resources(request)
    async with resources.session_factory() as session, session.begin():
        queued = await repository.retry_deliveries(session, ids=[delivery_id])
        notification = await repository.get_delivery(session, delivery_id)
    if notification is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    if not queued:
        why = (
            "its notification was purged"
            if notification.purged_at
            else (f"it is {notification.status}")
        )
        raise Conflict(
            f"Delivery {delivery_id} cannot be retried: {why}; only failed or skipped "
            "deliveries can be retried."
        )
    _wake_worker(request)
    log.info("delivery_retry_requested", notification_id=str(delivery_id))
    return delivery_out(notification)


@router.post(
    "/retry",
    response_model=RetryResult,
    status_code=202,
    summary="Retry all failed or skipped deliveries matching a filter",
    description="Queue again every `failed` (or every `skipped`) delivery that matches the "
    "filter, at most 10000 per request: the bulk replay after an outage or a configuration fix."
    + _RETRY_EFFECT
    + _AUTH
    + """
**Answers.** `202`: how many were queued, and their ids (possibly none). `400`: the filter is
not valid; `invalidParams` names each field. `413`: the body is larger than
`GATEWAY_MAX_BODY_BYTES`.
""",
    responses={
        202: json_examples(queued=("Two failed deliveries queued again", RETRY_RESULT_EXAMPLE)),
        **problem_responses("retry_filter_invalid", "body_too_large", *ADMIN_AUTH_PROBLEMS),
    },
)
async def retry_deliveries(
    request: Request,
    flt: Annotated[
        RetryFilter,
        Body(
            openapi_examples={
                "failed": {
                    "summary": "Every failed decision-made delivery since 20 November",
                    "value": RETRY_FILTER_EXAMPLE,
                },
                "skipped": {
                    "summary": "Every skipped delivery (after fixing a whitelist)",
                    "value": {"status": "skipped"},
                },
            }
        ),
    ],
) -> RetryResult:
    async with get_resources(request).session_factory() as session, session.begin():
        queued = await repository.retry_deliveries(
            session,
            flt=DeliveryFilter(**flt.model_dump()),
            limit=10_000,
        )
    if queued:
        _wake_worker(request)
    log.info("deliveries_retry_requested", count=len(queued), status=flt.status)
    return RetryResult(count=len(queued), ids=queued)


def _wake_worker(request: Request) -> None:
    wakeup = get_resources(request).worker_wakeup
    if wakeup is not None:
        wakeup.set()
