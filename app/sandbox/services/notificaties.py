"""Notificaties API 1.0 (Open Notificaties 1.16) stand-in: kanalen and abonnementen.

Like the real server (`nrc/api/validators.py` and `AbonnementSerializer` in
open-zaak/open-notificaties), creating or changing an abonnement first tests its callback URL:

1. a test notification (`kanaal: "test"`) is POSTed *without* `Authorization`; the callback must
   refuse it with 401 or 403, else 400 on `callbackUrl`, code `no-auth-on-callback-url`
   (`TEST_CALLBACK_AUTH`, on in Open Notificaties' production settings);
2. the same notification is POSTed with `Authorization: <auth>`; the callback must answer
   200-209, else 400 on `nonFieldErrors`, code `invalid-callback-url`;
3. only then are the kanalen checked: an unknown kanaal is a 400 on `naam` (`kanaal_naam`), and
   filter names must be a subset or superset of the kanaal's filters (`filters`,
   `inconsistent-abonnement-filters`).

A callback URL that cannot be reached at all makes the real server fail with a 500 (the
`requests` exception is not caught); so does this stand-in. Filters only match a
notification's `kenmerken`: Open Notificaties has no filter on resource or actie.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.sandbox.responses import problem
from app.sandbox.state import SandboxState

NOTIFICATIES = "/notificaties/api/v1"
API_VERSION = "1.0.0"
CALLBACK_TIMEOUT_SECONDS = 10.0

# What Open Notificaties POSTs to a callback URL to test it (both tests send the same body).
TEST_NOTIFICATION: dict[str, Any] = {
    "kanaal": "test",
    "hoofdObject": "http://some.hoofdobject.nl/",
    "resource": "some_resource",
    "resourceUrl": "http://some.resource.nl/",
    "actie": "create",
    "aanmaakdatum": "2019-01-01T12:00:00Z",
    "kenmerken": {},
}

# The kanalen Open Zaak, Open Object and Open Zaak's Autorisaties API register
# (`register_kanalen`: the filters are the publishers' kenmerken, as declared).
KANALEN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "zaken",
        "5f2d8a1c-3b4e-4c6d-9e8f-0a1b2c3d4e01",
        ("bronorganisatie", "zaaktype", "vertrouwelijkheidaanduiding", "zaaktype.catalogus"),
    ),
    (
        "besluiten",
        "5f2d8a1c-3b4e-4c6d-9e8f-0a1b2c3d4e02",
        ("verantwoordelijke_organisatie", "besluittype", "besluittype.catalogus"),
    ),
    (
        "documenten",
        "5f2d8a1c-3b4e-4c6d-9e8f-0a1b2c3d4e03",
        (
            "bronorganisatie",
            "informatieobjecttype",
            "vertrouwelijkheidaanduiding",
            "informatieobjecttype.catalogus",
        ),
    ),
    ("objecten", "5f2d8a1c-3b4e-4c6d-9e8f-0a1b2c3d4e04", ("object_type",)),
    ("autorisaties", "5f2d8a1c-3b4e-4c6d-9e8f-0a1b2c3d4e05", ()),
)

_NO_AUTH_MESSAGE = "De opgegeven callback URL is niet beveiligd met autorisatie."
_INVALID_CALLBACK_MESSAGE = "De opgegeven callback URL kan geen notificaties ontvangen."


def seed_kanalen(state: SandboxState) -> None:
    for naam, kanaal_uuid, filters in KANALEN:
        state.put(
            {
                "url": state.url(f"{NOTIFICATIES}/kanaal/{kanaal_uuid}"),
                "naam": naam,
                "documentatieLink": f"https://open-zaak.example.nl/ref/kanalen/#{naam}",
                "filters": list(filters),
            }
        )


def public(abonnement: dict[str, Any]) -> dict[str, Any]:
    """The abonnement as the API shows it: `auth` is write-only."""
    return {key: value for key, value in abonnement.items() if key != "auth"}


class _InvalidParams(Exception):
    def __init__(self, params: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["reason"] for p in params))
        self.params = params


def _invalid(name: str, code: str, reason: str) -> _InvalidParams:
    return _InvalidParams([{"name": name, "code": code, "reason": reason}])


class _CallbackUnreachable(Exception):
    pass


def _headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"API-version": API_VERSION, **(extra or {})}


def _json(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status_code, headers=_headers(headers))


def _validation_error(params: list[dict[str, str]]) -> Response:
    return problem(400, "Invalid input.", code="invalid", invalid_params=params, headers=_headers())


async def _post_test_notification(url: str, auth: str | None) -> int:
    headers = {"Authorization": auth} if auth is not None else {}
    try:
        async with httpx.AsyncClient(
            timeout=CALLBACK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False
        ) as client:
            response = await client.post(url, json=TEST_NOTIFICATION, headers=headers)
    except httpx.HTTPError as error:
        raise _CallbackUnreachable(f"{type(error).__name__} while posting to {url}") from None
    return response.status_code


def _field_errors(body: dict[str, Any], partial: bool) -> list[dict[str, str]]:
    """DRF's field validation: required fields, types and lengths, each field on its own."""
    errors: list[dict[str, str]] = []

    def check_string(name: str, max_length: int) -> str | None:
        if name not in body:
            if not partial:
                errors.append({"name": name, "code": "required", "reason": "Dit veld is vereist."})
            return None
        value = body[name]
        if not isinstance(value, str) or not value:
            errors.append({"name": name, "code": "invalid", "reason": "Ongeldige waarde."})
            return None
        if len(value) > max_length:
            errors.append(
                {
                    "name": name,
                    "code": "max_length",
                    "reason": f"Zorg ervoor dat dit veld niet meer dan {max_length} karakters "
                    "bevat.",
                }
            )
            return None
        return value

    url = check_string("callbackUrl", 200)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(
                {"name": "callbackUrl", "code": "invalid", "reason": "Voer een geldige URL in."}
            )
    check_string("auth", 1000)
    kanalen = body.get("kanalen", [])
    if not isinstance(kanalen, list) or not all(
        isinstance(group, dict)
        and isinstance(group.get("naam"), str)
        and isinstance(group.get("filters", {}), dict)
        and all(isinstance(v, str) for v in group.get("filters", {}).values())
        for group in kanalen
    ):
        errors.append(
            {
                "name": "kanalen",
                "code": "invalid",
                "reason": "Een lijst van objecten met `naam` en `filters` is vereist.",
            }
        )
    return errors


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    def kanalen_by_name() -> dict[str, dict[str, Any]]:
        return {k["naam"]: k for k in state.find(f"{NOTIFICATIES}/kanaal")}

    async def validated(
        body: Any, existing: dict[str, Any] | None, *, partial: bool
    ) -> dict[str, Any]:
        """The new abonnement fields, in the order the real serializer validates them."""
        if not isinstance(body, dict):
            raise _invalid("nonFieldErrors", "invalid", "Ongeldige data. Verwacht een dictionary.")
        errors = _field_errors(body, partial)
        # The no-auth test is a validator of the callbackUrl field: it runs when that field
        # passed its own checks, whatever the other fields say.
        url_ok = "callbackUrl" in body and not any(e["name"] == "callbackUrl" for e in errors)
        if url_ok and await _post_test_notification(body["callbackUrl"], None) not in (401, 403):
            errors.append(
                {
                    "name": "callbackUrl",
                    "code": "no-auth-on-callback-url",
                    "reason": _NO_AUTH_MESSAGE,
                }
            )
        if errors:
            raise _InvalidParams(errors)
        url = body.get("callbackUrl") or (existing or {}).get("callbackUrl")
        assert isinstance(url, str)
        # A PATCH without `auth` tests the callback without credentials, as the real one does.
        status = await _post_test_notification(url, body.get("auth"))
        if not 200 <= status <= 209:
            raise _invalid("nonFieldErrors", "invalid-callback-url", _INVALID_CALLBACK_MESSAGE)
        groups: list[dict[str, Any]] = body.get("kanalen", [])
        known = kanalen_by_name()
        for group in groups:
            kanaal = known.get(group["naam"])
            if kanaal is None:
                raise _invalid("naam", "kanaal_naam", "Kanaal met deze naam bestaat niet.")
            names, allowed = set(group.get("filters") or {}), set(kanaal["filters"])
            if names and not (allowed <= names or allowed >= names):
                raise _invalid(
                    "filters",
                    "inconsistent-abonnement-filters",
                    "abonnement filters aren't consistent with kanaal filters",
                )
        changed = {key: body[key] for key in ("callbackUrl", "auth") if key in body}
        # The real update replaces the kanalen with those sent, also on a PATCH without any
        # (`AbonnementSerializer.update` pops `filter_groups` with default []).
        changed["kanalen"] = [
            {"naam": g["naam"], "filters": dict(g.get("filters") or {})} for g in groups
        ]
        return changed

    async def save(
        request: Request, existing: dict[str, Any] | None, *, partial: bool
    ) -> dict[str, Any] | Response:
        try:
            body = await request.json()
        except ValueError:
            return _validation_error(
                [{"name": "nonFieldErrors", "code": "parse_error", "reason": "Ongeldige JSON."}]
            )
        try:
            changed = await validated(body, existing, partial=partial)
        except _InvalidParams as invalid:
            return _validation_error(invalid.params)
        except _CallbackUnreachable as error:
            return problem(500, str(error), headers=_headers())
        if existing is None:
            abonnement_uuid = str(uuid.uuid4())
            existing = {
                "url": state.url(f"{NOTIFICATIES}/abonnement/{abonnement_uuid}"),
                "callbackUrl": "",
                "auth": "",
                "kanalen": [],
                "sendCloudevents": False,
                "cloudeventFilters": [],
            }
        return state.put({**existing, **changed})

    @api.get(f"{NOTIFICATIES}/kanaal")
    async def list_kanalen(request: Request) -> Response:
        naam = request.query_params.get("naam")
        found = [k for k in state.find(f"{NOTIFICATIES}/kanaal") if naam in (None, k["naam"])]
        return _json(found)

    @api.get(f"{NOTIFICATIES}/abonnement")
    async def list_abonnementen() -> Response:
        return _json([public(a) for a in state.find(f"{NOTIFICATIES}/abonnement")])

    @api.post(f"{NOTIFICATIES}/abonnement")
    async def create_abonnement(request: Request) -> Response:
        saved = await save(request, None, partial=False)
        if isinstance(saved, Response):
            return saved
        return _json(public(saved), 201, {"Location": saved["url"]})

    @api.get(f"{NOTIFICATIES}/abonnement/{{abonnement_uuid}}")
    async def read_abonnement(request: Request, abonnement_uuid: str) -> Response:
        found = state.get(request.url.path)
        if found is None:
            return problem(404, "Niet gevonden.", headers=_headers())
        return _json(public(found))

    @api.put(f"{NOTIFICATIES}/abonnement/{{abonnement_uuid}}")
    @api.patch(f"{NOTIFICATIES}/abonnement/{{abonnement_uuid}}")
    async def update_abonnement(request: Request, abonnement_uuid: str) -> Response:
        found = state.get(request.url.path)
        if found is None:
            return problem(404, "Niet gevonden.", headers=_headers())
        saved = await save(request, found, partial=request.method == "PATCH")
        if isinstance(saved, Response):
            return saved
        return _json(public(saved))

    @api.delete(f"{NOTIFICATIES}/abonnement/{{abonnement_uuid}}")
    async def delete_abonnement(request: Request, abonnement_uuid: str) -> Response:
        path = request.url.path.rstrip("/")
        with state.lock:
            found = state.resources.pop(path, None)
        if found is None:
            return problem(404, "Niet gevonden.", headers=_headers())
        return Response(status_code=204, headers=_headers())

    return api
