"""Decision made, end to end: webhook -> checks -> Notify or a portal message, over real HTTP."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.sandbox import DECISION_EMAIL_TEMPLATE_ID, MESSAGE_OBJECTTYPE_UUID, Sandbox
from tests.e2e.conftest import GatewayFactory
from tests.helpers import ADMIN_KEY, DECISION_MADE_PLACEHOLDERS, count_rows

pytestmark = pytest.mark.e2e

SEED_PLACEHOLDERS = DECISION_MADE_PLACEHOLDERS

PORTAL_MODE: dict[str, object] = {
    "zgw_variable_objecttype_messageobjecttype_uuid": MESSAGE_OBJECTTYPE_UUID,
    "zgw_variable_objecttype_messageobjecttype_version": 1,
    "notify_templateid_decisionmade": DECISION_EMAIL_TEMPLATE_ID,
}

CHECKS_DIRECT = [
    "scenario",
    "url_allowed",
    "configuration",
    "informatieobjecttype_whitelisted",
    "document_status",
    "document_confidentiality",
    "zaak",
    "zaaktype_whitelisted",
    "informeren",
    "informeren",
    "initiator",
    "klant_found",
    "contact_channel",
]


def check_names(trace: dict[str, Any]) -> list[str]:
    return [c["name"] for c in trace["checks"]]


async def test_direct_email_positive_path(gateway: GatewayFactory, sandbox: Sandbox) -> None:
    case = sandbox.seed_decision_case()

    async with gateway() as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    assert trace["scenario"] == "decision_made"
    assert check_names(trace) == CHECKS_DIRECT
    assert all(c["passed"] for c in trace["checks"])
    [action] = trace["actions"]
    assert (action["kind"], action["status"]) == ("notify_email", "done")
    assert case.email is not None
    assert case.email not in str(trace)  # the trace holds masked targets only
    [message] = sandbox.notify_messages
    assert message["type"] == "email"
    assert message["to"] == case.email
    assert message["reference"] == action["id"]
    assert list(message["personalisation"]) == SEED_PLACEHOLDERS
    assert message["personalisation"]["zaak.identificatie"] == case.zaak_identificatie
    assert re.fullmatch(r"\d\d-\d\d-\d{4}", message["personalisation"]["besluit.datum"])
    assert action["result"]["notify_id"] == message["id"]
    assert trace["attempts"][0]["upstream_calls"] >= 6


async def test_portal_message_positive_path(gateway: GatewayFactory, sandbox: Sandbox) -> None:
    case = sandbox.seed_decision_case()

    async with gateway(**PORTAL_MODE) as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    assert "contact_channel" not in check_names(trace)
    [action] = trace["actions"]
    assert (action["kind"], action["status"]) == ("portal_message", "done")
    assert sandbox.notify_messages == []  # rendered with preview, not sent
    [created] = [o for o in sandbox.objects.values() if o["url"] == action["result"]["object_url"]]
    assert created["type"].endswith(f"/objecttypes/{MESSAGE_OBJECTTYPE_UUID}")
    data = created["record"]["data"]
    assert data["referentie"] == case.besluit_url
    assert data["identificatie"] == {"type": "bsn", "value": case.bsn}
    assert data["handelingsperspectief"] == "informatie verstrekken"
    assert data["berichtType"] == "notificatie"
    assert data["geopend"] is False
    assert data["bijlages"] == [case.document_url]
    assert case.zaak_identificatie in data["berichtTekst"]
    assert data["onderwerp"]
    assert re.match(r"\d{4}-\d\d-\d\dT", data["publicatiedatum"])  # ISO, not dd-MM-yyyy


@pytest.mark.parametrize(
    ("case_overrides", "settings_overrides", "failing_check"),
    [
        ({"document_status": "in_bewerking"}, {}, "document_status"),
        ({"vertrouwelijkheidaanduiding": "zaakvertrouwelijk"}, {}, "document_confidentiality"),
        ({"informeren": False}, {}, "informeren"),
        ({}, {"zgw_whitelist_decisionmade_ids": "SOME-OTHER-ZAAKTYPE"}, "zaaktype_whitelisted"),
        (
            {},
            {"zgw_variable_objecttype_decisioninfoobjecttype_uuids": str(uuid.uuid4())},
            "informatieobjecttype_whitelisted",
        ),
        ({"initiator": "none"}, {}, "initiator"),
        ({"initiator": "no_bsn"}, {}, "initiator"),
        ({"partij_exists": False}, {}, "klant_found"),
        ({"digitale_adressen": []}, {}, "contact_channel"),
        (
            {},
            {
                "notify_templateid_email_decisionmade": None,
                "notify_templateid_sms_decisionmade": None,
            },
            "configuration",
        ),
    ],
)
async def test_each_check_fails_on_its_own(
    gateway: GatewayFactory,
    sandbox: Sandbox,
    case_overrides: dict[str, Any],
    settings_overrides: dict[str, Any],
    failing_check: str,
) -> None:
    case = sandbox.seed_decision_case(**case_overrides)

    async with gateway(**settings_overrides) as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "skipped"
    last = trace["checks"][-1]
    assert (last["name"], last["passed"]) == (failing_check, False)
    assert all(c["passed"] for c in trace["checks"][:-1])
    assert trace["reason"] == last["detail"]
    assert trace["actions"] == []
    assert sandbox.notify_messages == []
    if case.bsn:
        assert case.bsn not in str(trace)


async def test_a_skip_costs_only_the_calls_its_check_needs(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    case = sandbox.seed_decision_case(document_status="ter_vaststelling")

    async with gateway() as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["attempts"][0]["upstream_calls"] == 2  # the BIO and the document
    assert [r.service for r in sandbox.requests] == ["besluiten", "documenten"]


async def test_sms_when_the_phone_is_preferred(gateway: GatewayFactory, sandbox: Sandbox) -> None:
    case = sandbox.seed_decision_case(
        digitale_adressen=[
            {"soort": "email", "adres": "jan.jansen@example.nl"},
            {"soort": "telefoonnummer", "adres": "0612345678", "voorkeur": True},
        ]
    )

    async with gateway() as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    [message] = sandbox.notify_messages
    assert (message["type"], message["to"]) == ("sms", "+31612345678")
    assert trace["actions"][0]["kind"] == "notify_sms"


async def test_zaak_specific_address(gateway: GatewayFactory, sandbox: Sandbox) -> None:
    case = sandbox.seed_decision_case(
        digitale_adressen=[
            {"soort": "email", "adres": "prive@example.nl", "voorkeur": True},
            {"soort": "email", "adres": "zaak@example.nl", "referentie": "__ZAAK__"},
        ]
    )

    async with gateway() as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    [message] = sandbox.notify_messages
    assert message["to"] == "zaak@example.nl"
    assert "registered for this zaak" in trace["checks"][-1]["detail"]


async def test_portal_message_answer_lost_is_adopted_not_created_twice(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    """The Objects API creates the message but the answer is lost (500 after the side effect):
    the retry finds the object by referentie, citizen and attachments and adopts it."""
    case = sandbox.seed_decision_case()
    sandbox.add_fault(service="objecten", status=500, count=1, method="POST", when="after")

    async with gateway(**PORTAL_MODE) as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    assert [a["outcome"] for a in trace["attempts"]] == ["retrying", "done"]
    [created] = sandbox.objects.values()
    [action] = trace["actions"]
    assert action["result"] == {"object_url": created["url"], "adopted": True}
    assert len(sandbox.requests_to("objecten")) == 2  # the lost create, then the lookup


async def test_open_zaak_503_then_success(gateway: GatewayFactory, sandbox: Sandbox) -> None:
    case = sandbox.seed_decision_case()
    sandbox.add_fault(service="zaken", status=503, count=1)

    async with gateway() as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    assert [a["outcome"] for a in trace["attempts"]] == ["retrying", "done"]
    assert "503" in trace["attempts"][0]["reason"]
    assert len(sandbox.notify_messages) == 1


async def test_notify_429_then_success_sends_once(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    case = sandbox.seed_decision_case()
    sandbox.add_fault(service="notify", status=429, count=1, method="POST", retry_after=1)

    async with gateway() as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    first, second = trace["attempts"]
    assert first["outcome"] == "retrying"
    waited = _seconds_between(first["finished_at"], second["started_at"])
    assert waited >= 0.9  # Retry-After: 1 was honoured
    [message] = sandbox.notify_messages
    [action] = trace["actions"]
    assert message["reference"] == action["id"]  # the same action id on both tries


async def test_notify_400_fails_without_retry(
    gateway: GatewayFactory, sandbox: Sandbox, engine: AsyncEngine
) -> None:
    case = sandbox.seed_decision_case()

    async with gateway(notify_templateid_email_decisionmade=str(uuid.uuid4())) as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "failed"
    assert "Template not found" in trace["reason"]
    assert len(trace["attempts"]) == 1
    [action] = trace["actions"]
    assert action["status"] == "failed"
    assert sandbox.notify_messages == []


async def test_admin_retry_after_fixing_the_template_sends_once(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    """Failed on a wrong template id; the operator fixes it and retries: one message, sent
    under the same action id (Notify reference) as the failed try."""
    case = sandbox.seed_decision_case()
    async with gateway(notify_templateid_email_decisionmade=str(uuid.uuid4())) as gw:
        failed = await gw.final_trace(await gw.post(case.notification))
    assert failed["status"] == "failed"

    async with gateway() as gw:  # the same database, the right template
        retried = await gw.client.post(
            f"/api/v1/deliveries/{failed['id']}/retry",
            headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        )
        assert retried.status_code == 202
        trace = await gw.final_trace(failed["id"])

    assert trace["status"] == "done", trace["reason"]
    assert [a["outcome"] for a in trace["attempts"]] == ["failed", "done"]
    [action] = trace["actions"]
    assert action["id"] == failed["actions"][0]["id"]
    [message] = sandbox.notify_messages
    assert message["reference"] == action["id"]


async def test_a_url_on_a_foreign_host_is_never_requested(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    connections = 0

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    foreign = await asyncio.start_server(count, "127.0.0.1", 0)
    port = foreign.sockets[0].getsockname()[1]
    case = sandbox.seed_decision_case()
    notification = {
        **case.notification,
        "resourceUrl": f"http://127.0.0.1:{port}/besluiten/api/v1/besluitinformatieobjecten/"
        f"{uuid.uuid4()}",
    }
    try:
        async with gateway() as gw:
            trace = await gw.final_trace(await gw.post(notification))
    finally:
        foreign.close()
        await foreign.wait_closed()

    assert trace["status"] == "skipped"
    assert trace["checks"][-1]["name"] == "url_allowed"
    assert f"127.0.0.1:{port}" in trace["reason"]
    assert connections == 0
    assert sandbox.requests == []


async def test_dry_run_has_no_side_effects(
    gateway: GatewayFactory, sandbox: Sandbox, engine: AsyncEngine
) -> None:
    case = sandbox.seed_decision_case()
    objects_before = dict(sandbox.objects)

    async with gateway() as gw:
        response = await gw.evaluate(case.notification)

    assert response.status_code == 200, response.text
    result = response.json()
    assert result["dry_run"] is True
    assert result["status"] == "done"
    assert [a["kind"] for a in result["actions"]] == ["notify_email"]
    assert list(result["personalisation"]) == SEED_PLACEHOLDERS
    assert sandbox.notify_messages == []
    assert sandbox.objects == objects_before
    assert all(r.method == "GET" for r in sandbox.requests)
    assert await count_rows(engine, "notifications") == 0


async def test_open_klant_1_workflow(gateway: GatewayFactory, sandbox: Sandbox) -> None:
    case = sandbox.seed_decision_case(aanmaakkanaal="email")
    base = sandbox.config.base_url

    async with gateway(
        omc_feature_workflow_version=1, zgw_endpoint_openklant=f"{base}/klanten/api/v1"
    ) as gw:
        trace = await gw.final_trace(await gw.post(case.notification))

    assert trace["status"] == "done", trace["reason"]
    assert [m["to"] for m in sandbox.notify_messages] == [case.email]
    assert "klanten" in {r.service for r in sandbox.requests}


async def test_warm_runs_make_at_most_six_upstream_calls(
    gateway: GatewayFactory, sandbox: Sandbox
) -> None:
    cases = [sandbox.seed_decision_case() for _ in range(3)]

    async with gateway() as gw:
        traces = [await gw.final_trace(await gw.post(c.notification)) for c in cases]

    calls = [t["attempts"][0]["upstream_calls"] for t in traces]
    assert all(t["status"] == "done" for t in traces)
    assert calls[1] <= 6, calls
    assert calls[2] <= 6, calls
    assert calls[0] >= calls[1]


def _seconds_between(earlier: str, later: str) -> float:
    from datetime import datetime

    return (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)).total_seconds()
