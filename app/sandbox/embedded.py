"""The sandbox inside `zgw-gateway serve`: the demo on the embedded defaults.

When no upstream endpoint is configured (in development) or GATEWAY_SANDBOX=true, `serve`
mounts the sandbox under `/sandbox` on its own port and points every endpoint at it, with the
sandbox's credentials, templates and catalogue. A gateway configured with any real endpoint
never mounts it (and `check-config` refuses GATEWAY_SANDBOX=true next to real endpoints).
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import SecretStr

from app.config import Settings, Whitelist
from app.sandbox.app import Sandbox, SandboxConfig, create_sandbox, default_specs_dir
from app.sandbox.seed import DECISION_DOCUMENT_TYPE_UUID, DEFAULT_ZAAKTYPE_IDENTIFICATIE
from app.sandbox.services.notify import DECISION_EMAIL_TEMPLATE_ID, DECISION_SMS_TEMPLATE_ID

MOUNT_PATH = "/sandbox"

# The sandbox's own credentials: what the embedded gateway sends and the sandbox accepts.
ZGW_CLIENT_ID = "zgw-gateway-sandbox"
ZGW_SECRET = "sandbox-zgw-secret-not-for-production-0123"
OPENKLANT_TOKEN = "sandbox-openklant-token"
OBJECTS_TOKEN = "sandbox-objects-token"
NOTIFY_API_KEY = "sandbox-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


def sandbox_base_url(public_url: str) -> str:
    """Where the sandbox lives, given where the gateway is reached (`http://host:port`)."""
    return public_url.rstrip("/") + MOUNT_PATH


def settings_for_sandbox(settings: Settings, base_url: str) -> Settings:
    """The settings with every endpoint and credential pointing at the sandbox.

    Whitelists and templates the operator left unset get the sandbox catalogue's values, so the
    example case is sent; those that are set are kept, so a skip can be tried out too.
    """
    explicit = settings.model_fields_set
    klant_api = "/klanten/api/v1" if settings.omc_feature_workflow_version == 1 else None
    update: dict[str, Any] = {
        "zgw_endpoint_opennotificaties": f"{base_url}/notificaties/api/v1",
        "zgw_endpoint_openzaak": f"{base_url}/zaken/api/v1",
        "zgw_endpoint_besluiten": f"{base_url}/besluiten/api/v1",
        "zgw_endpoint_openklant": f"{base_url}{klant_api or '/klantinteracties/api/v1'}",
        "zgw_endpoint_contactmomenten": f"{base_url}{klant_api or '/klantinteracties/api/v1'}",
        "zgw_endpoint_objecten": f"{base_url}/objecten/api/v2",
        "zgw_endpoint_objecttypen": f"{base_url}/objecttypen/api/v2",
        "notify_api_baseurl": base_url,
        "zgw_auth_jwt_issuer": ZGW_CLIENT_ID,
        "zgw_auth_jwt_secret": SecretStr(ZGW_SECRET),
        "zgw_auth_key_openklant": SecretStr(OPENKLANT_TOKEN),
        "zgw_auth_key_objecten": SecretStr(OBJECTS_TOKEN),
        "zgw_auth_key_objecttypen": SecretStr(OBJECTS_TOKEN),
        "notify_api_key": SecretStr(NOTIFY_API_KEY),
    }
    templates = {
        "notify_templateid_email_decisionmade": DECISION_EMAIL_TEMPLATE_ID,
        "notify_templateid_sms_decisionmade": DECISION_SMS_TEMPLATE_ID,
    }
    if "notify_templateid_decisionmade" not in explicit:
        for name, template_id in templates.items():
            if name not in explicit:
                update[name] = uuid.UUID(template_id)
        if settings.zgw_variable_objecttype_messageobjecttype_uuid is not None:
            # Portal messages are rendered from this one template (Notify's preview).
            update["notify_templateid_decisionmade"] = uuid.UUID(DECISION_EMAIL_TEMPLATE_ID)
    if "zgw_whitelist_decisionmade_ids" not in explicit:
        update["zgw_whitelist_decisionmade_ids"] = Whitelist(
            allow_all=False, values=frozenset({DEFAULT_ZAAKTYPE_IDENTIFICATIE})
        )
    if "zgw_variable_objecttype_decisioninfoobjecttype_uuids" not in explicit:
        update["zgw_variable_objecttype_decisioninfoobjecttype_uuids"] = Whitelist(
            allow_all=False, values=frozenset({DECISION_DOCUMENT_TYPE_UUID})
        )
    return settings.model_copy(update=update)


def embedded_sandbox(base_url: str, *, validate_contracts: bool | None = None) -> Sandbox:
    """A sandbox accepting the credentials of `settings_for_sandbox`, seeded with one case.

    Exchanges are checked against the OpenAPI files when they are at hand (a checkout; the
    container image leaves `specs/` out).
    """
    if validate_contracts is None:
        validate_contracts = default_specs_dir().is_dir()
    sandbox = create_sandbox(
        SandboxConfig(
            base_url=base_url,
            zgw_clients={ZGW_CLIENT_ID: ZGW_SECRET},
            openklant_token=OPENKLANT_TOKEN,
            objects_token=OBJECTS_TOKEN,
            notify_api_key=NOTIFY_API_KEY,
            validate_contracts=validate_contracts,
        )
    )
    sandbox.seed_decision_case()  # something to look at in /sandbox/zaken/api/v1/zaken
    return sandbox
