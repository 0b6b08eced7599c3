"""Admin API: the delivery trace, so an admin can read why every message was or was not sent."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request

from app.api.auth import require_admin
from app.api.deps import get_resources
from app.api.schemas import ActionOut, AttemptOut, CheckOut, DeliveryOut, DeliveryPage
from app.db import repository
from app.db.models import DeliveryStatus, Notification
from app.db.repository import DeliveryFilter
from app.errors import NotFound, problem_responses

router = APIRouter(
    prefix="/api/v1/deliveries",
    tags=["deliveries"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(401, 403),
)


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
    description="Newest first. Filter by status, scenario, kanaal and the time the notification "
    "was received (`received_after` inclusive, `received_before` exclusive, ISO 8601).",
    responses=problem_responses(400),
)
async def list_deliveries(
    request: Request,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status.")] = None,
    scenario: Annotated[str | None, Query(max_length=50, examples=["decision_made"])] = None,
    kanaal: Annotated[str | None, Query(max_length=50, examples=["besluiten"])] = None,
    received_after: Annotated[datetime | None, Query(examples=["2026-11-20T00:00:00Z"])] = None,
    received_before: Annotated[datetime | None, Query(examples=["2026-11-21T00:00:00Z"])] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
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
    description="Status, the notification as received, every check of the latest attempt with "
    "what was found and expected, the actions taken, all attempts, and the reason.",
    responses=problem_responses(400, 404),
)
async def get_delivery(request: Request, delivery_id: uuid.UUID) -> DeliveryOut:
    async with get_resources(request).session_factory() as session:
        notification = await repository.get_delivery(session, delivery_id)
    if notification is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    return delivery_out(notification)
