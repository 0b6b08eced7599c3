"""Open Klant 2 and Klanten API 1.0 lookups: exact queries, and no BSN in errors or logs."""

from __future__ import annotations

import httpx
import jwt
import pytest
import respx
from structlog.testing import capture_logs

from app.clients.base import OriginGuard
from app.clients.errors import (
    OriginNotAllowed,
    PermanentUpstreamError,
    TransientUpstreamError,
    UpstreamError,
)
from app.clients.openklant import OpenKlant1Client, OpenKlant2Client
from app.clients.zgw import ZgwJwtAuth
from tests.clients.conftest import OPENKLANT, ZGW_SECRET

BSN = "999993653"
PARTIJ = f"{OPENKLANT}/partijen/5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"
PARTIJ_BODY = {
    "url": PARTIJ,
    "soortPartij": "persoon",
    "_expand": {
        "digitaleAdressen": [{"adres": "burger@example.nl", "soortDigitaalAdres": "email"}]
    },
}
KLANTEN = "https://openklant.gemeente.nl/klanten/api/v1"


@pytest.fixture
def openklant(http: httpx.AsyncClient, guard: OriginGuard) -> OpenKlant2Client:
    return OpenKlant2Client(http, OPENKLANT + "/", "openklant-token", guard)


async def test_find_partij_by_bsn_sends_omcs_query(
    openklant: OpenKlant2Client, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(f"{OPENKLANT}/partijen").respond(
        json={"count": 1, "next": None, "previous": None, "results": [PARTIJ_BODY]}
    )
    assert await openklant.find_partij_by_bsn(BSN) == PARTIJ_BODY
    request = route.calls.last.request
    assert request.url.query.decode() == (
        "partijIdentificator__codeSoortObjectId=bsn"
        f"&partijIdentificator__objectId={BSN}&expand=digitaleAdressen"
    )
    assert request.headers["Authorization"] == "Token openklant-token"


async def test_find_partij_by_bsn_none_when_unknown(
    openklant: OpenKlant2Client, mock_router: respx.MockRouter
) -> None:
    mock_router.get(f"{OPENKLANT}/partijen").respond(
        json={"count": 0, "next": None, "previous": None, "results": []}
    )
    assert await openklant.find_partij_by_bsn(BSN) is None


async def test_get_partij_expands_digitale_adressen(
    openklant: OpenKlant2Client, mock_router: respx.MockRouter
) -> None:
    route = mock_router.get(PARTIJ).respond(json=PARTIJ_BODY)
    assert await openklant.get_partij(PARTIJ) == PARTIJ_BODY
    assert route.calls.last.request.url.query == b"expand=digitaleAdressen"


@pytest.mark.parametrize(
    ("response", "error_type"),
    [
        (httpx.Response(500, text="Internal Server Error"), TransientUpstreamError),
        (
            # a validation message may echo the value it refused
            httpx.Response(400, json={"title": "Invalid", "detail": f"'{BSN}' is ongeldig"}),
            PermanentUpstreamError,
        ),
        (httpx.ConnectError("refused"), TransientUpstreamError),
    ],
)
async def test_no_bsn_in_errors_or_logs(
    openklant: OpenKlant2Client,
    mock_router: respx.MockRouter,
    response: httpx.Response | Exception,
    error_type: type[UpstreamError],
) -> None:
    mock_router.get(f"{OPENKLANT}/partijen").mock(side_effect=[response, response])
    with capture_logs() as logs, pytest.raises(error_type) as caught:
        await openklant.find_partij_by_bsn(BSN)
    error = caught.value
    assert error.url == f"{OPENKLANT}/partijen"
    if isinstance(response, Exception):
        assert [entry["event"] for entry in logs] == ["upstream_retry"]
    for text in (str(error), error.detail, repr(error.args), str(logs)):
        assert BSN not in text
    assert error.__cause__ is None


async def test_foreign_partij_url_is_refused(
    openklant: OpenKlant2Client, mock_router: respx.MockRouter
) -> None:
    with pytest.raises(OriginNotAllowed):
        await openklant.get_partij("https://evil.example/partijen/1")
    assert not mock_router.calls


async def test_open_klant_1_finds_klant_by_bsn_with_the_zgw_jwt(
    http: httpx.AsyncClient,
    guard: OriginGuard,
    zgw_auth: ZgwJwtAuth,
    mock_router: respx.MockRouter,
) -> None:
    klanten = OpenKlant1Client(http, KLANTEN, zgw_auth, guard)
    klant = {"url": f"{KLANTEN}/klanten/1", "emailadres": "burger@example.nl"}
    route = mock_router.get(f"{KLANTEN}/klanten").respond(
        json={"count": 1, "next": None, "previous": None, "results": [klant]}
    )
    assert await klanten.find_klant_by_bsn(BSN) == klant
    request = route.calls.last.request
    assert request.url.query.decode() == f"subjectNatuurlijkPersoon__inpBsn={BSN}"
    token = request.headers["Authorization"].removeprefix("Bearer ")
    assert jwt.decode(token, ZGW_SECRET, algorithms=["HS256"])["client_id"] == "zgw-gateway-test"


async def test_open_klant_1_none_when_unknown(
    http: httpx.AsyncClient,
    guard: OriginGuard,
    zgw_auth: ZgwJwtAuth,
    mock_router: respx.MockRouter,
) -> None:
    mock_router.get(f"{KLANTEN}/klanten").respond(
        json={"count": 0, "next": None, "previous": None, "results": []}
    )
    assert await OpenKlant1Client(http, KLANTEN, zgw_auth, guard).find_klant_by_bsn(BSN) is None
