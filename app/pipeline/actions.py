"""Carrying out a plan: each action exactly once, across retries.

Before an action is performed it is recorded as `pending` with a stable id, committed; that id
is what the upstream sees as reference (Notify's `reference`), never personal data. A retry of
the delivery skips actions that are `done`. A `pending` action means an earlier try may have
gone through without us hearing back (a timeout after the request left): Notify is asked for a
message with that reference (a portal message: the Objects API for a message object with the
same referentie, citizen and attachments) first and, if there is one, it is adopted instead of
sent again.
"""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from app.clients import Upstreams
from app.clients.errors import PermanentUpstreamError, TransientUpstreamError
from app.clients.objects import ObjectsClient
from app.db import repository
from app.db.models import DeliveryAction
from app.db.session import SessionFactory
from app.pipeline.trace import PlannedAction

log = structlog.get_logger(__name__)


class ActionExecutor:
    def __init__(self, session_factory: SessionFactory, upstreams: Upstreams) -> None:
        self.session_factory = session_factory
        self.upstreams = upstreams

    async def execute(
        self,
        notification_id: uuid.UUID,
        actions: list[PlannedAction],
        *,
        first_attempt: bool = False,
    ) -> None:
        """Perform what is not done yet; upstream errors propagate after being recorded.

        `first_attempt`: no earlier attempt can have recorded an action, so none is looked up.
        """
        existing: dict[str, DeliveryAction] = {}
        if not first_attempt:
            async with self.session_factory() as session:
                existing = await repository.get_actions(session, notification_id)
        for action in actions:
            row = existing.get(action.kind)
            if row is None:
                async with self.session_factory() as session, session.begin():
                    action_id = await repository.start_action(
                        session,
                        notification_id=notification_id,
                        kind=action.kind,
                        target=action.target,
                    )
            elif row.status == "done":
                log.info("action_already_done", kind=action.kind, action_id=str(row.id))
                continue
            else:
                action_id = row.id
                if row.status == "pending":
                    earlier = await self._find_earlier(action, action_id)
                    if earlier is not None:
                        await self._finish(action_id, "done", result={**earlier, "adopted": True})
                        log.info("action_adopted", kind=action.kind, action_id=str(action_id))
                        continue
            await self._perform_and_record(action, action_id)

    async def _perform_and_record(self, action: PlannedAction, action_id: uuid.UUID) -> None:
        try:
            result = await self._perform(action, reference=str(action_id))
        except PermanentUpstreamError as error:
            await self._finish(action_id, "failed", error=str(error))
            raise
        except TransientUpstreamError as error:
            # Outcome unknown or not sent: stays pending, so the retry looks before it sends.
            await self._finish(action_id, "pending", error=str(error))
            raise
        await self._finish(action_id, "done", result=result)
        log.info("action_done", kind=action.kind, action_id=str(action_id))

    async def _finish(
        self,
        action_id: uuid.UUID,
        status: str,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        async with self.session_factory() as session, session.begin():
            await repository.finish_action(
                session, action_id, status=status, result=result, error=error
            )

    async def _find_earlier(
        self, action: PlannedAction, action_id: uuid.UUID
    ) -> dict[str, Any] | None:
        notify, objects = self.upstreams.notify, self.upstreams.objects
        if action.kind in ("notify_email", "notify_sms") and notify is not None:
            found = await notify.find_by_reference(str(action_id))
            if found is not None:
                return {"notify_id": found.get("id"), "notify_status": found.get("status")}
        if action.kind == "portal_message" and objects is not None:
            return await _find_portal_message(objects, action)
        return None

    async def _perform(self, action: PlannedAction, *, reference: str) -> dict[str, Any]:
        notify = self.upstreams.notify
        assert notify is not None  # the scenario's configuration check guarantees it
        if action.kind == "notify_email":
            assert action.recipient is not None
            sent = await notify.send_email(
                email_address=action.recipient,
                template_id=action.template_id,
                personalisation=action.personalisation,
                reference=reference,
            )
            return _notify_result(sent)
        if action.kind == "notify_sms":
            assert action.recipient is not None
            sent = await notify.send_sms(
                phone_number=action.recipient,
                template_id=action.template_id,
                personalisation=action.personalisation,
                reference=reference,
            )
            return _notify_result(sent)
        return await self._portal_message(action)

    async def _portal_message(self, action: PlannedAction) -> dict[str, Any]:
        notify, objects = self.upstreams.notify, self.upstreams.objects
        assert notify is not None
        assert objects is not None
        assert action.message_object is not None
        preview = await notify.preview(
            template_id=action.template_id, personalisation=action.personalisation
        )
        body = action.message_object
        record = body["record"]
        data = {
            **record["data"],
            "onderwerp": preview.get("subject") or "",
            "berichtTekst": preview.get("body") or "",
        }
        created = await objects.create_object({**body, "record": {**record, "data": data}})
        return {"object_url": created.get("url"), "template_version": preview.get("version")}


async def _find_portal_message(
    objects: ObjectsClient, action: PlannedAction
) -> dict[str, Any] | None:
    """A message object this action already created: same objecttype, `referentie` (the
    besluit), citizen and attachments. The Objects API has no client reference of its own."""
    assert action.message_object is not None
    wanted = action.message_object["record"]["data"]
    found = await objects.find_objects(
        action.message_object["type"], f"referentie__exact__{wanted['referentie']}"
    )
    for candidate in found:
        data = (candidate.get("record") or {}).get("data") or {}
        if (
            data.get("identificatie") == wanted["identificatie"]
            and data.get("bijlages") == wanted["bijlages"]
        ):
            return {"object_url": candidate.get("url")}
    return None


def _notify_result(sent: dict[str, Any]) -> dict[str, Any]:
    template = sent.get("template") or {}
    return {"notify_id": sent.get("id"), "template_version": template.get("version")}
