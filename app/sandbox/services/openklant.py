"""Open Klant stand-ins.

Klantinteracties API 0.9 (Open Klant 2.18) and Klanten API 1.0 (Open Klant 1).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.sandbox.responses import paginated, problem
from app.sandbox.seed import KLANTEN, KLANTINTERACTIES
from app.sandbox.state import SandboxState


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    def with_expansions(partij: dict[str, Any], expand: str | None) -> dict[str, Any]:
        if not expand or "digitaleAdressen" not in expand.split(","):
            return partij
        adressen = [
            adres
            for ref in partij.get("digitaleAdressen") or []
            if (adres := state.get(state.path_of(ref["url"]))) is not None
        ]
        return {**partij, "_expand": {"digitaleAdressen": adressen}}

    @api.get(f"{KLANTINTERACTIES}/partijen")
    async def partijen(request: Request) -> Response:
        query = request.query_params
        soort = query.get("partijIdentificator__codeSoortObjectId")
        object_id = query.get("partijIdentificator__objectId")

        def matches(partij: dict[str, Any]) -> bool:
            identificatoren = [
                entry.get("partijIdentificator") or {}
                for entry in partij.get("partijIdentificatoren") or []
            ]
            return any(
                soort in (None, i.get("codeSoortObjectId"))
                and object_id in (None, i.get("objectId"))
                for i in identificatoren
            ) or (soort is None and object_id is None)

        results = [
            with_expansions(partij, query.get("expand"))
            for partij in state.find(f"{KLANTINTERACTIES}/partijen")
            if matches(partij)
        ]
        return JSONResponse(paginated(results))

    @api.get(f"{KLANTINTERACTIES}/partijen/{{partij_uuid}}")
    async def partij(request: Request, partij_uuid: str) -> Response:
        found = state.get(request.url.path)
        if found is None:
            return problem(404, "Niet gevonden.")
        return JSONResponse(with_expansions(found, request.query_params.get("expand")))

    @api.get(f"{KLANTINTERACTIES}/digitaleadressen/{{adres_uuid}}")
    async def digitaal_adres(request: Request, adres_uuid: str) -> Response:
        found = state.get(request.url.path)
        return JSONResponse(found) if found is not None else problem(404, "Niet gevonden.")

    @api.get(f"{KLANTEN}/klanten")
    async def klanten(request: Request) -> Response:
        bsn = request.query_params.get("subjectNatuurlijkPersoon__inpBsn")
        results = [
            klant
            for klant in state.find(f"{KLANTEN}/klanten")
            if bsn in (None, (klant.get("subjectIdentificatie") or {}).get("inpBsn"))
        ]
        return JSONResponse(paginated(results))

    @api.get(f"{KLANTEN}/klanten/{{klant_uuid}}")
    async def klant(request: Request, klant_uuid: str) -> Response:
        found = state.get(request.url.path)
        return JSONResponse(found) if found is not None else problem(404, "Niet gevonden.")

    return api
