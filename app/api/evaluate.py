"""Admin API: the dry run. The same pipeline over a posted notification, without side effects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import require_admin
from app.api.deps import get_resources, read_body
from app.api.notifications import REQUEST_BODY, parse_notification
from app.api.schemas import CheckOut
from app.errors import problem_responses

router = APIRouter(tags=["deliveries"], dependencies=[Depends(require_admin)])


class PlannedActionOut(BaseModel):
    kind: str = Field(description="notify_email | notify_sms | portal_message")
    target: str = Field(description="The recipient, masked.")
    template_id: str


class EvaluationOut(BaseModel):
    """What the gateway would do with this notification, and why."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "dry_run": True,
                    "status": "done",
                    "scenario": "decision_made",
                    "reason": None,
                    "checks": [
                        {
                            "name": "scenario",
                            "passed": True,
                            "detail": "besluiten/"
                            "besluitinformatieobject/create is handled by decision_made",
                        },
                        {
                            "name": "document_status",
                            "passed": True,
                            "detail": "the document's status is definitief",
                        },
                    ],
                    "actions": [
                        {
                            "kind": "notify_email",
                            "target": "j***@example.nl",
                            "template_id": "8a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d",
                        }
                    ],
                    "personalisation": {"klant.voornaam": "Jan", "besluit.datum": "20-11-2026"},
                    "upstream_calls": 5,
                }
            ]
        }
    )

    dry_run: bool = True
    status: str = Field(description="What the delivery would become: done means would be sent.")
    scenario: str | None
    reason: str | None
    checks: list[CheckOut]
    actions: list[PlannedActionOut] = Field(description="What would be sent, not performed.")
    personalisation: dict[str, str] | None = Field(
        description="The placeholders and values that would be sent (personal data: admin only)."
    )
    upstream_calls: int = Field(description="Read-only upstream calls this evaluation made.")


@router.post(
    "/api/v1/notifications/evaluate",
    response_model=EvaluationOut,
    summary="Dry run: what would happen with this notification?",
    description="Runs the pipeline on the posted notification exactly as the worker would, "
    "reading from the upstream APIs, but sends nothing, creates nothing and stores nothing. "
    "Returns the checks, the actions that would be taken and the personalisation that would be "
    "sent.",
    responses=problem_responses(400, 401, 403, 413),
    openapi_extra=REQUEST_BODY,
)
async def evaluate(request: Request) -> EvaluationOut:
    resources = get_resources(request)
    raw = await read_body(request, resources.settings.gateway_max_body_bytes)
    message = parse_notification(raw)
    outcome = await resources.pipeline.run(message, dry_run=True)
    plan = outcome.plan
    actions: list[dict[str, Any]] = [a.describe() for a in plan.actions] if plan else []
    return EvaluationOut(
        status=outcome.status,
        scenario=outcome.scenario,
        reason=outcome.reason,
        checks=[CheckOut(**c.as_dict()) for c in outcome.checks],
        actions=[PlannedActionOut(**a) for a in actions],
        personalisation=plan.personalisation if plan else None,
        upstream_calls=outcome.upstream_calls,
    )
