"""Objects API 2.x (Open Object) and Objecttypes API 2.x stand-ins.

Like the real Objects API, a new object must name a published objecttype version, and its
`record.data` is validated against that version's JSON schema: a portal message missing a field
the portal needs is refused here, as it would be in production.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import jsonschema
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.sandbox.responses import paginated, problem
from app.sandbox.state import SandboxState

OBJECTEN = "/objecten/api/v2"
OBJECTTYPEN = "/objecttypen/api/v2"

MESSAGE_OBJECTTYPE_UUID = "38327774-7023-4f25-9386-acb0c6f10636"
TASK_OBJECTTYPE_UUID = "3e5f7a9c-1b2d-4f6a-8c0e-2a4b6c8d0e1f"

# The portal message of the OMC (field guide section 3), with ISO dates.
MESSAGE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": [
        "onderwerp",
        "berichtTekst",
        "publicatiedatum",
        "referentie",
        "handelingsperspectief",
        "geopend",
        "berichtType",
        "identificatie",
        "bijlages",
    ],
    "properties": {
        "onderwerp": {"type": "string", "minLength": 1, "maxLength": 200},
        "berichtTekst": {"type": "string", "minLength": 1},
        "publicatiedatum": {"type": "string", "format": "date-time"},
        "referentie": {"type": "string"},
        "handelingsperspectief": {"type": "string"},
        "geopend": {"type": "boolean"},
        "berichtType": {"type": "string"},
        "identificatie": {
            "type": "object",
            "required": ["type", "value"],
            "properties": {"type": {"type": "string"}, "value": {"type": "string"}},
        },
        "bijlages": {"type": "array", "items": {"type": "string"}},
    },
}

TASK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["title", "status", "identificatie"],
    "properties": {
        "title": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "afgerond", "verwerkt", "gesloten"]},
        "verloopdatum": {"type": ["string", "null"]},
        "identificatie": {
            "type": "object",
            "required": ["type", "value"],
            "properties": {"type": {"type": "string"}, "value": {"type": "string"}},
        },
    },
}


def seed_objecttypes(state: SandboxState) -> None:
    for type_uuid, name, plural, schema in (
        (MESSAGE_OBJECTTYPE_UUID, "Bericht", "Berichten", MESSAGE_SCHEMA),
        (TASK_OBJECTTYPE_UUID, "Taak", "Taken", TASK_SCHEMA),
    ):
        url = state.url(f"{OBJECTTYPEN}/objecttypes/{type_uuid}")
        version_url = f"{url}/versions/1"
        state.put(
            {
                "url": url,
                "uuid": type_uuid,
                "name": name,
                "namePlural": plural,
                "description": f"{plural} in het burgerportaal",
                "dataClassification": "confidential",
                "maintainerOrganization": "Gemeente Voorbeeld",
                "maintainerDepartment": "Dienstverlening",
                "contactPerson": "Team Portaal",
                "contactEmail": "portaal@example.nl",
                "source": "",
                "updateFrequency": "real_time",
                "providerOrganization": "",
                "documentationUrl": "https://docs.example.nl/objecttypen",
                "labels": {},
                "createdAt": "2024-01-01",
                "modifiedAt": "2024-01-01",
                "allowGeometry": False,
                "versions": [version_url],
            }
        )
        state.put(
            {
                "url": version_url,
                "version": 1,
                "objectType": url,
                "status": "published",
                "jsonSchema": schema,
                "createdAt": "2024-01-01",
                "modifiedAt": "2024-01-01",
                "publishedAt": "2024-01-01",
            }
        )


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    @api.post(f"{OBJECTEN}/objects")
    async def create_object(request: Request) -> Response:
        if request.headers.get("content-crs") != "EPSG:4326":
            return problem(412, "'Content-Crs' header ontbreekt", code="missing-header")
        body = await request.json()
        type_url = body.get("type") if isinstance(body, dict) else None
        record = body.get("record") if isinstance(body, dict) else None
        if not isinstance(type_url, str) or not isinstance(record, dict):
            return _invalid("type", "type and record are required")
        objecttype = (
            state.get(state.path_of(type_url)) if type_url.startswith(state.base_url) else None
        )
        if objecttype is None:
            return _invalid("type", f"Object type {type_url} does not exist")
        version = state.get(f"{state.path_of(type_url)}/versions/{record.get('typeVersion')}")
        if version is None:
            return _invalid("record.typeVersion", "Object type version does not exist")
        try:
            jsonschema.validate(record.get("data") or {}, version["jsonSchema"])
        except jsonschema.ValidationError as error:
            field = ".".join(str(p) for p in error.absolute_path) or "data"
            return _invalid(f"record.data.{field}", error.message)
        object_uuid = str(uuid.uuid4())
        object_url = state.url(f"{OBJECTEN}/objects/{object_uuid}")
        today = datetime.now(UTC).date().isoformat()
        created: dict[str, Any] = {
            "url": object_url,
            "uuid": object_uuid,
            "type": type_url,
            "record": {
                "index": 1,
                "typeVersion": record["typeVersion"],
                "data": record.get("data") or {},
                "geometry": None,
                "references": [],
                "startAt": record.get("startAt") or today,
                "endAt": None,
                "registrationAt": today,
                "correctionFor": None,
                # `correctedBy` (null until corrected) is left out: the spec types it as a
                # non-nullable integer.
            },
        }
        state.put(created)
        with state.lock:
            state.objects[object_url] = created
        return JSONResponse(created, status_code=201, headers={"Content-Crs": "EPSG:4326"})

    @api.get(f"{OBJECTEN}/objects")
    async def list_objects(request: Request) -> Response:
        query = request.query_params
        type_url = query.get("type")
        attribute = query.get("data_attr")
        with state.lock:
            candidates = list(state.objects.values())
        results = [
            obj
            for obj in candidates
            if type_url in (None, obj["type"]) and _data_matches(obj["record"]["data"], attribute)
        ]
        return JSONResponse(paginated(results), headers={"Content-Crs": "EPSG:4326"})

    @api.get(f"{OBJECTEN}/objects/{{object_uuid}}")
    async def get_object(request: Request, object_uuid: str) -> Response:
        found = state.get(request.url.path)
        if found is None:
            return problem(404, "Niet gevonden.")
        return JSONResponse(found, headers={"Content-Crs": "EPSG:4326"})

    @api.get(f"{OBJECTTYPEN}/objecttypes/{{type_uuid}}")
    async def objecttype(request: Request, type_uuid: str) -> Response:
        found = state.get(request.url.path)
        return JSONResponse(found) if found is not None else problem(404, "Niet gevonden.")

    @api.get(f"{OBJECTTYPEN}/objecttypes/{{type_uuid}}/versions/{{version}}")
    async def objecttype_version(request: Request, type_uuid: str, version: int) -> Response:
        found = state.get(request.url.path)
        return JSONResponse(found) if found is not None else problem(404, "Niet gevonden.")

    return api


def _data_matches(data: dict[str, Any], attribute: str | None) -> bool:
    """`data_attr=key__exact__value` (the only operator the gateway uses)."""
    if not attribute:
        return True
    key, _, rest = attribute.partition("__")
    operator, _, value = rest.partition("__")
    if operator != "exact":
        return False
    current: Any = data
    for part in key.split("__"):
        current = current.get(part) if isinstance(current, dict) else None
    return str(current) == value


def _invalid(name: str, reason: str) -> Response:
    return problem(
        400,
        reason,
        code="invalid",
        invalid_params=[{"name": name, "code": "invalid", "reason": reason}],
    )
