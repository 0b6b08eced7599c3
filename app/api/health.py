"""Operations: liveness, readiness (database reachable, migrations at head) and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict
from sqlalchemy import text

from app.api.deps import get_resources
from app.db import repository
from app.errors import ServiceUnavailable, problem_responses
from app.metrics import DELIVERIES

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ok", "database": "ok", "migration": "0001"}]}
    )

    status: str
    database: str | None = None
    migration: str | None = None


@router.get("/health/live", response_model=Health, summary="Is the process up?")
async def live() -> Health:
    return Health(status="ok")


@router.get(
    "/health/ready",
    response_model=Health,
    summary="Can it serve? (database reachable, migrations at head)",
    responses=problem_responses(503),
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
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition.",
            "content": {
                CONTENT_TYPE_LATEST: {
                    "example": 'zgw_gateway_deliveries{status="queued"} 3.0\n'
                    'zgw_gateway_notifications_received_total{kanaal="besluiten",'
                    'outcome="accepted"} 42.0\n'
                }
            },
        }
    },
)
async def metrics(request: Request) -> Response:
    async with get_resources(request).session_factory() as session:
        counts = await repository.count_by_status(session)
    for status, count in counts.items():
        DELIVERIES.labels(status).set(count)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
