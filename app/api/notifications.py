"""The webhook Open Notificaties delivers to: authenticate, validate, store once, acknowledge.

The pipeline runs later, in the worker; this request only makes the notification durable.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from app import intake
from app.api.auth import authenticate_notification
from app.api.deps import get_resources, read_body
from app.api.schemas import (
    ACCEPTED_EXAMPLE,
    BESLUITEN_EXAMPLE,
    DUPLICATE_EXAMPLE,
    TEST_EXAMPLE,
    ZAAK_STATUS_EXAMPLE,
    NotificationAccepted,
    NotificationMessage,
    json_examples,
)
from app.errors import (
    BadRequest,
    ParseError,
    ServiceUnavailable,
    invalid_params_from_errors,
    problem_responses,
)
from app.metrics import NOTIFICATIONS_RECEIVED, kanaal_label

log = structlog.get_logger(__name__)

router = APIRouter(tags=["notifications"])

NOTIFICATION_EXAMPLES: dict[str, dict[str, Any]] = {
    "besluitinformatieobject": {
        "summary": "A document was attached to a decision (decision made)",
        "value": BESLUITEN_EXAMPLE,
    },
    "zaak_status": {
        "summary": "A zaak got a new status (stored; no scenario acts on it)",
        "value": ZAAK_STATUS_EXAMPLE,
    },
    "subscription_test": {
        "summary": "The test message Open Notificaties sends when subscribing",
        "value": TEST_EXAMPLE,
    },
}


def notification_request_body(*names: str) -> dict[str, Any]:
    """`openapi_extra` for an operation whose body is a notification, with the named examples."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": NotificationMessage.model_json_schema(),
                    "examples": {name: NOTIFICATION_EXAMPLES[name] for name in names},
                }
            },
        }
    }


REQUEST_BODY = notification_request_body(*NOTIFICATION_EXAMPLES)

_LOCATION = {
    "Location": {
        "description": "Path of the delivery trace (the same as `url`).",
        "schema": {"type": "string"},
    }
}

_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {
        "headers": _LOCATION,
        "description": "Stored: the delivery will be acted on; its trace is at `url` (also in "
        "the `Location` header).",
        **json_examples(accepted=("A new notification, queued", ACCEPTED_EXAMPLE)),
    },
    200: {
        "model": NotificationAccepted,
        "description": "Received before: nothing new was stored; the existing delivery.",
        "headers": _LOCATION,
        **json_examples(duplicate=("A redelivery of a handled notification", DUPLICATE_EXAMPLE)),
    },
    204: {"description": "The subscription test message (`kanaal: test`): nothing is stored."},
    **problem_responses(
        "notification_invalid",
        "not_json",
        "webhook_auth_missing",
        "webhook_auth_refused",
        "webhook_token_expired",
        413,
        "store_unavailable",
    ),
}

_DESCRIPTION = """
Receives a Notificaties API 1.0 message: Open Notificaties calls this for every notification on
a kanaal the gateway's abonnement is subscribed to (`besluiten` for the decision-made scenario).

**Authentication.** The `Authorization` header must equal one of `GATEWAY_NOTIFICATION_AUTH`
(the abonnement's `auth` value) or carry an HS256 JWT signed with `OMC_AUTH_JWT_SECRET` (issuer
and audience checked when configured, `exp` enforced). Otherwise `403`, also when the header is
missing (the Notificaties API's callback check expects `403`), and nothing is stored.

**Answers.**

- `202`: the message was committed to the database before this answer and will be acted on by
  the delivery worker; the body has the delivery id and the path of its trace.
- `200`: the same message was delivered before (same kanaal, hoofdObject, resource,
  resourceUrl, actie, aanmaakdatum and kenmerken): nothing is stored twice; the existing id.
- `204`: `kanaal: "test"` (Open Notificaties' subscription check): nothing is stored.
- `400`: the body is not JSON or does not match the message schema; `invalidParams` names each
  field at fault. Unknown top-level keys (such as `source`) are accepted.
- `403`: see authentication. `413`: the body is larger than `GATEWAY_MAX_BODY_BYTES`.
- `503`: the database could not take the message; nothing was accepted, deliver it again.

The webhook never runs the scenario itself: what happened next is in
`GET /api/v1/deliveries/{id}` (admin key).
"""


def parse_notification(body: bytes) -> NotificationMessage:
    try:
        return NotificationMessage.model_validate_json(body)
    except ValidationError as error:
        params = invalid_params_from_errors(error.errors(include_url=False))
        if any(p.code == "parse_error" for p in params):
            raise ParseError(
                "The body must be a JSON object encoded as UTF-8.", invalid_params=params
            ) from None
        raise BadRequest(
            "The notification does not match the Notificaties API message schema; "
            "see invalidParams.",
            invalid_params=params,
        ) from None


async def receive_notification(request: Request) -> Response:
    resources = get_resources(request)
    settings = resources.settings
    auth_method = authenticate_notification(request.headers.get("authorization"), settings)
    raw = await read_body(request, settings.gateway_max_body_bytes)
    message = parse_notification(raw)
    if message.kanaal == "test":
        NOTIFICATIONS_RECEIVED.labels("test", "test").inc()
        return Response(status_code=204)

    new = intake.new_notification(
        message, body=raw.decode("utf-8"), headers=request.headers, auth_method=auth_method
    )
    try:
        stored = await resources.intake.store(new)
    except intake.StoreUnavailable:
        raise ServiceUnavailable(
            "The notification could not be stored right now; nothing was accepted. "
            "Deliver it again later."
        ) from None
    NOTIFICATIONS_RECEIVED.labels(
        kanaal_label(message.kanaal), "accepted" if stored.created else "duplicate"
    ).inc()
    # One line per delivery comes from the worker (`delivery_finished`); a redelivery is the
    # interesting event here. Logging every receipt at INFO costs ~15% of intake throughput.
    (log.debug if stored.created else log.info)(
        "notification_received",
        notification_id=str(stored.id),
        kanaal=message.kanaal,
        resource=message.resource,
        actie=message.actie,
        duplicate=not stored.created,
    )
    if stored.created and resources.worker_wakeup is not None:
        resources.worker_wakeup.set()
    url = f"/api/v1/deliveries/{stored.id}"
    return JSONResponse(
        {
            "id": str(stored.id),
            "status": stored.status,
            "url": url,
            "duplicate": not stored.created,
        },
        status_code=202 if stored.created else 200,
        headers={"Location": url},
    )


router.add_api_route(
    "/api/v1/notifications",
    receive_notification,
    methods=["POST"],
    status_code=202,
    response_model=NotificationAccepted,
    responses=_RESPONSES,
    summary="Receive a notification from Open Notificaties",
    description=_DESCRIPTION,
    openapi_extra=REQUEST_BODY,
    operation_id="notification_receive",
)
router.add_api_route(
    "/Events/Listen",
    receive_notification,
    methods=["POST"],
    status_code=202,
    response_model=NotificationAccepted,
    responses=_RESPONSES,
    summary="Receive a notification (OMC-compatible path)",
    description="The same as `POST /api/v1/notifications`, at the path the OMC used, so that "
    "existing abonnementen keep working (also with the OMC's JWT).\n" + _DESCRIPTION,
    openapi_extra=REQUEST_BODY,
    operation_id="notification_receive_omc",
)
