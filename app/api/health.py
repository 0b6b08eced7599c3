"""Operations: liveness, readiness (database reachable, migrations at head) and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text

from app.api.deps import get_resources
from app.api.schemas import json_examples
from app.db import repository
from app.errors import ServiceUnavailable, problem_responses
from app.metrics import DELIVERIES

router = APIRouter(tags=["operations"])


LIVE_EXAMPLE: dict[str, Any] = {"status": "ok", "database": None, "migration": None}
READY_EXAMPLE: dict[str, Any] = {"status": "ok", "database": "ok", "migration": "0003"}


class Health(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [READY_EXAMPLE]})

    status: str = Field(description="`ok`; any other state is an error answer.")
    database: str | None = Field(default=None, description="Readiness only: `ok`.")
    migration: str | None = Field(
        default=None, description="Readiness only: the database's migration revision."
    )


@router.get(
    "/health/live",
    response_model=Health,
    summary="Is the process up?",
    description="Liveness probe for the orchestrator (and the container's health check): "
    "answers `200` as long as the process serves HTTP. It checks nothing else, so a database "
    "outage does not get the process restarted. No authentication.",
    responses={
        200: json_examples(live=("The process is up", LIVE_EXAMPLE)),
        **problem_responses(),
    },
)
async def live() -> Health:
    return Health(status="ok")


@router.get(
    "/health/ready",
    response_model=Health,
    summary="Can it serve? (database reachable, migrations at head)",
    description="Readiness probe for the orchestrator or load balancer: `200` when the database "
    "can be queried and its migration revision is the one the code expects; otherwise `503` "
    "with what is wrong (run `zgw-gateway migrate`). No authentication.",
    responses={
        200: json_examples(ready=("Ready to serve", READY_EXAMPLE)),
        **problem_responses("database_unreachable", "migrations_behind"),
    },
)
async def ready(request: Request) -> Health:
    resources = get_resources(request)
    try:
        async with resources.engine.connect() as connection:
            current = (
                await connection.execute(text("SELECT version_num FROM alembic_version"))
            ).scalar_one_or_none()
    except Exception as error:
        raise ServiceUnavailable(
            f"The database cannot be queried ({type(error).__name__}); run `zgw-gateway migrate` "
            "if it was never migrated."
        ) from None
    if current != resources.head_revision:
        raise ServiceUnavailable(
            f"The database is at migration {current}, the code expects {resources.head_revision}; "
            "run `zgw-gateway migrate`."
        )
    return Health(status="ok", database="ok", migration=current)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    description="For the Prometheus scraper: request counts and durations, notifications "
    "received by kanaal and outcome, deliveries by status (read from the database at scrape "
    "time, so correct across processes), finished deliveries, and upstream requests and calls "
    "per run. Text exposition format; no authentication, no personal data.",
    response_class=Response,
    responses={
        **problem_responses(),
        200: {
            "description": "Prometheus text exposition.",
            "content": {
                CONTENT_TYPE_LATEST: {
                    "example": 'zgw_gateway_deliveries{status="queued"} 3.0\n'
                    'zgw_gateway_notifications_received_total{kanaal="besluiten",'
                    'outcome="accepted"} 42.0\n'
                }
            },
        },
    },
)
async def metrics(request: Request) -> Response:
    async with get_resources(request).session_factory() as session:
        counts = await repository.count_by_status(session)
    for status, count in counts.items():
        DELIVERIES.labels(status).set(count)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
