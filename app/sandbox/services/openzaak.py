"""Open Zaak 1.30 stand-in: Zaken, Catalogi, Besluiten and Documenten, read-only.

Serves what the seed put in the state by URL, the list filters the gateway uses, and `expand`
on a zaak the way Open Zaak does it (`_expand`, nested for `status.statustype`, a key left out
when there is nothing to include).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from app.sandbox.responses import paginated, problem
from app.sandbox.seed import BESLUITEN, CATALOGI, DOCUMENTEN, ZAKEN
from app.sandbox.state import SandboxState

ZAAK_EXPANSIONS = frozenset({"zaaktype", "status", "status.statustype", "rollen"})


def router(state: SandboxState) -> APIRouter:
    api = APIRouter()

    def found(request: Request) -> Response:
        resource = state.get(request.url.path)
        if resource is None:
            return problem(404, "Niet gevonden.")
        return JSONResponse(resource)

    @api.get(f"{ZAKEN}/zaken/{{zaak_uuid}}")
    def zaak(request: Request, zaak_uuid: str) -> Response:
        if request.headers.get("accept-crs") != "EPSG:4326":
            # vng-api-common's GeoMixin: zaken carry a geometry, the CRS must be negotiated.
            return problem(412, "'Accept-Crs' header ontbreekt", code="missing-header")
        resource = state.get(request.url.path)
        if resource is None:
            return problem(404, "Niet gevonden.")
        expand = request.query_params.get("expand")
        body = dict(resource)
        if expand:
            requested = {part.strip() for part in expand.split(",") if part.strip()}
            unknown = requested - ZAAK_EXPANSIONS
            if unknown:
                return problem(
                    400,
                    "Ongeldige expand-waarde",
                    invalid_params=[
                        {
                            "name": "expand",
                            "code": "invalid_choice",
                            "reason": ", ".join(sorted(unknown)),
                        }
                    ],
                )
            expansions = _expand_zaak(state, resource, requested)
            if expansions:
                body["_expand"] = expansions
        return JSONResponse(body, headers={"Content-Crs": "EPSG:4326"})

    @api.get(f"{ZAKEN}/rollen")
    def rollen(request: Request) -> Response:
        query = request.query_params
        results = [
            rol
            for rol in state.find(f"{ZAKEN}/rollen")
            if rol["zaak"] == query.get("zaak", rol["zaak"])
            and rol["omschrijvingGeneriek"]
            == query.get("omschrijvingGeneriek", rol["omschrijvingGeneriek"])
            and rol["betrokkeneType"] == query.get("betrokkeneType", rol["betrokkeneType"])
        ]
        return JSONResponse(paginated(results))

    @api.get(f"{ZAKEN}/statussen")
    def statussen(request: Request) -> Response:
        zaak_url = request.query_params.get("zaak")
        results = sorted(
            (s for s in state.find(f"{ZAKEN}/statussen") if zaak_url in (None, s["zaak"])),
            key=lambda s: s["datumStatusGezet"],
            reverse=True,  # Open Zaak orders by -datumStatusGezet
        )
        return JSONResponse(paginated(results))

    @api.get(f"{BESLUITEN}/besluitinformatieobjecten")
    def besluitinformatieobjecten(request: Request) -> Response:
        besluit_url = request.query_params.get("besluit")
        # Not paginated in the Besluiten API: a plain array.
        return JSONResponse(
            [
                bio
                for bio in state.find(f"{BESLUITEN}/besluitinformatieobjecten")
                if besluit_url in (None, bio["besluit"])
            ]
        )

    def by_url(request: Request, collection: str, item_uuid: str) -> Response:
        return found(request)

    for base in (ZAKEN, CATALOGI, BESLUITEN, DOCUMENTEN):
        api.add_api_route(f"{base}/{{collection}}/{{item_uuid}}", by_url, methods=["GET"])

    return api


def _expand_zaak(state: SandboxState, zaak: dict[str, Any], requested: set[str]) -> dict[str, Any]:
    expansions: dict[str, Any] = {}
    if "zaaktype" in requested:
        zaaktype = state.get(state.path_of(zaak["zaaktype"]))
        if zaaktype is not None:
            expansions["zaaktype"] = zaaktype
    if ("status" in requested or "status.statustype" in requested) and zaak.get("status"):
        status = state.get(state.path_of(zaak["status"]))
        if status is not None:
            status = dict(status)
            if "status.statustype" in requested:
                statustype = state.get(state.path_of(status["statustype"]))
                if statustype is not None:
                    status["_expand"] = {"statustype": statustype}
            expansions["status"] = status
    if "rollen" in requested and zaak.get("rollen"):
        expansions["rollen"] = [
            rol for url in zaak["rollen"] if (rol := state.get(state.path_of(url))) is not None
        ]
    return expansions
