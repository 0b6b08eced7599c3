"""The sandbox as one ASGI app: every stand-in behind one front door that records, injects faults,
checks authentication and checks both directions of every exchange against the official
OpenAPI files.

Paths are those of the real products, so a gateway configured with the sandbox's base URL sends
exactly what it would send in production:

    /zaken/api/v1  /catalogi/api/v1  /besluiten/api/v1  /documenten/api/v1   Open Zaak
    /klantinteracties/api/v1                                                  Open Klant 2
    /klanten/api/v1                                                           Open Klant 1
    /objecten/api/v2  /objecttypen/api/v2                                     Open Object
    /notificaties/api/v1                                                      Open Notificaties
    /v2/...                                                                   Notify NL
    /_sandbox/...                                                             control (tests, demo)
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse as HTML
from fastapi.responses import Response

from app.sandbox.auth import AuthFailed, check_notify_jwt, check_token, check_zgw_jwt
from app.sandbox.examples import EXAMPLES
from app.sandbox.outbox import render_index, render_outbox
from app.sandbox.responses import problem_body
from app.sandbox.seed import DecisionCase, seed_catalogue, seed_decision_case
from app.sandbox.services import notificaties, notify, objects, openklant, openzaak
from app.sandbox.services.notificaties import seed_kanalen
from app.sandbox.services.objects import seed_objecttypes
from app.sandbox.state import Fault, RecordedRequest, SandboxState

if TYPE_CHECKING:
    from app.sandbox.contracts import ContractChecker

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SERVICE_PREFIXES = (
    ("/zaken/api/v1/", "zaken"),
    ("/catalogi/api/v1/", "catalogi"),
    ("/besluiten/api/v1/", "besluiten"),
    ("/documenten/api/v1/", "documenten"),
    ("/klantinteracties/api/v1/", "klantinteracties"),
    ("/klanten/api/v1/", "klanten"),
    ("/objecten/api/v2/", "objecten"),
    ("/objecttypen/api/v2/", "objecttypen"),
    ("/notificaties/api/v1/", "notificaties"),
    ("/v2/", "notify"),  # Notify: the python client always calls the root of its host
)
ZGW_JWT_SERVICES = frozenset(
    {"zaken", "catalogi", "besluiten", "documenten", "klanten", "notificaties"}
)


def service_for(path: str) -> str | None:
    return next((name for prefix, name in SERVICE_PREFIXES if path.startswith(prefix)), None)


def default_specs_dir() -> Path:
    """`ZGW_GATEWAY_SPECS_DIR`, else the repository's `specs/` (the official files it uses)."""
    configured = os.environ.get("ZGW_GATEWAY_SPECS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "specs"


@dataclass
class SandboxConfig:
    base_url: str
    zgw_clients: dict[str, str] = field(default_factory=dict)  # client_id -> secret
    openklant_token: str = "openklant-sandbox-token"
    objects_token: str = "objects-sandbox-token"
    notify_api_key: str = (
        "sandbox-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
    )
    validate_contracts: bool = True
    specs_dir: Path | None = None
    latency_ms: float = 0.0  # added to every upstream answer, to look like a network


class Sandbox:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.state = SandboxState(base_url=config.base_url.rstrip("/"))
        self.contracts: ContractChecker | None = None
        if config.validate_contracts:
            # Imported here: openapi-core is only needed when exchanges are validated.
            from app.sandbox.contracts import ContractChecker

            specs_dir = config.specs_dir or default_specs_dir()
            if not specs_dir.is_dir():
                raise FileNotFoundError(
                    f"OpenAPI specs not found at {specs_dir}: set ZGW_GATEWAY_SPECS_DIR or "
                    "turn contract validation off"
                )
            self.contracts = ContractChecker(specs_dir)
        self.services_app = _services_app(self.state)
        self.app = _FrontDoor(self, _control_app(self))
        self.reset()

    # --- what tests read -------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def contract_violations(self) -> list[str]:
        with self.state.lock:
            return list(self.state.contract_violations)

    @property
    def notify_messages(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return list(self.state.notify_messages)

    @property
    def objects(self) -> dict[str, dict[str, Any]]:
        with self.state.lock:
            return dict(self.state.objects)

    @property
    def abonnementen(self) -> list[dict[str, Any]]:
        """Open Notificaties' abonnementen, with their (write-only) `auth`."""
        return [dict(a) for a in self.state.find(f"{notificaties.NOTIFICATIES}/abonnement")]

    def requests_to(self, service: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.service == service]

    # --- what tests change -----------------------------------------------------------------

    def seed_decision_case(self, **overrides: Any) -> DecisionCase:
        return seed_decision_case(self.state, **overrides)

    def add_fault(self, **fault: Any) -> Fault:
        added = Fault(**fault)
        with self.state.lock:
            self.state.faults.append(added)
        return added

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def reset(self) -> None:
        """Forget everything received and sent; keep the catalogue (re-seeded)."""
        state = self.state
        with state.lock:
            state.resources.clear()
            state.requests.clear()
            state.contract_violations.clear()
            state.notify_messages.clear()
            state.objects.clear()
            state.faults.clear()
            seed_catalogue(state)
            seed_objecttypes(state)
            seed_kanalen(state)

    # --- the front door --------------------------------------------------------------------

    def check_auth(self, service: str, authorization: str | None) -> None:
        config = self.config
        if service in ZGW_JWT_SERVICES:
            check_zgw_jwt(authorization, config.zgw_clients)
        elif service == "klantinteracties":
            check_token(authorization, config.openklant_token)
        elif service in ("objecten", "objecttypen"):
            check_token(authorization, config.objects_token)
        elif service == "notify":
            check_notify_jwt(authorization, config.notify_api_key)


def create_sandbox(config: SandboxConfig) -> Sandbox:
    return Sandbox(config)


def _services_app(state: SandboxState) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    for module in (openzaak, openklant, objects, notify, notificaties):
        app.include_router(module.router(state))
    return app


def _control_app(sandbox: Sandbox) -> FastAPI:
    app = FastAPI(
        title="zgw-gateway sandbox", docs_url="/_sandbox/docs", openapi_url="/_sandbox/openapi.json"
    )

    @app.post("/_sandbox/decision-cases", summary="Seed a decision-made case")
    async def decision_case(request: Request) -> dict[str, Any]:
        overrides = await request.json() if await request.body() else {}
        return sandbox.seed_decision_case(**overrides).as_json()

    @app.get("/_sandbox/notify/messages", summary="What Notify 'sent'")
    @app.get("/notify/messages", summary="What Notify 'sent' (newest last)")
    async def notify_messages() -> list[dict[str, Any]]:
        return sandbox.notify_messages

    @app.get("/", summary="What the sandbox offers, with links", response_class=HTML)
    async def index() -> HTML:
        return HTML(render_index(sandbox.config.base_url))

    @app.get("/notify", summary="What Notify 'sent', as the citizen sees it", response_class=HTML)
    async def notify_outbox() -> HTML:
        return HTML(render_outbox(sandbox.notify_messages))

    @app.post(
        "/_sandbox/examples/{scenario}",
        summary="Seed what an example notification points at and return the notification",
    )
    async def example(scenario: str, request: Request) -> dict[str, Any]:
        make = EXAMPLES.get(scenario)
        if make is None:
            raise HTTPException(404, f"no example for {scenario!r}; known: {sorted(EXAMPLES)}")
        overrides = await request.json() if await request.body() else {}
        return make(sandbox.state, overrides)

    @app.get("/_sandbox/objects", summary="Objects created in the Objects API")
    async def created_objects() -> list[dict[str, Any]]:
        return list(sandbox.objects.values())

    @app.get("/_sandbox/abonnementen", summary="Abonnementen in Open Notificaties")
    async def abonnementen() -> list[dict[str, Any]]:
        return [notificaties.public(a) for a in sandbox.abonnementen]

    @app.get("/_sandbox/requests", summary="Requests received, oldest first")
    async def received() -> list[dict[str, Any]]:
        return [
            {"service": r.service, "method": r.method, "path": r.path, "status": r.status}
            for r in sandbox.requests
        ]

    @app.get("/_sandbox/stats", summary="Counts of requests received and messages sent")
    async def stats() -> dict[str, Any]:
        by_service: dict[str, int] = {}
        for request in sandbox.requests:
            by_service[request.service] = by_service.get(request.service, 0) + 1
        return {
            "requests": sum(by_service.values()),
            "requests_by_service": by_service,
            "notify_messages": len(sandbox.state.notify_messages),
            "objects": len(sandbox.state.objects),
        }

    @app.get("/_sandbox/contract-violations")
    async def violations() -> list[str]:
        return sandbox.contract_violations

    @app.post("/_sandbox/faults", status_code=201)
    async def add_fault(request: Request) -> dict[str, Any]:
        fault = sandbox.add_fault(**(await request.json()))
        return {"service": fault.service, "status": fault.status, "count": fault.count}

    @app.delete("/_sandbox/faults", status_code=204)
    async def clear_faults() -> Response:
        sandbox.clear_faults()
        return Response(status_code=204)

    @app.post("/_sandbox/reset", status_code=204)
    async def reset() -> Response:
        sandbox.reset()
        return Response(status_code=204)

    return app


class _FrontDoor:
    """Record, delay, inject faults, authenticate and contract-check around the stand-ins."""

    def __init__(self, sandbox: Sandbox, control: FastAPI) -> None:
        self.sandbox = sandbox
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = _route_path(scope)
        service = service_for(path) if scope["type"] == "http" else None
        if service is None:
            await self.control(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except _ClientGone:  # e.g. a killed gateway worker: no request to check or answer
            return
        sandbox, state = self.sandbox, self.sandbox.state
        method = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        if sandbox.config.latency_ms:
            await asyncio.sleep(sandbox.config.latency_ms / 1000)

        fault = state.take_fault(service, method, path)
        if fault is not None and fault.when == "before":
            status, payload, extra = await _fault_response(fault)
        else:
            try:
                sandbox.check_auth(service, headers.get("authorization"))
            except AuthFailed as failed:
                status, payload, extra = _auth_response(service, failed)
            else:
                checker = sandbox.contracts
                if checker is not None:
                    self._record(
                        "request",
                        checker.check_request(
                            service,
                            method,
                            path,
                            query,
                            headers,
                            body or None,
                            headers.get("content-type"),
                        ),
                    )
                # The stand-ins see the paths of the real products, wherever the sandbox is mounted.
                inner = {**scope, "path": path, "raw_path": path.encode(), "root_path": ""}
                status, payload, extra = await _call(sandbox.services_app, inner, body)
                if checker is not None:
                    self._record(
                        "response",
                        checker.check_response(
                            service,
                            method,
                            path,
                            query,
                            status,
                            extra,
                            payload,
                            extra.get("content-type"),
                        ),
                    )
                if fault is not None:  # "after": the side effect happened, the answer is lost
                    status, payload, extra = await _fault_response(fault)

        state.record(
            RecordedRequest(
                service=service,
                method=method,
                path=path,
                query=dict(query),
                headers=headers,
                json=_json_or_none(body),
                status=status,
            )
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in extra.items()],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    def _record(self, direction: str, violations: list[str]) -> None:
        for violation in violations:
            self.sandbox.state.violation(f"{direction}: {violation}")


def _route_path(scope: Scope) -> str:
    """The path below the sandbox's mount point (`/sandbox` inside `serve`), if any."""
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class _ClientGone(Exception):
    """The client disconnected before its request body was complete."""


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _call(app: FastAPI, scope: Scope, body: bytes) -> tuple[int, bytes, dict[str, str]]:
    """Run the inner app on a replayed body and capture its whole answer."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    headers: dict[str, str] = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            for key, value in message.get("headers", []):
                headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return status, b"".join(chunks), headers


async def _fault_response(fault: Fault) -> tuple[int, bytes, dict[str, str]]:
    if fault.delay_ms:
        await asyncio.sleep(fault.delay_ms / 1000)  # a slow upstream, for timeout tests
    headers = {"content-type": "application/json"}
    if fault.retry_after is not None:
        headers["retry-after"] = str(fault.retry_after)
    if fault.body is not None:
        return fault.status, json.dumps(fault.body).encode(), headers
    if fault.service == "notify":
        error = "RateLimitError" if fault.status == 429 else "Exception"
        message = (
            "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
            if fault.status == 429
            else "Internal server error"
        )
        payload: dict[str, Any] = {
            "status_code": fault.status,
            "errors": [{"error": error, "message": message}],
        }
    else:
        headers["content-type"] = "application/problem+json"
        payload = problem_body(fault.status, f"Injected fault: HTTP {fault.status}")
    return fault.status, json.dumps(payload).encode(), headers


def _auth_response(service: str, failed: AuthFailed) -> tuple[int, bytes, dict[str, str]]:
    if service == "notify":
        payload: dict[str, Any] = {
            "status_code": failed.status,
            "errors": [{"error": "AuthError", "message": failed.message}],
        }
        return failed.status, json.dumps(payload).encode(), {"content-type": "application/json"}
    payload = problem_body(failed.status, failed.message)
    return (
        failed.status,
        json.dumps(payload).encode(),
        {"content-type": "application/problem+json"},
    )


def _json_or_none(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None
