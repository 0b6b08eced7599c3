"""Request and response bodies of the gateway's own API."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
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
    try:
        parts.port  # noqa: B018 (raises ValueError when the port is not a number 0-65535)
    except ValueError:
        raise ValueError("must be an absolute http(s) URL with a valid port") from None
    return value


def _assume_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    # 0001-01-01T00:00:00+01:00 is valid ISO 8601 but has no UTC equivalent in Python: the
    # dedupe key (and every comparison) works in UTC, so such a value is invalid input, not a 500.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must lie between the years 1 and 9999 in UTC") from None
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
#: A point in time as the API accepts it: without a time zone it is UTC; it must exist in UTC.
UtcDateTime = Annotated[datetime, AfterValidator(_assume_utc)]
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

ZAAK_STATUS_EXAMPLE: dict[str, Any] = {
    "kanaal": "zaken",
    "hoofdObject": "https://openzaak.gemeente.nl/zaken/api/v1/zaken/"
    "89dccdf2-df2d-4a3c-9f38-3e580dd63e3e",
    "resource": "status",
    "resourceUrl": "https://openzaak.gemeente.nl/zaken/api/v1/statussen/"
    "e3f4a5b6-c7d8-4e9f-a0b1-c2d3e4f5a6b7",
    "actie": "create",
    "aanmaakdatum": "2026-11-20T09:12:47.001Z",
    "kenmerken": {
        "bronorganisatie": "002220647",
        "zaaktype": "https://openzaak.gemeente.nl/catalogi/api/v1/zaaktypen/"
        "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d",
        "vertrouwelijkheidaanduiding": "openbaar",
    },
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

    kanaal: Annotated[
        Text,
        StringConstraints(min_length=1, max_length=50),
        Field(description="The channel: `besluiten`, `zaken`, ... (`test` is only acknowledged)."),
    ]
    hoofdObject: Annotated[Url, Field(description="URL of the main object (the besluit, zaak).")]
    resource: Annotated[
        Text,
        StringConstraints(min_length=1, max_length=100),
        Field(description="The kind of object that changed, e.g. `besluitinformatieobject`."),
    ]
    resourceUrl: Annotated[Url, Field(description="URL of the object that changed.")]
    actie: Annotated[
        Text,
        StringConstraints(min_length=1, max_length=100),
        Field(description="What happened: `create`, `update`, `partial_update`, `destroy`."),
    ]
    aanmaakdatum: Annotated[
        datetime,
        Strict(),
        AfterValidator(_assume_utc),
        Field(description="When it happened (ISO 8601; without a time zone: UTC)."),
    ]
    kenmerken: dict[
        Annotated[Text, StringConstraints(min_length=1, max_length=1000)],
        Annotated[Text, StringConstraints(max_length=1000)],
    ] = Field(
        default_factory=dict,
        description="The kanaal's filter attributes, e.g. `besluittype`, "
        "`verantwoordelijkeOrganisatie`.",
    )


ACCEPTED_EXAMPLE: dict[str, Any] = {
    "id": "0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
    "status": "queued",
    "url": "/api/v1/deliveries/0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
    "duplicate": False,
}

DUPLICATE_EXAMPLE: dict[str, Any] = {**ACCEPTED_EXAMPLE, "status": "done", "duplicate": True}


def json_examples(**named: tuple[str, Any]) -> dict[str, Any]:
    """An OpenAPI response entry with named `application/json` examples: name=(summary, value)."""
    return {
        "content": {
            "application/json": {
                "examples": {
                    name: {"summary": summary, "value": value}
                    for name, (summary, value) in named.items()
                }
            }
        }
    }


class NotificationAccepted(BaseModel):
    id: uuid.UUID = Field(description="Id of the delivery; read its trace at `url`.")
    status: str = Field(description="Current status of the delivery (`queued` when new).")
    url: str = Field(description="Path of the delivery trace in the admin API.")
    duplicate: bool = Field(
        default=False,
        description="True when the same notification was received before; nothing new was stored.",
    )

    model_config = ConfigDict(json_schema_extra={"examples": [ACCEPTED_EXAMPLE]})


class CheckOut(BaseModel):
    """One decision of the pipeline, in the order it was made."""

    name: str = Field(description="The check, e.g. `url_allowed`, `document_status`, `initiator`.")
    passed: bool
    detail: str = Field(description="What was found and what was expected; no personal data.")


class ActionOut(BaseModel):
    """A side effect of the delivery (a Notify NL message, a portal message)."""

    id: uuid.UUID = Field(
        description="Also the reference the upstream sees (Notify's `reference`)."
    )
    kind: str = Field(description="notify_email | notify_sms | portal_message")
    status: str = Field(
        description="pending (not known to be done: a retry looks it up before sending again) "
        "| done | failed"
    )
    target: str | None = Field(description="The recipient, masked.")
    result: dict[str, Any] = Field(
        description="What the upstream answered: `notify_id`, `template_version`, `object_url`."
    )
    error: str | None = Field(description="The upstream's error, when the action did not succeed.")
    created_at: datetime
    updated_at: datetime


class AttemptOut(BaseModel):
    """One run of the pipeline over the delivery by a worker."""

    number: int = Field(description="1 for the first attempt.")
    worker: str = Field(description="The worker that ran it (host:pid).")
    started_at: datetime
    finished_at: datetime | None = Field(description="Empty while the attempt runs.")
    outcome: str | None = Field(
        description="done | skipped | failed | retrying | abandoned (the lease ran out)"
    )
    reason: str | None
    upstream_calls: int = Field(description="Upstream API calls this attempt made.")
    checks: list[CheckOut]


EXAMPLE_BESLUIT_ZAAK = "89dccdf2-df2d-4a3c-9f38-3e580dd63e3e"

DECISION_MADE_CHECKS: list[dict[str, Any]] = [
    {
        "name": "scenario",
        "passed": True,
        "detail": "besluiten/besluitinformatieobject/create is handled by decision_made",
    },
    {
        "name": "url_allowed",
        "passed": True,
        "detail": "the notification's URLs are on configured origins",
    },
    {"name": "configuration", "passed": True, "detail": "configured for direct e-mail/SMS"},
    {
        "name": "informatieobjecttype_whitelisted",
        "passed": True,
        "detail": "informatieobjecttype 0c0d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5 is allowed by "
        "ZGW_VARIABLE_OBJECTTYPE_DECISIONINFOOBJECTTYPE_UUIDS",
    },
    {"name": "document_status", "passed": True, "detail": "the document's status is definitief"},
    {
        "name": "document_confidentiality",
        "passed": True,
        "detail": "the document's vertrouwelijkheidaanduiding is openbaar",
    },
    {
        "name": "zaak",
        "passed": True,
        "detail": f"the besluit belongs to zaak {EXAMPLE_BESLUIT_ZAAK}",
    },
    {
        "name": "zaaktype_whitelisted",
        "passed": True,
        "detail": "zaaktype PARKEERVERGUNNING is allowed by ZGW_WHITELIST_DECISIONMADE_IDS",
    },
    {"name": "informeren", "passed": True, "detail": "the zaak has a status"},
    {
        "name": "informeren",
        "passed": True,
        "detail": "statustype 'Besluit genomen' of the latest status has informeren=true",
    },
    {"name": "initiator", "passed": True, "detail": "the initiator is a person with a BSN"},
    {"name": "klant_found", "passed": True, "detail": "the initiator is a partij in Open Klant"},
    {
        "name": "contact_channel",
        "passed": True,
        "detail": "email to j***@example.nl: the preferred address",
    },
]

DELIVERY_DONE_EXAMPLE: dict[str, Any] = {
    "id": "0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
    "url": "/api/v1/deliveries/0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f",
    "status": "done",
    "scenario": "decision_made",
    "notification": BESLUITEN_EXAMPLE,
    "checks": DECISION_MADE_CHECKS,
    "actions": [
        {
            "id": "fbbff958-0289-4db3-99cf-96e4d3843203",
            "kind": "notify_email",
            "status": "done",
            "target": "j***@example.nl",
            "result": {"notify_id": "1178705c-0ef9-4448-9de2-4081ae286faa", "template_version": 1},
            "error": None,
            "created_at": "2026-11-20T09:14:04.574Z",
            "updated_at": "2026-11-20T09:14:04.597Z",
        }
    ],
    "attempts": [
        {
            "number": 1,
            "worker": "gateway-1:4711",
            "started_at": "2026-11-20T09:14:03.701Z",
            "finished_at": "2026-11-20T09:14:04.604Z",
            "outcome": "done",
            "reason": None,
            "upstream_calls": 7,
            "checks": DECISION_MADE_CHECKS,
        }
    ],
    "reason": None,
    "received_at": "2026-11-20T09:14:03.690Z",
    "updated_at": "2026-11-20T09:14:04.604Z",
    "next_attempt_at": None,
    "purged_at": None,
}

NOTIFY_UNAVAILABLE = (
    "notify https://api.notifynl.nl/v2/notifications/email answered HTTP 503: Service Unavailable"
)

DELIVERY_RETRYING_EXAMPLE: dict[str, Any] = {
    **DELIVERY_DONE_EXAMPLE,
    "status": "retrying",
    "actions": [
        {
            **DELIVERY_DONE_EXAMPLE["actions"][0],
            "status": "pending",
            "result": {},
            "error": NOTIFY_UNAVAILABLE,
        }
    ],
    "attempts": [
        {
            **DELIVERY_DONE_EXAMPLE["attempts"][0],
            "outcome": "retrying",
            "reason": NOTIFY_UNAVAILABLE,
        }
    ],
    "reason": NOTIFY_UNAVAILABLE,
    "next_attempt_at": "2026-11-20T09:14:34.604Z",
    "purged_at": None,
}


SKIPPED_REASON = "the document's status is in_bewerking, expected definitief"

DELIVERY_SKIPPED_EXAMPLE: dict[str, Any] = {
    "id": "5e2d8f4a-1b3c-4d6e-9f0a-7b8c9d0e1f2a",
    "url": "/api/v1/deliveries/5e2d8f4a-1b3c-4d6e-9f0a-7b8c9d0e1f2a",
    "status": "skipped",
    "scenario": "decision_made",
    "notification": {
        **BESLUITEN_EXAMPLE,
        "resourceUrl": "https://openzaak.gemeente.nl/besluiten/api/v1/besluitinformatieobjecten/"
        "d4c3b2a1-0f9e-4d8c-b7a6-5f4e3d2c1b0a",
        "aanmaakdatum": "2026-11-20T08:52:41.107Z",
    },
    "checks": [
        *DECISION_MADE_CHECKS[:4],
        {"name": "document_status", "passed": False, "detail": SKIPPED_REASON},
    ],
    "actions": [],
    "attempts": [
        {
            "number": 1,
            "worker": "gateway-1:4711",
            "started_at": "2026-11-20T08:52:41.250Z",
            "finished_at": "2026-11-20T08:52:41.388Z",
            "outcome": "skipped",
            "reason": SKIPPED_REASON,
            "upstream_calls": 2,
            "checks": [
                *DECISION_MADE_CHECKS[:4],
                {"name": "document_status", "passed": False, "detail": SKIPPED_REASON},
            ],
        }
    ],
    "reason": SKIPPED_REASON,
    "received_at": "2026-11-20T08:52:41.236Z",
    "updated_at": "2026-11-20T08:52:41.388Z",
    "next_attempt_at": None,
    "purged_at": None,
}


class DeliveryOut(BaseModel):
    """The trace of one notification: what was checked, what was done, and why."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [DELIVERY_DONE_EXAMPLE, DELIVERY_SKIPPED_EXAMPLE]}
    )

    id: uuid.UUID
    url: str
    status: str = Field(description="queued | processing | retrying | done | skipped | failed")
    scenario: str | None = Field(description="The scenario that handles it, e.g. `decision_made`.")
    notification: dict[str, Any] = Field(description="The notification as received.")
    checks: list[CheckOut] = Field(description="Checks of the latest finished attempt, in order.")
    actions: list[ActionOut]
    attempts: list[AttemptOut] = Field(description="Every attempt, oldest first.")
    reason: str | None = Field(description="Why the delivery is skipped, failed or retrying.")
    received_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None = Field(description="Set while queued or retrying.")
    purged_at: datetime | None = Field(
        default=None,
        description="Set when retention (GATEWAY_RETENTION_DAYS) removed the notification, the "
        "checks and the attempts; the actions, the audit of what was sent, are kept.",
    )


DELIVERY_PAGE_EXAMPLE: dict[str, Any] = {
    "count": 3,
    "next": "/api/v1/deliveries?kanaal=besluiten&page_size=2&page=2",
    "previous": None,
    "results": [DELIVERY_DONE_EXAMPLE, DELIVERY_SKIPPED_EXAMPLE],
}


class DeliveryPage(BaseModel):
    """One page of deliveries, newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [DELIVERY_PAGE_EXAMPLE]})

    count: int = Field(description="Deliveries matching the filter, on all pages.")
    next: str | None = Field(description="Path of the next page; empty on the last page.")
    previous: str | None = Field(description="Path of the previous page; empty on the first.")
    results: list[DeliveryOut]


RETRY_FILTER_EXAMPLE: dict[str, Any] = {
    "status": "failed",
    "scenario": "decision_made",
    "received_after": "2026-11-20T00:00:00Z",
}
RETRY_RESULT_EXAMPLE: dict[str, Any] = {
    "count": 2,
    "ids": ["0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f", "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"],
}


class RetryFilter(BaseModel):
    """Which deliveries to queue again: all of one status, narrowed by the other fields."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [RETRY_FILTER_EXAMPLE]}
    )

    status: Literal["failed", "skipped"] = Field(description="Retry the failed, or the skipped.")
    scenario: Text | None = Field(
        default=None, max_length=50, description="Only deliveries of this scenario."
    )
    kanaal: Text | None = Field(
        default=None, max_length=50, description="Only notifications on this kanaal."
    )
    received_after: UtcDateTime | None = Field(
        default=None, description="Only notifications received at or after this time."
    )
    received_before: UtcDateTime | None = Field(
        default=None, description="Only notifications received before this time."
    )


class RetryResult(BaseModel):
    """The deliveries queued again."""

    model_config = ConfigDict(json_schema_extra={"examples": [RETRY_RESULT_EXAMPLE]})

    count: int = Field(description="How many deliveries were queued again.")
    ids: list[uuid.UUID] = Field(description="Their ids (at most 10000 per request).")
