"""Admin API: the dry run. The same pipeline over a posted notification, without side effects."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from app.api.auth import AdminRoute, require_admin
from app.api.deps import get_resources, read_body
from app.api.notifications import notification_request_body, parse_notification
from app.api.schemas import DECISION_MADE_CHECKS, SKIPPED_REASON, CheckOut, json_examples
from app.errors import ADMIN_AUTH_PROBLEMS, problem_responses

router = APIRouter(
    tags=["deliveries"], dependencies=[Depends(require_admin)], route_class=AdminRoute
)


class PlannedActionOut(BaseModel):
    kind: str = Field(description="notify_email | notify_sms | portal_message")
    target: str = Field(description="The recipient, masked.")
    template_id: str


EVALUATION_WOULD_SEND_EXAMPLE: dict[str, Any] = {
    "dry_run": True,
    "status": "done",
    "scenario": "decision_made",
    "reason": None,
    "checks": DECISION_MADE_CHECKS,
    "actions": [
        {
            "kind": "notify_email",
            "target": "j***@example.nl",
            "template_id": "3c4e0b6a-7d1f-4e2a-9b8c-5f6a7b8c9d01",
        }
    ],
    "personalisation": {
        "klant.voornaam": "Jan",
        "klant.voorvoegselAchternaam": "de",
        "klant.achternaam": "Vries",
        "besluit.identificatie": "BESLUIT-2026-0000123",
        "besluit.datum": "20-11-2026",
        "besluit.toelichting": "Uw aanvraag voor een parkeervergunning is toegekend.",
        "besluit.bestuursorgaan": "College van B&W",
        "besluit.ingangsdatum": "01-12-2026",
        "besluit.vervaldatum": "30-11-2027",
        "besluit.vervalreden": "tijdelijk",
        "besluit.publicatiedatum": "",
        "besluit.verzenddatum": "20-11-2026",
        "besluit.uiterlijkereactiedatum": "01-01-2027",
        "besluittype.omschrijving": "Parkeervergunning verleend",
        "besluittype.omschrijvingGeneriek": "Vergunning verleend",
        "besluittype.besluitcategorie": "vergunning",
        "besluittype.publicatieindicatie": "no",
        "besluittype.publicatietekst": "",
        "besluittype.toelichting": "",
        "zaak.identificatie": "ZAAK-2026-0000456",
        "zaak.omschrijving": "Parkeervergunning Dorpsstraat",
        "zaak.registratiedatum": "02-11-2026",
        "zaaktype.omschrijving": "Parkeervergunning aanvragen",
        "zaaktype.omschrijvingGeneriek": "Vergunning aanvragen",
    },
    "upstream_calls": 6,
}

EVALUATION_SKIPPED_EXAMPLE: dict[str, Any] = {
    "dry_run": True,
    "status": "skipped",
    "scenario": "decision_made",
    "reason": SKIPPED_REASON,
    "checks": [
        *DECISION_MADE_CHECKS[:4],
        {"name": "document_status", "passed": False, "detail": SKIPPED_REASON},
    ],
    "actions": [],
    "personalisation": None,
    "upstream_calls": 2,
}

EVALUATION_NO_SCENARIO_EXAMPLE: dict[str, Any] = {
    "dry_run": True,
    "status": "skipped",
    "scenario": None,
    "reason": "no scenario matches kanaal/resource/actie zaken/status/create",
    "checks": [
        {
            "name": "scenario",
            "passed": False,
            "detail": "no scenario matches kanaal/resource/actie zaken/status/create",
        }
    ],
    "actions": [],
    "personalisation": None,
    "upstream_calls": 0,
}


class EvaluationOut(BaseModel):
    """What the gateway would do with this notification, and why."""

    model_config = ConfigDict(json_schema_extra={"examples": [EVALUATION_WOULD_SEND_EXAMPLE]})

    dry_run: bool = Field(default=True, description="Always true: nothing was performed.")
    status: str = Field(
        description="What the delivery would become: `done` means the actions would be "
        "performed; `skipped` with the failing check; `retrying`/`failed` when an upstream "
        "API did not answer as expected."
    )
    scenario: str | None = Field(description="The scenario that handles it, if any.")
    reason: str | None = Field(description="Why it would be skipped, failed or retried.")
    checks: list[CheckOut]
    actions: list[PlannedActionOut] = Field(description="What would be sent, not performed.")
    personalisation: dict[str, str] | None = Field(
        description="The placeholders and values that would be sent (personal data: admin only)."
    )
    upstream_calls: int = Field(description="Read-only upstream calls this evaluation made.")


_DESCRIPTION = """
Runs the pipeline on the posted notification exactly as the delivery worker would, reading from
the upstream APIs (Open Zaak, Open Klant), but sends nothing, creates nothing and stores nothing.
Returns the checks in order with what was found, the actions that would be taken (recipients
masked) and the personalisation that would be sent: the way for an admin to check a
configuration against real data before going live.

**Authentication:** `Authorization: Bearer <one of GATEWAY_ADMIN_API_KEYS>` (the webhook token
does not open it). The answer holds personal data (the personalisation).

**Answers.**

- `200`: the evaluation; `status` says what the delivery would become. An upstream API that
  does not answer is reported in the body (`retrying`/`failed`), not as an error status.
- `400`: the body is not JSON or not a Notificaties API message; `invalidParams` names each
  field at fault.
- `401`: no `Authorization` header. `403`: the key is not accepted, or the admin API is
  disabled (`GATEWAY_ADMIN_API_KEYS` empty).
- `413`: the body is larger than `GATEWAY_MAX_BODY_BYTES`.
"""


@router.post(
    "/api/v1/notifications/evaluate",
    response_model=EvaluationOut,
    summary="Dry run: what would happen with this notification?",
    description=_DESCRIPTION,
    responses={
        200: json_examples(
            would_send=(
                "Every check passes: an e-mail would be sent",
                EVALUATION_WOULD_SEND_EXAMPLE,
            ),
            skipped=("A check fails: nothing would be sent", EVALUATION_SKIPPED_EXAMPLE),
            no_scenario=("No scenario handles this notification", EVALUATION_NO_SCENARIO_EXAMPLE),
        ),
        **problem_responses(
            "notification_invalid",
            "not_json",
            413,
            *ADMIN_AUTH_PROBLEMS,
        ),
    },
    openapi_extra=notification_request_body("besluitinformatieobject", "zaak_status"),
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
