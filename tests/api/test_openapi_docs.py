"""The OpenAPI document (`/docs`): every operation is described, with examples that are valid and
that the service really answers; every error is documented as the ZGW problem+json it is."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel

from app.api.evaluate import EvaluationOut
from app.api.health import Health
from app.api.notifications import parse_notification
from app.api.schemas import (
    DeliveryOut,
    DeliveryPage,
    NotificationAccepted,
    NotificationMessage,
    RetryResult,
)
from app.errors import EXAMPLE_DELIVERY_ID, PROBLEM_EXAMPLES, PROBLEM_JSON, Problem
from app.main import create_app
from tests.conftest import make_settings
from tests.helpers import OMC_SECRET

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
WEBHOOKS = ("/api/v1/notifications", "/Events/Listen")
EVALUATE = "/api/v1/notifications/evaluate"

#: Response models by their component name: every documented JSON answer is one of these.
RESPONSE_MODELS: dict[str, type[BaseModel]] = {
    "NotificationAccepted": NotificationAccepted,
    "EvaluationOut": EvaluationOut,
    "DeliveryOut": DeliveryOut,
    "DeliveryPage": DeliveryPage,
    "RetryResult": RetryResult,
    "Health": Health,
}


@pytest.fixture(scope="module")
def documented_app() -> FastAPI:
    # Building the document needs no database.
    return create_app(make_settings("sqlite+aiosqlite:///openapi-docs-unused.db"))


@pytest.fixture(scope="module")
def document(documented_app: FastAPI) -> dict[str, Any]:
    schema: dict[str, Any] = documented_app.openapi()
    return schema


def documented(path: str) -> bool:
    return not path.startswith("/sandbox") and path not in ("/docs", "/openapi.json")


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """The documented API routes, as included (with their routers' prefixes and responses)."""
    for route in iter_route_contexts(app.routes):
        if (
            isinstance(route.original_route, APIRoute)
            and route.include_in_schema
            and route.path is not None
            and documented(route.path)
        ):
            yield route


def without_nulls(value: Any) -> Any:
    """What FastAPI puts in the document: it drops `null` values, also inside examples."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def route_json_examples(route: RouteContext) -> Iterator[tuple[str, type[BaseModel], Any]]:
    """(status, response model, example) for the 2xx JSON examples a route declares."""
    for status, response in route.responses.items():
        media = response.get("content", {}).get("application/json")
        if media is None or not str(status).startswith("2"):
            continue
        model = response.get("model") or route.response_model
        assert isinstance(model, type), route.path
        assert issubclass(model, BaseModel), route.path
        for value in example_values(media):
            yield str(status), model, value


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every documented operation of the gateway's own API (the sandbox has its own docs)."""
    for path, item in document["paths"].items():
        if not documented(path):
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def example_values(media: dict[str, Any]) -> list[Any]:
    """The examples of a media type object (`example` or named `examples`)."""
    values = [entry["value"] for entry in media.get("examples", {}).values()]
    if "example" in media:
        values.append(media["example"])
    return values


def problem_examples(operation: dict[str, Any], status: str) -> dict[str, dict[str, Any]]:
    media = operation["responses"][status]["content"][PROBLEM_JSON]
    return {name: entry["value"] for name, entry in media["examples"].items()}


def assert_same_keys(example: Any, dumped: Any, where: str) -> None:
    """The example has exactly the keys the model serialises, at every level."""
    if isinstance(dumped, dict) and isinstance(example, dict):
        assert set(example) == set(dumped), f"{where}: {set(example) ^ set(dumped)}"
        for key in dumped:
            assert_same_keys(example[key], dumped[key], f"{where}.{key}")
    elif isinstance(dumped, list) and isinstance(example, list):
        for index, (inner_example, inner_dumped) in enumerate(zip(example, dumped, strict=True)):
            assert_same_keys(inner_example, inner_dumped, f"{where}[{index}]")


def test_the_gateway_operations_are_all_there(document: dict[str, Any]) -> None:
    documented = {(path, method) for path, method, _ in operations(document)}
    assert {
        ("/api/v1/notifications", "post"),
        ("/Events/Listen", "post"),
        (EVALUATE, "post"),
        ("/api/v1/deliveries", "get"),
        ("/api/v1/deliveries/{delivery_id}", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/metrics", "get"),
    } <= documented


def test_every_operation_has_a_summary_and_a_description(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert operation.get("summary", "").strip(), f"{where} has no summary"
        assert operation.get("description", "").strip(), f"{where} has no description"


def test_every_parameter_has_a_description_and_an_example(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{method.upper()} {path} {parameter['in']} {parameter['name']}"
            assert parameter.get("description", "").strip(), f"{where} has no description"
            assert parameter.get("examples") or parameter.get("schema", {}).get("examples"), (
                f"{where} has no example"
            )


def test_every_request_body_has_examples(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        body = operation.get("requestBody")
        if body is None:
            continue
        for media_type, media in body["content"].items():
            assert example_values(media), f"{method.upper()} {path} {media_type}: no example"


def test_every_json_answer_has_examples(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            media = response.get("content", {}).get("application/json")
            if status.startswith("2") and media is not None:
                assert example_values(media), f"{method.upper()} {path} {status}: no example"


def test_the_answer_examples_are_valid_for_the_response_models(
    documented_app: FastAPI, document: dict[str, Any]
) -> None:
    seen = set()
    for route in api_routes(documented_app):
        for method in route.methods or ():
            operation = document["paths"][route.path][method.lower()]
            for status, model, value in route_json_examples(route):
                where = f"{method} {route.path} {status}"
                seen.add(model)
                # The model accepts it, and it has exactly the keys the model answers with.
                dumped = model.model_validate(value).model_dump(mode="json")
                assert_same_keys(value, dumped, where)
                media = operation["responses"][status]["content"]["application/json"]
                assert without_nulls(value) in example_values(media), where
    assert seen == set(RESPONSE_MODELS.values())


def test_the_schema_examples_are_valid_for_their_models(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    for name, model in RESPONSE_MODELS.items():
        assert components[name].get("examples"), f"{name} has no example"
        extra = model.model_config.get("json_schema_extra")
        assert isinstance(extra, dict)
        examples = extra["examples"]
        assert isinstance(examples, list)
        for value in examples:
            assert_same_keys(value, model.model_validate(value).model_dump(mode="json"), name)


def test_the_notification_examples_pass_the_webhook_validation(document: dict[str, Any]) -> None:
    for path in (*WEBHOOKS, EVALUATE):
        media = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        values = example_values(media)
        assert any(v["kanaal"] == "besluiten" for v in values)
        for value in values:
            raw = json.dumps(value).encode()
            # The webhook's own parsing (strict: `aanmaakdatum` must come as JSON text).
            message = parse_notification(raw)
            assert message == NotificationMessage.model_validate_json(raw)


def test_the_decision_made_example_is_realistic(document: dict[str, Any]) -> None:
    media = document["paths"]["/api/v1/notifications"]["post"]["requestBody"]["content"]
    decision = media["application/json"]["examples"]["besluitinformatieobject"]["value"]
    assert (decision["kanaal"], decision["resource"], decision["actie"]) == (
        "besluiten",
        "besluitinformatieobject",
        "create",
    )
    assert decision["resourceUrl"].startswith("https://openzaak.")
    assert decision["kenmerken"]["besluittype"].startswith("https://openzaak.")


def test_every_error_is_documented_as_a_problem_with_examples(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        responses = operation["responses"]
        assert "default" in responses, f"{method.upper()} {path}: unexpected errors undocumented"
        # Validation errors are 400 problems; FastAPI's own 422 is never answered.
        assert "422" not in responses, f"{method.upper()} {path} documents 422"
        for status, response in responses.items():
            if status != "default" and not status.startswith(("4", "5")):
                continue
            where = f"{method.upper()} {path} {status}"
            expected_status = 500 if status == "default" else int(status)
            assert list(response.get("content", {})) == [PROBLEM_JSON], where
            media = response["content"][PROBLEM_JSON]
            assert set(media["schema"]["properties"]) == set(Problem.model_fields), where
            values = example_values(media)
            assert values, f"{where}: no example"
            for value in values:
                problem = Problem.model_validate(value)
                assert problem.status == expected_status, where
                assert problem.type == f"urn:zgw-gateway:error:{problem.code}", where
                assert (problem.invalidParams is not None) == (problem.status == 400), where


def test_the_documented_errors_are_the_ones_each_operation_can_answer(
    document: dict[str, Any],
) -> None:
    def statuses(path: str, method: str) -> set[str]:
        return set(document["paths"][path][method]["responses"]) - {"default"}

    for path in WEBHOOKS:
        assert statuses(path, "post") == {"200", "202", "204", "400", "403", "413", "503"}
    assert statuses(EVALUATE, "post") == {"200", "400", "401", "403", "413"}
    assert statuses("/api/v1/deliveries", "get") == {"200", "400", "401", "403"}
    assert statuses("/api/v1/deliveries/{delivery_id}", "get") == {
        "200",
        "400",
        "401",
        "403",
        "404",
    }
    assert statuses("/health/live", "get") == {"200"}
    assert statuses("/health/ready", "get") == {"200", "503"}
    # The webhook's 403s are about its own credentials, the admin API's about the admin key.
    webhook_403 = problem_examples(document["paths"][WEBHOOKS[0]]["post"], "403")
    admin_403 = problem_examples(document["paths"]["/api/v1/deliveries"]["get"], "403")
    assert "webhook_auth_missing" in webhook_403
    assert "admin_key_refused" not in webhook_403
    assert set(admin_403) == {"admin_key_refused", "admin_api_disabled"}


def test_the_problem_examples_are_built_like_the_answers() -> None:
    for name, example in PROBLEM_EXAMPLES.items():
        body = example.body()
        assert body["status"] == example.status, name
        assert Problem.model_validate(body).model_dump(exclude_none=True) == body, name


# --- the documented examples are what the service answers ---------------------------------


def bearer_jwt(**claims: Any) -> str:
    return f"Bearer {jwt.encode(claims, OMC_SECRET, algorithm='HS256')}"


BAD_NOTIFICATION = {
    "kanaal": "besluiten",
    "hoofdObject": "openzaak.gemeente.nl/besluiten/api/v1/besluiten/1",
    "resource": "besluitinformatieobject",
    "actie": "create",
    "aanmaakdatum": "20-11-2026",
    "kenmerken": {},
}

TRACE = "/api/v1/deliveries/{delivery_id}"

# (example name, method, path, request arguments, headers to send, whether `detail` must match)
ERROR_CASES: list[tuple[str, str, str, dict[str, Any], str, bool]] = [
    ("notification_invalid", "post", WEBHOOKS[0], {"json": BAD_NOTIFICATION}, "webhook", True),
    ("notification_invalid", "post", WEBHOOKS[1], {"json": BAD_NOTIFICATION}, "webhook", True),
    ("not_json", "post", WEBHOOKS[0], {"content": b"{not json"}, "webhook", True),
    ("webhook_auth_missing", "post", WEBHOOKS[0], {"json": BAD_NOTIFICATION}, "none", True),
    ("webhook_auth_refused", "post", WEBHOOKS[0], {"json": BAD_NOTIFICATION}, "wrong", True),
    ("webhook_token_expired", "post", WEBHOOKS[1], {"json": BAD_NOTIFICATION}, "expired", True),
    ("body_too_large", "post", WEBHOOKS[0], {"content": b"x" * 5000}, "webhook", False),
    ("notification_invalid", "post", EVALUATE, {"json": BAD_NOTIFICATION}, "admin", True),
    ("admin_key_missing", "post", EVALUATE, {"json": BAD_NOTIFICATION}, "none", True),
    ("admin_key_refused", "get", "/api/v1/deliveries", {}, "wrong", True),
    ("admin_key_missing", "get", "/api/v1/deliveries", {}, "none", True),
    (
        "query_invalid",
        "get",
        "/api/v1/deliveries",
        {"params": {"status": "sent", "page": "0"}},
        "admin",
        True,
    ),
    ("delivery_id_invalid", "get", "/api/v1/deliveries/not-a-uuid", {}, "admin", True),
    ("delivery_not_found", "get", f"/api/v1/deliveries/{EXAMPLE_DELIVERY_ID}", {}, "admin", True),
]


@pytest.mark.parametrize(
    ("name", "method", "path", "request_args", "credentials", "same_detail"),
    ERROR_CASES,
    ids=[f"{case[0]}-{case[1]}-{case[2]}" for case in ERROR_CASES],
)
async def test_the_service_answers_the_documented_problem(
    client: httpx.AsyncClient,
    webhook_headers: dict[str, str],
    admin_headers: dict[str, str],
    document: dict[str, Any],
    name: str,
    method: str,
    path: str,
    request_args: dict[str, Any],
    credentials: str,
    same_detail: bool,
) -> None:
    headers = {
        "webhook": webhook_headers,
        "admin": admin_headers,
        "none": {},
        "wrong": {"Authorization": "Bearer not-a-known-key"},
        "expired": {"Authorization": bearer_jwt(exp=1_000_000_000)},
    }[credentials]
    status = PROBLEM_EXAMPLES[name].status
    operation = document["paths"][TRACE if path.startswith("/api/v1/deliveries/") else path][method]
    documented = problem_examples(operation, str(status))[name]

    response = await client.request(method.upper(), path, headers=headers, **request_args)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    answer = response.json()
    assert set(answer) == set(documented)
    for key in ("type", "code", "title", "status"):
        assert answer[key] == documented[key], key
    if same_detail:
        assert answer["detail"] == documented["detail"]
    assert answer["instance"].startswith("urn:uuid:")
    if "invalidParams" in documented:
        answered_params = [(p["name"], p["code"]) for p in answer["invalidParams"]]
        assert answered_params == [(p["name"], p["code"]) for p in documented["invalidParams"]]
        assert all(set(p) == {"name", "code", "reason"} for p in answer["invalidParams"])
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


async def test_the_admin_api_disabled_problem_is_the_documented_one(
    database_url: str, document: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    app = create_app(make_settings(database_url, gateway_admin_api_keys=[]))
    documented = problem_examples(document["paths"]["/api/v1/deliveries"]["get"], "403")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/api/v1/deliveries", headers=admin_headers)

    assert response.status_code == 403
    answer = response.json()
    expected = documented["admin_api_disabled"]
    assert set(answer) == set(expected)
    assert (answer["code"], answer["detail"]) == (expected["code"], expected["detail"])


async def test_the_success_examples_have_the_keys_of_the_real_answers(
    client: httpx.AsyncClient,
    webhook_headers: dict[str, str],
    admin_headers: dict[str, str],
    documented_app: FastAPI,
    document: dict[str, Any],
) -> None:
    def declared(path: str, method: str, status: str) -> list[Any]:
        [route] = [
            r for r in api_routes(documented_app) if r.path == path and method in (r.methods or ())
        ]
        return [value for code, _, value in route_json_examples(route) if code == status]

    webhook = document["paths"][WEBHOOKS[0]]["post"]
    examples = webhook["requestBody"]["content"]["application/json"]["examples"]
    decision = examples["besluitinformatieobject"]["value"]

    accepted = await client.post(WEBHOOKS[0], json=decision, headers=webhook_headers)
    assert accepted.status_code == 202
    assert set(accepted.json()) == set(declared(WEBHOOKS[0], "POST", "202")[0])
    duplicate = await client.post(WEBHOOKS[0], json=decision, headers=webhook_headers)
    assert duplicate.status_code == 200
    assert duplicate.json()["duplicate"] is True
    assert set(duplicate.json()) == set(declared(WEBHOOKS[0], "POST", "200")[0])
    test_message = examples["subscription_test"]["value"]
    answer = await client.post(WEBHOOKS[0], json=test_message, headers=webhook_headers)
    assert answer.status_code == 204

    trace = await client.get(accepted.json()["url"], headers=admin_headers)
    assert trace.status_code == 200
    for example in declared(TRACE, "GET", "200"):
        assert set(trace.json()) == set(example)
    page = await client.get("/api/v1/deliveries", headers=admin_headers)
    [page_example] = declared("/api/v1/deliveries", "GET", "200")
    assert set(page.json()) == set(page_example)
    assert set(page.json()["results"][0]) == set(page_example["results"][0])

    evaluation = await client.post(EVALUATE, json=decision, headers=admin_headers)
    assert evaluation.status_code == 200
    for example in declared(EVALUATE, "POST", "200"):
        assert set(evaluation.json()) == set(example)

    for health in ("/health/live", "/health/ready"):
        answer = await client.get(health)
        assert answer.status_code == 200
        [health_example] = declared(health, "GET", "200")
        assert set(answer.json()) == set(health_example)
        assert answer.json()["status"] == health_example["status"]


async def test_the_docs_page_serves_the_document(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    served = (await client.get("/openapi.json")).json()
    assert served["paths"][WEBHOOKS[0]]["post"]["summary"]
