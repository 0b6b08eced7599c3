"""Admin API: the delivery trace, so an admin can read why every message was or was not sent."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request

from app.api.auth import require_admin
from app.api.deps import get_resources
from app.api.schemas import (
    DELIVERY_DONE_EXAMPLE,
    DELIVERY_PAGE_EXAMPLE,
    DELIVERY_RETRYING_EXAMPLE,
    DELIVERY_SKIPPED_EXAMPLE,
    ActionOut,
    AttemptOut,
    CheckOut,
    DeliveryOut,
    DeliveryPage,
    json_examples,
)
from app.db import repository
from app.db.models import DeliveryStatus, Notification
from app.db.repository import DeliveryFilter
from app.errors import ADMIN_AUTH_PROBLEMS, EXAMPLE_DELIVERY_ID, NotFound, problem_responses

router = APIRouter(
    prefix="/api/v1/deliveries",
    tags=["deliveries"],
    dependencies=[Depends(require_admin)],
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
        str | None,
        Query(
            max_length=50,
            description="Only deliveries handled by this scenario.",
            examples=["decision_made"],
        ),
    ] = None,
    kanaal: Annotated[
        str | None,
        Query(
            max_length=50,
            description="Only notifications on this kanaal.",
            examples=["besluiten"],
        ),
    ] = None,
    received_after: Annotated[
        datetime | None,
        Query(
            description="Only notifications received at or after this time (ISO 8601; without "
            "a time zone: UTC).",
            examples=["2026-11-20T00:00:00Z"],
        ),
    ] = None,
    received_before: Annotated[
        datetime | None,
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
