"""Receiving a notification: its dedupe key, the headers we keep, and storing it once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC

from app.api.schemas import NotificationMessage
from app.db import repository
from app.db.repository import NewNotification, StoredNotification
from app.db.session import SessionFactory

# Headers that carry credentials or session state are never stored.
SECRET_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


def dedupe_key(message: NotificationMessage) -> str:
    """Same content, same key: Open Notificaties redelivers the very same message.

    The timestamp is normalised to UTC so that `...Z` and `...+00:00` spellings agree.
    """
    canonical = json.dumps(
        [
            message.kanaal,
            message.hoofdObject,
            message.resource,
            message.resourceUrl,
            message.actie,
            message.aanmaakdatum.astimezone(UTC).isoformat(),
            sorted(message.kenmerken.items()),
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name.lower(): ("[redacted]" if name.lower() in SECRET_HEADERS else value)
        for name, value in headers.items()
    }


async def accept(
    session_factory: SessionFactory,
    message: NotificationMessage,
    *,
    body: str,
    headers: Mapping[str, str],
    auth_method: str,
) -> StoredNotification:
    """Store the notification and commit before returning: an accepted message is durable."""
    new = NewNotification(
        dedupe_key=dedupe_key(message),
        kanaal=message.kanaal,
        resource=message.resource,
        actie=message.actie,
        hoofd_object=message.hoofdObject,
        resource_url=message.resourceUrl,
        aanmaakdatum=message.aanmaakdatum,
        kenmerken=dict(message.kenmerken),
        body=body,
        headers=safe_headers(headers),
        auth_method=auth_method,
    )
    async with session_factory() as session, session.begin():
        return await repository.store_notification(session, new)
