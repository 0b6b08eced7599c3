"""Notify NL (GOV.UK Notify API v2) stand-in: send e-mail and SMS, preview, look up by reference.

It keeps what it "sent" (`SandboxState.notify_messages`) with the rendered subject and body,
renders templates the way Notify does (`((placeholder))`, `((flag??optional text))`, a missing
placeholder is a 400), and answers errors in Notify's shape `{status_code, errors[]}`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.sandbox.state import SandboxState

NOTIFY = ""  # the root of its host: the python client joins "/v2/..." to the base URL

DECISION_EMAIL_TEMPLATE_ID = "3c4e0b6a-7d1f-4e2a-9b8c-5f6a7b8c9d01"
DECISION_SMS_TEMPLATE_ID = "8f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"


@dataclass(frozen=True)
class Template:
    id: str
    type: str  # email | sms
    name: str
    subject: str | None
    body: str
    version: int = 1


TEMPLATES = {
    t.id: t
    for t in (
        Template(
            id=DECISION_EMAIL_TEMPLATE_ID,
            type="email",
            name="Besluit genomen (e-mail)",
            subject="Er is een besluit genomen over uw zaak ((zaak.identificatie))",
            body=(
                "Beste ((klant.voornaam)) ((klant.voorvoegselAchternaam)) ((klant.achternaam)),\n\n"
                "Op ((besluit.datum)) heeft het ((besluit.bestuursorgaan)) een besluit genomen "
                "over uw zaak ((zaak.identificatie)), ((zaak.omschrijving)): "
                "((besluittype.omschrijving)).\n\n"
                "((besluit.toelichting))\n\n"
                "Het besluit gaat in op ((besluit.ingangsdatum)). "
                "((besluittype.publicatieindicatie??Het besluit wordt ook gepubliceerd.))\n\n"
                "((besluittype.toelichting))\n\n"
                "Met vriendelijke groet,\nGemeente Voorbeeld"
            ),
        ),
        Template(
            id=DECISION_SMS_TEMPLATE_ID,
            type="sms",
            name="Besluit genomen (sms)",
            subject=None,
            body=(
                "Gemeente Voorbeeld: er is een besluit genomen over uw zaak "
                "((zaak.identificatie)). U vindt het in uw berichtenbox op MijnGemeente."
            ),
        ),
    )
}

_PLACEHOLDER = re.compile(r"\(\(([^()]+)\)\)")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_TRUE = {"yes", "y", "true", "1"}
_SEND_FIELDS = {
    "email": (
        {"email_address", "template_id"},
        {
            "personalisation",
            "reference",
            "email_reply_to_id",
            "one_click_unsubscribe_url",
            "sanitise_content_for",
            "scheduled_for",
        },
    ),
    "sms": (
        {"phone_number", "template_id"},
        {"personalisation", "reference", "sms_sender_id", "scheduled_for"},
    ),
}


class NotifyError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message

    def response(self, headers: dict[str, str] | None = None) -> Response:
        return notify_error(self.status, self.error, self.message, headers)


def notify_error(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(
        {"status_code": status, "errors": [{"error": error, "message": message}]},
        status_code=status,
        headers=headers,
    )


def render(template: Template, personalisation: dict[str, Any]) -> tuple[str | None, str]:
    """(subject, body) with placeholders filled; NotifyError 400 when one is missing."""
    values = {str(k).lower(): v for k, v in personalisation.items()}
    texts = [template.body] + ([template.subject] if template.subject else [])
    names = {m.split("??", 1)[0].strip() for text in texts for m in _PLACEHOLDER.findall(text)}
    missing = sorted(n for n in names if n.lower() not in values)
    if missing:
        raise NotifyError(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")

    def fill(match: re.Match[str]) -> str:
        name, _, optional = match.group(1).partition("??")
        value = values[name.strip().lower()]
        if optional:
            return optional if str(value).strip().lower() in _TRUE else ""
        if isinstance(value, list):
            return "\n".join(f"* {item}" for item in value)
        return str(value)

    subject = _PLACEHOLDER.sub(fill, template.subject) if template.subject else None
    return subject, _PLACEHOLDER.sub(fill, template.body)


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    def base() -> str:
        return state.url(NOTIFY)

    def template_ref(template: Template) -> dict[str, Any]:
        return {
            "id": template.id,
            "version": template.version,
            "uri": f"{base()}/v2/template/{template.id}",
        }

    async def send(request: Request, kind: str) -> Response:
        try:
            body = await request.json()
        except ValueError:
            return notify_error(400, "ValidationError", "Request body is not valid JSON")
        try:
            message = _validate_send(body, kind)
            template = TEMPLATES.get(str(body["template_id"]))
            if template is None:
                raise NotifyError(400, "BadRequestError", "Template not found")
            if template.type != kind:
                raise NotifyError(
                    400,
                    "BadRequestError",
                    f"{kind} template is not suitable for {template.type} notification",
                )
            subject, text = render(template, body.get("personalisation") or {})
        except NotifyError as error:
            return error.response()
        notification_id = str(uuid.uuid4())
        record = {
            "id": notification_id,
            "type": kind,
            "to": message,
            "template_id": template.id,
            "template_version": template.version,
            "personalisation": body.get("personalisation") or {},
            "reference": body.get("reference"),
            "subject": subject,
            "body": text,
            "status": "delivered",
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        with state.lock:
            state.notify_messages.append(record)
        content: dict[str, Any] = {"body": text}
        if kind == "email":
            content.update(subject=subject or "", from_email="gemeente.voorbeeld@notifynl.nl")
        else:
            content["from_number"] = "Gemeente"
        return JSONResponse(
            {
                "id": notification_id,
                "reference": body.get("reference"),
                "content": content,
                "uri": f"{base()}/v2/notifications/{notification_id}",
                "template": template_ref(template),
                "scheduled_for": None,
            },
            status_code=201,
        )

    @api.post(f"{NOTIFY}/v2/notifications/email")
    async def send_email(request: Request) -> Response:
        return await send(request, "email")

    @api.post(f"{NOTIFY}/v2/notifications/sms")
    async def send_sms(request: Request) -> Response:
        return await send(request, "sms")

    @api.get(f"{NOTIFY}/v2/notifications")
    async def list_notifications(request: Request) -> Response:
        reference = request.query_params.get("reference")
        with state.lock:
            found = [m for m in state.notify_messages if reference in (None, m["reference"])]
        return JSONResponse(
            {
                "notifications": [status_of(m) for m in reversed(found)],
                "links": {"current": str(request.url)},
            }
        )

    @api.get(f"{NOTIFY}/v2/notifications/{{notification_id}}")
    async def get_notification(notification_id: str) -> Response:
        with state.lock:
            found = [m for m in state.notify_messages if m["id"] == notification_id]
        if not found:
            return notify_error(404, "NoResultFound", "No result found")
        return JSONResponse(status_of(found[0]))

    @api.post(f"{NOTIFY}/v2/template/{{template_id}}/preview")
    async def preview(request: Request, template_id: str) -> Response:
        template = TEMPLATES.get(template_id)
        if template is None:
            return notify_error(404, "NoResultFound", "No Result Found")
        body = await request.json()
        personalisation = body.get("personalisation") if isinstance(body, dict) else None
        if not isinstance(personalisation, dict):
            return notify_error(400, "ValidationError", "personalisation is a required property")
        try:
            subject, text = render(template, personalisation)
        except NotifyError as error:
            return error.response()
        return JSONResponse(
            {
                "id": template.id,
                "type": template.type,
                "version": template.version,
                "body": text,
                "html": f"<p>{text}</p>" if template.type == "email" else None,
                "subject": subject,
                "postage": None,
            }
        )

    def status_of(message: dict[str, Any]) -> dict[str, Any]:
        template = TEMPLATES[message["template_id"]]
        email = message["type"] == "email"
        return {
            "id": message["id"],
            "reference": message["reference"],
            "email_address": message["to"] if email else None,
            "phone_number": None if email else message["to"],
            "line_1": None,
            "line_2": None,
            "line_3": None,
            "line_4": None,
            "line_5": None,
            "line_6": None,
            "postcode": None,
            "type": message["type"],
            "status": message["status"],
            "template": template_ref(template),
            "body": message["body"],
            "subject": message["subject"],
            "created_at": message["created_at"],
            "created_by_name": None,
            "sent_at": message["created_at"],
            "completed_at": message["created_at"],
            "scheduled_for": None,
        }

    return api


def _validate_send(body: Any, kind: str) -> str:
    """The recipient, after the checks Notify's request schema makes; NotifyError otherwise."""
    if not isinstance(body, dict):
        raise NotifyError(400, "ValidationError", "Request body must be an object")
    required, optional = _SEND_FIELDS[kind]
    for name in sorted(required - body.keys()):
        raise NotifyError(400, "ValidationError", f"{name} is a required property")
    extra = sorted(body.keys() - required - optional)
    if extra:
        raise NotifyError(
            400,
            "ValidationError",
            f"Additional properties are not allowed ({', '.join(extra)} was unexpected)",
        )
    try:
        uuid.UUID(str(body["template_id"]))
    except ValueError:
        raise NotifyError(400, "ValidationError", "template_id is not a valid UUID") from None
    personalisation = body.get("personalisation")
    if personalisation is not None and not isinstance(personalisation, dict):
        raise NotifyError(400, "ValidationError", "personalisation is not of type object")
    reference = body.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 1000):
        raise NotifyError(400, "ValidationError", "reference is too long")
    if kind == "email":
        address = str(body["email_address"])
        if not _EMAIL.match(address):
            raise NotifyError(400, "ValidationError", "email_address Not a valid email address")
        return address
    number = re.sub(r"[\s()-]", "", str(body["phone_number"]))
    if not _PHONE.match(number):
        raise NotifyError(
            400, "ValidationError", "phone_number Must not contain letters or symbols"
        )
    return number
