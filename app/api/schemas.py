"""Request and response bodies of the gateway's own API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict, StringConstraints


def _clean_text(value: str) -> str:
    """Refuse text no database stores faithfully: NUL characters and lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("must be valid Unicode text (lone surrogate)") from error
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    return value


def _assume_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Text = Annotated[str, AfterValidator(_clean_text)]
Url = Annotated[
    str,
    StringConstraints(min_length=1, max_length=1000),
    AfterValidator(_clean_text),
    AfterValidator(_http_url),
]

BESLUITEN_EXAMPLE: dict[str, Any] = {
    "kanaal": "besluiten",
    "hoofdObject": "https://openzaak.gemeente.nl/besluiten/api/v1/besluiten/"
    "a2b1c7e4-53f1-4c2a-9a55-2f1f0d9e8c11",
    "resource": "besluitinformatieobject",
    "resourceUrl": "https://openzaak.gemeente.nl/besluiten/api/v1/besluitinformatieobjecten/"
    "6c4e2d1a-8f3b-4b7e-a1d2-9e8f7a6b5c4d",
    "actie": "create",
    "aanmaakdatum": "2026-11-20T09:14:03.512Z",
    "kenmerken": {
        "verantwoordelijkeOrganisatie": "002220647",
        "besluittype": "https://openzaak.gemeente.nl/catalogi/api/v1/besluittypen/"
        "7f0e1d2c-3b4a-4958-8d7c-6b5a4f3e2d1c",
        "besluittype.catalogus": "https://openzaak.gemeente.nl/catalogi/api/v1/catalogussen/"
        "1d2c3b4a-5f6e-4d8c-9b0a-1f2e3d4c5b6a",
    },
    "source": "open-zaak",
}

TEST_EXAMPLE: dict[str, Any] = {
    "kanaal": "test",
    "hoofdObject": "http://some.hoofdobject.nl/",
    "resource": "some_resource",
    "resourceUrl": "http://some.resource.nl/",
    "actie": "create",
    "aanmaakdatum": "2019-01-01T12:00:00Z",
    "kenmerken": {},
}


class NotificationMessage(BaseModel):
    """A Notificaties API 1.0 message (the NRC consumer webhook's `Notificatie`).

    Unknown top-level keys (Open Notificaties adds `source`) are accepted and kept in the stored
    body. `kenmerken` values may be empty: rejecting a message for that would lose it.
    """

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [BESLUITEN_EXAMPLE]})

    kanaal: Annotated[Text, StringConstraints(min_length=1, max_length=50)]
    hoofdObject: Url
    resource: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    resourceUrl: Url
    actie: Annotated[Text, StringConstraints(min_length=1, max_length=100)]
    aanmaakdatum: Annotated[datetime, Strict(), AfterValidator(_assume_utc)]
    kenmerken: dict[
        Annotated[Text, StringConstraints(min_length=1, max_length=1000)],
        Annotated[Text, StringConstraints(max_length=1000)],
    ] = Field(default_factory=dict)


class NotificationAccepted(BaseModel):
    id: uuid.UUID = Field(description="Id of the delivery; read its trace at `url`.")
    status: str = Field(description="Current status of the delivery (`queued` when new).")
    url: str = Field(description="Path of the delivery trace in the admin API.")
    duplicate: bool = Field(
        default=False,
        description="True when the same notification was received before; nothing new was stored.",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
                    "status": "queued",
                    "url": "/api/v1/deliveries/0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
                    "duplicate": False,
                }
            ]
        }
    )


class CheckOut(BaseModel):
    name: str
    passed: bool
    detail: str


class ActionOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    target: str | None
    result: dict[str, Any]
    error: str | None
    created_at: datetime
    updated_at: datetime


class AttemptOut(BaseModel):
    number: int
    worker: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    reason: str | None
    upstream_calls: int
    checks: list[CheckOut]


DELIVERY_EXAMPLE: dict[str, Any] = {
    "id": "0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
    "url": "/api/v1/deliveries/0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
    "status": "skipped",
    "scenario": None,
    "notification": BESLUITEN_EXAMPLE,
    "checks": [
        {
            "name": "scenario",
            "passed": False,
            "detail": "no scenario matches kanaal/resource/actie "
            "besluiten/besluitinformatieobject/create",
        }
    ],
    "actions": [],
    "attempts": [
        {
            "number": 1,
            "worker": "gateway-1:4711",
            "started_at": "2026-11-20T09:14:03.701Z",
            "finished_at": "2026-11-20T09:14:03.706Z",
            "outcome": "skipped",
            "reason": "no scenario matches kanaal/resource/actie "
            "besluiten/besluitinformatieobject/create",
            "upstream_calls": 0,
            "checks": [],
        }
    ],
    "reason": "no scenario matches kanaal/resource/actie besluiten/besluitinformatieobject/create",
    "received_at": "2026-11-20T09:14:03.690Z",
    "updated_at": "2026-11-20T09:14:03.706Z",
    "next_attempt_at": None,
}


class DeliveryOut(BaseModel):
    """The trace of one notification: what was checked, what was done, and why."""

    model_config = ConfigDict(json_schema_extra={"examples": [DELIVERY_EXAMPLE]})

    id: uuid.UUID
    url: str
    status: str = Field(description="queued | processing | retrying | done | skipped | failed")
    scenario: str | None
    notification: dict[str, Any] = Field(description="The notification as received.")
    checks: list[CheckOut] = Field(description="Checks of the latest finished attempt, in order.")
    actions: list[ActionOut]
    attempts: list[AttemptOut]
    reason: str | None = Field(description="Why the delivery is skipped, failed or retrying.")
    received_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None = Field(description="Set while queued or retrying.")


class DeliveryPage(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "count": 120,
                    "next": "/api/v1/deliveries?status=skipped&page=2",
                    "previous": None,
                    "results": [DELIVERY_EXAMPLE],
                }
            ]
        }
    )

    count: int
    next: str | None
    previous: str | None
    results: list[DeliveryOut]
