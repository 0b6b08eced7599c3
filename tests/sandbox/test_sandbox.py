"""The sandbox behaves like the services it stands in for: auth, data, faults, Notify rendering."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from app.sandbox import (
    DECISION_EMAIL_TEMPLATE_ID,
    DECISION_SMS_TEMPLATE_ID,
    MESSAGE_OBJECTTYPE_UUID,
    Sandbox,
    SandboxConfig,
    create_sandbox,
)
from app.sandbox.auth import split_notify_key

BASE = "http://sandbox.test"
CLIENT_ID, SECRET = "gateway", "sandbox-secret-0123456789abcdef0123"
OPENKLANT, OBJECTS = "ok-token-0123456789", "objects-token-0123456789"
NOTIFY_KEY = "test-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"


def zgw_token(secret: str = SECRET, iat: int | None = None, **claims: Any) -> str:
    payload = {
        "iss": CLIENT_ID,
        "client_id": CLIENT_ID,
        "iat": int(time.time()) if iat is None else iat,
        "user_id": "zgw-gateway",
        "user_representation": "zgw-gateway",
        **claims,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def notify_token(iat: int | None = None, key: str = NOTIFY_KEY) -> str:
    service_id, secret = split_notify_key(key)
    payload = {"iss": service_id, "iat": int(time.time()) if iat is None else iat}
    return jwt.encode(payload, secret, algorithm="HS256", headers={"typ": "JWT"})


ZGW = {"Authorization": f"Bearer {zgw_token()}", "Accept-Crs": "EPSG:4326"}


@pytest.fixture
def sandbox() -> Sandbox:
    return create_sandbox(
        SandboxConfig(
            base_url=BASE,
            zgw_clients={CLIENT_ID: SECRET},
            openklant_token=OPENKLANT,
            objects_token=OBJECTS,
            notify_api_key=NOTIFY_KEY,
            validate_contracts=False,  # the contract checker has its own tests
        )
    )


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sandbox.app), base_url=BASE
    ) as client:
        yield client


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Token abc",
        f"Bearer {zgw_token(secret='another-secret-0123456789abcdef0123')}",
        f"Bearer {zgw_token(iat=int(time.time()) - 3700)}",  # past JWT_EXPIRY
        f"Bearer {zgw_token(client_id='someone-else')}",
        f"Bearer {zgw_token(iss='someone-else')}",
    ],
)
async def test_open_zaak_refuses_a_bad_jwt(
    sandbox: Sandbox, http: httpx.AsyncClient, authorization: str | None
) -> None:
    case = sandbox.seed_decision_case()
    headers = {"Authorization": authorization} if authorization else {}

    response = await http.get(case.bio_url, headers=headers)

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 403


async def test_open_zaak_serves_the_seeded_case_by_url(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    case = sandbox.seed_decision_case()

    bio = (await http.get(case.bio_url, headers=ZGW)).json()
    besluit = (await http.get(bio["besluit"], headers=ZGW)).json()

    assert bio["informatieobject"] == case.document_url
    assert besluit["zaak"] == case.zaak_url
    assert [r.service for r in sandbox.requests] == ["besluiten", "besluiten"]


async def test_zaak_expand_nests_the_statustype_and_needs_accept_crs(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    case = sandbox.seed_decision_case(informeren=False)
    params = {"expand": "status.statustype,rollen,zaaktype"}

    without_crs = await http.get(
        case.zaak_url, params=params, headers={"Authorization": ZGW["Authorization"]}
    )
    zaak = (await http.get(case.zaak_url, params=params, headers=ZGW)).json()

    assert without_crs.status_code == 412
    expand = zaak["_expand"]
    assert expand["zaaktype"]["identificatie"] == case.zaaktype_identificatie
    assert expand["status"]["_expand"]["statustype"]["informeren"] is False
    assert expand["rollen"][0]["betrokkeneIdentificatie"]["inpBsn"] == case.bsn


async def test_cases_share_the_catalogue(sandbox: Sandbox) -> None:
    first, second = sandbox.seed_decision_case(), sandbox.seed_decision_case()

    assert first.zaaktype_url == second.zaaktype_url
    assert first.besluittype_url == second.besluittype_url
    assert first.zaak_url != second.zaak_url
    assert first.bsn != second.bsn


async def test_open_klant_needs_its_token_and_finds_the_partij_by_bsn(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    case = sandbox.seed_decision_case()
    url = f"{BASE}/klantinteracties/api/v1/partijen"
    params = {
        "partijIdentificator__codeSoortObjectId": "bsn",
        "partijIdentificator__objectId": case.bsn or "",
        "expand": "digitaleAdressen",
    }

    refused = await http.get(url, params=params, headers={"Authorization": "Token wrong"})
    found = await http.get(url, params=params, headers={"Authorization": f"Token {OPENKLANT}"})

    assert refused.status_code == 401
    [partij] = found.json()["results"]
    assert partij["url"] == case.partij_url
    addresses = [a["adres"] for a in partij["_expand"]["digitaleAdressen"]]
    assert case.email in addresses


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        (None, 401, "authentication token must be provided"),
        (notify_token(iat=int(time.time()) - 120), 403, "clock must be accurate"),
        (
            notify_token(
                key="test-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-99999999-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
            ),
            403,
            "Invalid token",
        ),
    ],
)
async def test_notify_checks_its_jwt(
    http: httpx.AsyncClient, token: str | None, status: int, message: str
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    response = await http.post(
        "/v2/notifications/sms",
        json={"phone_number": "+31612345678", "template_id": DECISION_SMS_TEMPLATE_ID},
        headers=headers,
    )

    assert response.status_code == status
    [error] = response.json()["errors"]
    assert error["error"] == "AuthError"
    assert message in error["message"]


async def test_notify_renders_and_keeps_what_it_sent(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        "/v2/notifications/sms",
        json={
            "phone_number": "+31612345678",
            "template_id": DECISION_SMS_TEMPLATE_ID,
            "personalisation": {"zaak.identificatie": "ZAAK-2026-0000042"},
            "reference": "action-1",
        },
        headers={"Authorization": f"Bearer {notify_token()}"},
    )
    found = await http.get(
        "/v2/notifications",
        params={"reference": "action-1"},
        headers={"Authorization": f"Bearer {notify_token()}"},
    )

    assert response.status_code == 201
    assert "ZAAK-2026-0000042" in response.json()["content"]["body"]
    [message] = sandbox.notify_messages
    assert (message["to"], message["reference"]) == ("+31612345678", "action-1")
    [listed] = found.json()["notifications"]
    assert listed["id"] == response.json()["id"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {
                "email_address": "a@example.nl",
                "template_id": DECISION_EMAIL_TEMPLATE_ID,
                "personalisation": {},
            },
            "Missing personalisation",
        ),
        (
            {
                "email_address": "a@example.nl",
                "template_id": "5b1ae6a4-0000-4000-8000-000000000000",
            },
            "Template not found",
        ),
        (
            {
                "email_address": "a@example.nl",
                "template_id": DECISION_EMAIL_TEMPLATE_ID,
                "subject": "x",
            },
            "Additional properties are not allowed",
        ),
        (
            {"email_address": "not-an-address", "template_id": DECISION_EMAIL_TEMPLATE_ID},
            "Not a valid email address",
        ),
    ],
)
async def test_notify_refuses_what_notify_refuses(
    sandbox: Sandbox, http: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    response = await http.post(
        "/v2/notifications/email", json=body, headers={"Authorization": f"Bearer {notify_token()}"}
    )

    assert response.status_code == 400
    assert message in response.json()["errors"][0]["message"]
    assert sandbox.notify_messages == []


async def test_a_fault_answers_count_times_then_the_service_answers(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    case = sandbox.seed_decision_case()
    sandbox.add_fault(service="besluiten", status=503, count=2, retry_after=7)

    statuses = [(await http.get(case.bio_url, headers=ZGW)).status_code for _ in range(3)]
    first = sandbox.requests[0]

    assert statuses == [503, 503, 200]
    assert first.status == 503


async def test_a_fault_after_the_side_effect_loses_only_the_answer(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    sandbox.add_fault(service="notify", status=500, method="POST", when="after")

    response = await http.post(
        "/v2/notifications/sms",
        json={
            "phone_number": "+31612345678",
            "template_id": DECISION_SMS_TEMPLATE_ID,
            "personalisation": {"zaak.identificatie": "Z-1"},
        },
        headers={"Authorization": f"Bearer {notify_token()}"},
    )

    assert response.status_code == 500
    assert len(sandbox.notify_messages) == 1  # it was sent, the caller cannot know


async def test_the_objects_api_validates_against_the_objecttype_schema(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    type_url = f"{BASE}/objecttypen/api/v2/objecttypes/{MESSAGE_OBJECTTYPE_UUID}"
    headers = {"Authorization": f"Token {OBJECTS}", "Content-Crs": "EPSG:4326"}
    record = {"typeVersion": 1, "startAt": "2026-11-23", "data": {"onderwerp": "Besluit"}}

    incomplete = await http.post(
        "/objecten/api/v2/objects", json={"type": type_url, "record": record}, headers=headers
    )
    unknown_type = await http.post(
        "/objecten/api/v2/objects",
        json={"type": f"{BASE}/objecttypen/api/v2/objecttypes/0000", "record": record},
        headers=headers,
    )

    assert incomplete.status_code == 400
    assert incomplete.json()["invalidParams"][0]["name"].startswith("record.data")
    assert unknown_type.status_code == 400
    assert sandbox.objects == {}


async def test_reset_forgets_traffic_and_keeps_the_catalogue(
    sandbox: Sandbox, http: httpx.AsyncClient
) -> None:
    case = sandbox.seed_decision_case()
    await http.get(case.bio_url, headers=ZGW)

    sandbox.reset()
    zaaktype = await http.get(case.zaaktype_url, headers=ZGW)

    assert zaaktype.status_code == 200
    assert [r.path for r in sandbox.requests] == [sandbox.state.path_of(case.zaaktype_url)]
    assert (await http.get(case.bio_url, headers=ZGW)).status_code == 404


async def test_control_endpoints_seed_and_report(http: httpx.AsyncClient) -> None:
    seeded = await http.post("/_sandbox/decision-cases", json={"informeren": False})
    messages = await http.get("/_sandbox/notify/messages")

    assert seeded.status_code == 200
    assert seeded.json()["notification"]["kanaal"] == "besluiten"
    assert messages.json() == []
