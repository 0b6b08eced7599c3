"""One validated Settings object, read from the environment and an optional `.env`.

Variable names follow the OMC (Worth-NL/NotifyNL-OMC) so that an existing OMC environment file
works unchanged; variables the OMC does not know start with `GATEWAY_` (plus `DATABASE_URL`).
Every field carries a description and an example: `check-config`, `.env.example` and the README's
configuration table are all generated from them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Values that show a secret was copied from an example rather than set.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "example", "test", "password", "placeholder"}
)


@dataclass(frozen=True)
class Whitelist:
    """A comma-separated list of allowed values, or `*` for all of them (OMC semantics)."""

    allow_all: bool
    values: frozenset[str]

    def allows(self, value: str) -> bool:
        return self.allow_all or value in self.values

    def describe(self) -> str:
        if self.allow_all:
            return "*"
        return ",".join(sorted(self.values)) or "(empty)"


def _split_commas(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _to_whitelist(value: Any) -> Any:
    if isinstance(value, Whitelist):
        return value
    parts = _split_commas(value)
    if "*" in parts:
        return Whitelist(allow_all=True, values=frozenset())
    return Whitelist(allow_all=False, values=frozenset(parts))


def _check_url(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value.rstrip("/")


def _check_origin(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{value!r} is not an origin such as https://host[:port]")
    return f"{parts.scheme}://{parts.netloc}".lower()


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_commas)]
SecretList = Annotated[list[SecretStr], NoDecode, BeforeValidator(_split_commas)]
WhitelistField = Annotated[Whitelist, NoDecode, BeforeValidator(_to_whitelist)]
OptionalUrl = Annotated[str | None, AfterValidator(_check_url)]
OriginList = Annotated[
    list[str],
    NoDecode,
    BeforeValidator(_split_commas),
    AfterValidator(lambda v: [_check_origin(x) for x in v]),
]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip() == "" else value


OptionalUuid = Annotated[uuid.UUID | None, BeforeValidator(_blank_to_none)]
OptionalSecret = Annotated[SecretStr | None, BeforeValidator(_blank_to_none)]
OptionalStr = Annotated[str | None, BeforeValidator(_blank_to_none)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_to_none)]
OptionalBool = Annotated[bool | None, BeforeValidator(_blank_to_none)]

ENDPOINT_FIELDS = (
    "zgw_endpoint_opennotificaties",
    "zgw_endpoint_openzaak",
    "zgw_endpoint_openklant",
    "zgw_endpoint_besluiten",
    "zgw_endpoint_objecten",
    "zgw_endpoint_objecttypen",
    "zgw_endpoint_contactmomenten",
)


def _template(scenario: str, channel: str) -> Any:
    return Field(
        default=None,
        description=f"Notify template id for {scenario} sent by {channel}.",
        examples=["8a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c2d"],
        json_schema_extra={"group": "Notify NL"},
    )


def _whitelist(scenario: str) -> Any:
    return Field(
        default=Whitelist(allow_all=False, values=frozenset()),
        description=f"zaaktype identificaties for which {scenario} messages are sent; `*` for all.",
        examples=["ZAAKTYPE-2024-001,ZAAKTYPE-2024-002"],
        json_schema_extra={"group": "Whitelists"},
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        case_sensitive=False,
        extra="ignore",
        validate_default=True,
    )

    # --- gateway ---------------------------------------------------------------------------
    gateway_environment: Literal["development", "production"] = Field(
        default="production",
        description="`production` refuses placeholder secrets; `development` allows them.",
        examples=["production"],
        json_schema_extra={"group": "Gateway"},
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./zgw-gateway.db",
        description=(
            "SQLAlchemy URL of the database: SQLite (embedded default) or PostgreSQL "
            "(`postgresql+asyncpg://user:password@host/db`)."
        ),
        examples=["postgresql+asyncpg://gateway:s3cret@db.gemeente.local:5432/zgw_gateway"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_notification_auth: SecretList = Field(
        default_factory=list,
        description=(
            "Comma-separated `Authorization` header values accepted on the webhook, exactly as "
            "registered as `auth` in the Open Notificaties abonnement."
        ),
        examples=["Bearer 6f1d2c8e9b7a4f3e8d2c1b0a9f8e7d6c"],
        json_schema_extra={"group": "Gateway", "secret": True},
    )
    gateway_admin_api_keys: SecretList = Field(
        default_factory=list,
        description=(
            "Comma-separated keys for the admin API, sent as `Authorization: Bearer <key>`. "
            "Empty disables the admin API."
        ),
        examples=["a9c4e1f0b2d34c5e8f7a6b5c4d3e2f1a"],
        json_schema_extra={"group": "Gateway", "secret": True},
    )
    gateway_allowed_origins: OriginList = Field(
        default_factory=list,
        description=(
            "Extra origins the gateway may fetch from (and send credentials to), besides the "
            "origins of the configured ZGW_ENDPOINT_* URLs."
        ),
        examples=["https://documenten.gemeente.nl"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_max_body_bytes: int = Field(
        default=262_144,
        ge=1024,
        description="Largest request body accepted, in bytes; larger bodies get 413.",
        examples=["262144"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_worker_concurrency: int = Field(
        default=8,
        ge=1,
        le=256,
        description="How many deliveries one worker processes at the same time.",
        examples=["8"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_worker_batch_size: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="How many due deliveries a worker claims in one go.",
        examples=["20"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_worker_poll_interval: timedelta = Field(
        default=timedelta(seconds=1),
        description="How long an idle worker waits before looking for due deliveries again.",
        examples=["PT1S"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_lease_duration: timedelta = Field(
        default=timedelta(minutes=5),
        description=(
            "How long a claimed delivery stays with its worker; after that another worker may "
            "take it over (the first one is presumed dead)."
        ),
        examples=["PT5M"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retention_days: OptionalInt = Field(
        default=90,
        ge=1,
        description=(
            "Days a final (done, skipped, failed) delivery is kept in full. After that a worker "
            "purges it: deliveries that never acted are deleted, the others lose the "
            "notification body, checks and attempts but keep their actions (the audit of what "
            "was sent). Empty: keep everything."
        ),
        examples=["90"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_shutdown_timeout: timedelta = Field(
        default=timedelta(seconds=20),
        description=(
            "On SIGTERM a worker stops claiming and gives in-flight deliveries this long to "
            "finish; those still running are then interrupted and handed back (due at once)."
        ),
        examples=["PT20S"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retry_base_delay: timedelta = Field(
        default=timedelta(seconds=30),
        description=(
            "Wait before the first retry of a delivery an upstream could not serve (5xx, 429, "
            "timeout); doubles with every attempt. An upstream's Retry-After wins."
        ),
        examples=["PT30S"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retry_max_delay: timedelta = Field(
        default=timedelta(hours=1),
        description="Longest wait between two attempts of a delivery.",
        examples=["PT1H"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retry_factor: float = Field(
        default=2.0,
        ge=1.0,
        le=10.0,
        description="Factor by which the wait grows with every attempt (exponential backoff).",
        examples=["2"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retry_jitter: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description=(
            "Up to this fraction of each wait is taken off at random, so deliveries that failed "
            "together do not all come back at once."
        ),
        examples=["0.2"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retry_max_attempts: int = Field(
        default=10,
        ge=1,
        le=1000,
        description=(
            "Attempts after which a delivery an upstream keeps failing is given up as `failed` "
            "(with the last reason); an admin can retry it."
        ),
        examples=["10"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_retry_max_age: timedelta = Field(
        default=timedelta(hours=48),
        description=(
            "A delivery is not retried beyond this age (counted from receipt); it becomes "
            "`failed` instead."
        ),
        examples=["P2D"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_upstream_timeout: timedelta = Field(
        default=timedelta(seconds=10),
        gt=timedelta(0),
        description=(
            "How long one request to an upstream (Open Zaak, Open Klant, the Objects API, "
            "Notify) may take; a request without an answer by then counts as a timeout and the "
            "delivery is retried (a send whose answer was lost is looked up first)."
        ),
        examples=["PT10S"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_sandbox: OptionalBool = Field(
        default=None,
        description=(
            "Serve the built-in sandbox (stand-ins for Open Zaak, Open Klant, Objects API, Open "
            "Notificaties and Notify) under `/sandbox` and point every endpoint at it. Empty: on "
            "in `development` when no ZGW_ENDPOINT_* or NOTIFY_API_BASEURL is configured, "
            "otherwise off. Never combined with real endpoints."
        ),
        examples=["true"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO",
        description="Log level of the JSON logs on standard output.",
        examples=["INFO"],
        json_schema_extra={"group": "Gateway"},
    )
    gateway_access_log: bool = Field(
        default=False,
        description="Log one `http_request` line per request (method, route, status, duration).",
        examples=["false"],
        json_schema_extra={"group": "Gateway"},
    )

    # --- OMC: inbound JWT (accepted on the webhook like the OMC did) ----------------------
    omc_auth_jwt_secret: OptionalSecret = Field(
        default=None,
        description=(
            "HS256 secret of the JWT that Open Notificaties sends as `Authorization: Bearer "
            "<jwt>` (OMC compatibility). At least 32 bytes in production."
        ),
        examples=["b6f0c2d9e8a74b1c9f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c"],
        json_schema_extra={"group": "OMC", "secret": True},
    )
    omc_auth_jwt_issuer: OptionalStr = Field(
        default=None,
        description="Expected `iss` of the inbound JWT; not checked when empty.",
        examples=["OMC"],
        json_schema_extra={"group": "OMC"},
    )
    omc_auth_jwt_audience: OptionalStr = Field(
        default=None,
        description="Expected `aud` of the inbound JWT; not checked when empty.",
        examples=["OMC"],
        json_schema_extra={"group": "OMC"},
    )
    omc_auth_jwt_expiresinmin: OptionalInt = Field(
        default=None,
        description="Accepted for OMC compatibility; the token's own `exp` claim is enforced.",
        examples=["60"],
        json_schema_extra={"group": "OMC"},
    )
    omc_auth_jwt_userid: OptionalStr = Field(
        default=None,
        description="Accepted for OMC compatibility (not used for verification).",
        examples=["omc"],
        json_schema_extra={"group": "OMC"},
    )
    omc_auth_jwt_username: OptionalStr = Field(
        default=None,
        description="Accepted for OMC compatibility (not used for verification).",
        examples=["Output Management Component"],
        json_schema_extra={"group": "OMC"},
    )
    omc_feature_workflow_version: int = Field(
        default=2,
        ge=1,
        le=2,
        description="`2`: Open Klant 2 (Klantinteracties API); `1`: Klanten API 1.0.",
        examples=["2"],
        json_schema_extra={"group": "OMC"},
    )
    omc_actor_id: OptionalUuid = Field(
        default=None,
        description="Actor UUID in Open Klant used when registering klantcontacten.",
        examples=["5f3b2a1c-9d8e-4f7a-8b6c-1d2e3f4a5b6c"],
        json_schema_extra={"group": "OMC"},
    )

    # --- ZGW: outbound credentials and endpoints -------------------------------------------
    zgw_auth_jwt_secret: OptionalSecret = Field(
        default=None,
        description="Secret of the gateway's client in Open Zaak / Open Notificaties (HS256).",
        examples=["c2f4e6a8b0d1c3e5f7a9b1d3e5f7a9c1"],
        json_schema_extra={"group": "ZGW", "secret": True},
    )
    zgw_auth_jwt_issuer: OptionalStr = Field(
        default=None,
        description="Client id of the gateway in Open Zaak; sent as `iss` and `client_id`.",
        examples=["zgw-gateway"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_auth_jwt_audience: OptionalStr = Field(
        default=None,
        description="Accepted for OMC compatibility (ZGW tokens carry no audience).",
        examples=[""],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_auth_jwt_expiresinmin: OptionalInt = Field(
        default=None,
        description="Accepted for OMC compatibility; the gateway signs a fresh token per request.",
        examples=["60"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_auth_jwt_userid: OptionalStr = Field(
        default=None,
        description="`user_id` claim of outgoing ZGW tokens (shows up in Open Zaak's audit trail).",
        examples=["zgw-gateway"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_auth_jwt_username: OptionalStr = Field(
        default=None,
        description="`user_representation` claim of outgoing ZGW tokens.",
        examples=["ZGW Gateway"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_auth_key_openklant: OptionalSecret = Field(
        default=None,
        description="Open Klant 2 API token, sent as `Authorization: Token <key>`.",
        examples=["0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4"],
        json_schema_extra={"group": "ZGW", "secret": True},
    )
    zgw_auth_key_objecten: OptionalSecret = Field(
        default=None,
        description="Objects API token, sent as `Authorization: Token <key>`.",
        examples=["1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"],
        json_schema_extra={"group": "ZGW", "secret": True},
    )
    zgw_auth_key_objecttypen: OptionalSecret = Field(
        default=None,
        description="Objecttypes API token, sent as `Authorization: Token <key>`.",
        examples=["9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6"],
        json_schema_extra={"group": "ZGW", "secret": True},
    )
    zgw_endpoint_opennotificaties: OptionalUrl = Field(
        default=None,
        description="Base URL of the Notificaties API (used to subscribe).",
        examples=["https://opennotificaties.gemeente.nl/api/v1"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_endpoint_openzaak: OptionalUrl = Field(
        default=None,
        description="Base URL of the Zaken API.",
        examples=["https://openzaak.gemeente.nl/zaken/api/v1"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_endpoint_openklant: OptionalUrl = Field(
        default=None,
        description="Base URL of Open Klant (Klantinteracties API, or Klanten API for workflow 1).",
        examples=["https://openklant.gemeente.nl/klantinteracties/api/v1"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_endpoint_besluiten: OptionalUrl = Field(
        default=None,
        description="Base URL of the Besluiten API.",
        examples=["https://openzaak.gemeente.nl/besluiten/api/v1"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_endpoint_objecten: OptionalUrl = Field(
        default=None,
        description="Base URL of the Objects API.",
        examples=["https://objecten.gemeente.nl/api/v2"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_endpoint_objecttypen: OptionalUrl = Field(
        default=None,
        description="Base URL of the Objecttypes API.",
        examples=["https://objecttypen.gemeente.nl/api/v2"],
        json_schema_extra={"group": "ZGW"},
    )
    zgw_endpoint_contactmomenten: OptionalUrl = Field(
        default=None,
        description="Base URL of the Contactmomenten API (Open Klant 1) or Klantinteracties.",
        examples=["https://openklant.gemeente.nl/klantinteracties/api/v1"],
        json_schema_extra={"group": "ZGW"},
    )

    # --- whitelists and object types -------------------------------------------------------
    zgw_whitelist_zaakcreate_ids: WhitelistField = _whitelist("case created")
    zgw_whitelist_zaakupdate_ids: WhitelistField = _whitelist("case status updated")
    zgw_whitelist_zaakclose_ids: WhitelistField = _whitelist("case closed")
    zgw_whitelist_taskassigned_ids: WhitelistField = _whitelist("task assigned")
    zgw_whitelist_decisionmade_ids: WhitelistField = _whitelist("decision made")
    zgw_whitelist_message_allowed: bool = Field(
        default=False,
        description="Send 'message received' notifications.",
        examples=["true"],
        json_schema_extra={"group": "Whitelists"},
    )
    zgw_variable_objecttype_taskobjecttype_uuid: OptionalUuid = Field(
        default=None,
        description="UUID of the task objecttype (task assigned scenario).",
        examples=["0236e468-2ad8-43d6-a723-219cb22acb37"],
        json_schema_extra={"group": "Object types"},
    )
    zgw_variable_objecttype_messageobjecttype_uuid: OptionalUuid = Field(
        default=None,
        description=(
            "UUID of the message objecttype. When set, decisions become portal messages in the "
            "Objects API instead of direct Notify messages."
        ),
        examples=["38327774-7023-4f25-9386-acb0c6f10636"],
        json_schema_extra={"group": "Object types"},
    )
    zgw_variable_objecttype_messageobjecttype_version: OptionalInt = Field(
        default=None,
        description="Version of the message objecttype.",
        examples=["1"],
        json_schema_extra={"group": "Object types"},
    )
    zgw_variable_objecttype_decisioninfoobjecttype_uuids: WhitelistField = Field(
        default=Whitelist(allow_all=False, values=frozenset()),
        description=(
            "Comma-separated informatieobjecttype UUIDs whose documents may announce a "
            "decision; `*` for all."
        ),
        examples=["3a1f6c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"],
        json_schema_extra={"group": "Object types"},
    )

    # --- Notify NL ----------------------------------------------------------------------------
    notify_api_baseurl: OptionalUrl = Field(
        default="https://api.notifynl.nl",
        description="Base URL of Notify NL (a GOV.UK Notify deployment).",
        examples=["https://api.notifynl.nl"],
        json_schema_extra={"group": "Notify NL"},
    )
    notify_api_key: OptionalSecret = Field(
        default=None,
        description="Notify API key, `name-<service uuid>-<secret uuid>`.",
        examples=[
            "gemeente-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
        ],
        json_schema_extra={"group": "Notify NL", "secret": True},
    )
    notify_templateid_decisionmade: OptionalUuid = _template("decision made", "e-mail or SMS")
    notify_templateid_email_zaakcreate: OptionalUuid = _template("case created", "e-mail")
    notify_templateid_email_zaakupdate: OptionalUuid = _template("case status updated", "e-mail")
    notify_templateid_email_zaakclose: OptionalUuid = _template("case closed", "e-mail")
    notify_templateid_email_taskassigned: OptionalUuid = _template("task assigned", "e-mail")
    notify_templateid_email_messagereceived: OptionalUuid = _template("message received", "e-mail")
    notify_templateid_email_decisionmade: OptionalUuid = _template("decision made", "e-mail")
    notify_templateid_sms_zaakcreate: OptionalUuid = _template("case created", "SMS")
    notify_templateid_sms_zaakupdate: OptionalUuid = _template("case status updated", "SMS")
    notify_templateid_sms_zaakclose: OptionalUuid = _template("case closed", "SMS")
    notify_templateid_sms_taskassigned: OptionalUuid = _template("task assigned", "SMS")
    notify_templateid_sms_messagereceived: OptionalUuid = _template("message received", "SMS")
    notify_templateid_sms_decisionmade: OptionalUuid = _template("decision made", "SMS")

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        """Accept the plain URL forms operators tend to paste and pick the async driver."""
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def configured_endpoints(self) -> list[str]:
        """Variables of the upstream endpoints set explicitly (Notify's has a default)."""
        names = [env_name(f) for f in ENDPOINT_FIELDS if getattr(self, f)]
        if "notify_api_baseurl" in self.model_fields_set and self.notify_api_baseurl:
            names.append("NOTIFY_API_BASEURL")
        return names

    @property
    def sandbox_enabled(self) -> bool:
        """Whether `serve` mounts the sandbox (GATEWAY_SANDBOX, or its automatic default)."""
        if self.gateway_sandbox is not None:
            return self.gateway_sandbox
        return self.gateway_environment == "development" and not self.configured_endpoints()

    def endpoint_origins(self) -> frozenset[str]:
        """Origins the gateway may call with credentials: configured endpoints plus extras."""
        urls = [getattr(self, name) for name in ENDPOINT_FIELDS]
        origins = {_check_origin(u) for u in urls if u}
        return frozenset(origins | set(self.gateway_allowed_origins))


def env_name(field_name: str) -> str:
    return field_name.upper()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
