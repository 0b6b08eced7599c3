"""The origin guard, call counting, metrics and the shared HTTP client."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx
from prometheus_client import REGISTRY

from app.clients.base import (
    OriginGuard,
    build_http_client,
    count_upstream_calls,
    origin_of,
)
from app.clients.errors import (
    OriginNotAllowed,
    PermanentUpstreamError,
    UpstreamError,
    strip_query,
)
from app.clients.responses import parse_retry_after, summarise_problem
from app.clients.zgw import ZgwClient
from tests.clients.conftest import CATALOGI, OZ, ZAKEN

ZAAK = f"{ZAKEN}/zaken/4a2b6c1d-8e3f-4a5b-9c7d-1e2f3a4b5c6d"
ZAAKTYPE = f"{CATALOGI}/zaaktypen/6b3c2d1e-9f8a-4b7c-8d6e-5f4a3b2c1d0e"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://OpenZaak.Gemeente.NL/zaken/api/v1/zaken?x=1", "https://openzaak.gemeente.nl"),
        ("https://openzaak.gemeente.nl:443/zaken", "https://openzaak.gemeente.nl"),
        ("http://openzaak.local:80/zaken", "http://openzaak.local"),
        ("http://openzaak.local:8000/zaken", "http://openzaak.local:8000"),
        ("https://openzaak.local:80/", "https://openzaak.local:80"),
        ("HTTP://[::1]:8080/x", "http://[::1]:8080"),
    ],
)
def test_origin_is_normalised(url: str, origin: str) -> None:
    assert origin_of(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/zaken/api/v1/zaken/1",
        "https://openzaak.gemeente.nl.evil.example/x",
        "http://openzaak.gemeente.nl/zaken",  # another scheme is another origin
        "https://openzaak.gemeente.nl:8443/zaken",  # another port is another origin
        "https://user:pass@openzaak.gemeente.nl/zaken",  # would become Basic auth
        "ftp://openzaak.gemeente.nl/zaken",
        "/zaken/api/v1/zaken/1",
        "not a url",
    ],
)
def test_guard_refuses_other_origins(url: str) -> None:
    guard = OriginGuard([OZ])
    with pytest.raises(OriginNotAllowed):
        guard.check(url)


def test_guard_normalises_the_allowed_origins_too() -> None:
    guard = OriginGuard(["HTTPS://OpenZaak.Gemeente.nl:443", "http://localhost:80"])
    guard.check("https://openzaak.gemeente.nl/zaken/api/v1/zaken/1")
    guard.check("https://openzaak.gemeente.nl:443/zaken/api/v1/zaken/1")
    guard.check("http://localhost/x")


def test_origin_error_keeps_no_query_string() -> None:
    with pytest.raises(OriginNotAllowed) as caught:
        OriginGuard([OZ]).check("https://evil.example/klanten?bsn=123456782")
    assert caught.value.url == "https://evil.example/klanten"
    assert "123456782" not in str(caught.value)


def test_strip_query_removes_query_fragment_and_credentials() -> None:
    assert strip_query("https://u:p@h.nl:8443/a/b?bsn=123456782#x") == "https://h.nl:8443/a/b"


async def test_refused_url_sends_nothing(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    foreign = mock_router.get(url__startswith="https://evil.example/")
    with pytest.raises(OriginNotAllowed):
        await zgw.get("https://evil.example/zaken/api/v1/zaken/1")
    assert not foreign.called
    assert not mock_router.calls


def test_build_http_client_settings() -> None:
    client = build_http_client(timeout=12.0)
    assert client.follow_redirects is False
    assert client.trust_env is False
    assert client.timeout.connect == 5.0
    assert client.timeout.read == 12.0


async def test_redirect_is_not_followed(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    mock_router.get(ZAAK).respond(302, headers={"Location": "https://evil.example/x"})
    evil = mock_router.get(url__startswith="https://evil.example/")
    with pytest.raises(PermanentUpstreamError, match="redirect"):
        await zgw.get(ZAAK)
    assert not evil.called


# --- counting -------------------------------------------------------------------------------


async def test_concurrent_runs_count_separately(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    mock_router.get(ZAAK).respond(json={"url": ZAAK})
    mock_router.get(url__startswith=f"{CATALOGI}/").respond(json={"url": ZAAKTYPE})
    both_started = asyncio.Barrier(2)

    async def run(zaak_calls: int, catalogi_urls: int) -> tuple[int, dict[str, int]]:
        with count_upstream_calls() as calls:
            await zgw.get(ZAAK)
            await both_started.wait()  # the two runs interleave from here on
            for _ in range(zaak_calls - 1):
                await zgw.get(ZAAK)
            for n in range(catalogi_urls):
                await zgw.get(f"{CATALOGI}/zaaktypen/{n}-{zaak_calls}")
            return calls.total, calls.by_service

    first, second = await asyncio.gather(run(2, 1), run(4, 3))
    assert first == (3, {"zaken": 2, "catalogi": 1})
    assert second == (7, {"zaken": 4, "catalogi": 3})


async def test_tasks_inside_a_run_count_in_that_run(
    zgw: ZgwClient, mock_router: respx.MockRouter
) -> None:
    mock_router.get(ZAAK).respond(json={"url": ZAAK})
    with count_upstream_calls() as calls:
        await asyncio.gather(*(zgw.get(ZAAK) for _ in range(3)))
    await zgw.get(ZAAK)  # outside any run: counted nowhere, and no error
    assert calls.total == 3


async def test_metrics_count_outcomes(zgw: ZgwClient, mock_router: respx.MockRouter) -> None:
    def sample(outcome: str) -> float:
        labels = {"service": "zaken", "outcome": outcome}
        return REGISTRY.get_sample_value("zgw_gateway_upstream_requests_total", labels) or 0.0

    def observations() -> float:
        labels = {"service": "zaken"}
        name = "zgw_gateway_upstream_request_duration_seconds_count"
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = {o: sample(o) for o in ("ok", "client_error", "server_error", "timeout")}
    seen = observations()
    mock_router.get(ZAAK).mock(
        side_effect=[
            httpx.Response(200, json={}),
            httpx.Response(404),
            httpx.Response(502),
            httpx.ReadTimeout("slow"),
        ]
    )
    for _ in range(4):
        with contextlib.suppress(UpstreamError):  # only the metrics matter here
            await zgw.get(ZAAK)
    for outcome in before:
        assert sample(outcome) == before[outcome] + 1, outcome
    assert observations() == seen + 4


# --- reading failures -------------------------------------------------------------------------


def test_retry_after_in_seconds_and_as_http_date() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(later, now=now.timestamp()) == 90.0
    assert parse_retry_after("Thu, 01 Jan 2015 00:00:00 GMT") == 0.0  # in the past
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_problem_summary_names_the_invalid_params_and_scrubs_values() -> None:
    body = {
        "type": "https://openzaak/ref/fouten/ValidationError/",
        "code": "invalid",
        "title": "Invalid input.",
        "status": 400,
        "detail": "",
        "invalidParams": [
            {"name": "zaak", "code": "bad-url", "reason": "De URL is ongeldig."},
            {"name": "objectId", "code": "invalid", "reason": "'123456782' is geen geldig id"},
        ],
    }
    summary = summarise_problem(body)
    assert summary == (
        "Invalid input. - invalid: zaak (bad-url): De URL is ongeldig.; "
        "objectId (invalid): '[number]' is geen geldig id"
    )
    assert summarise_problem({"title": "x" * 900}) == "x" * 499 + "…"


async def test_the_production_transport_maps_failures_to_httpx_errors() -> None:
    """aiohttp underneath, httpx's exceptions on top: the request helper relies on them."""
    silent_connections: list[asyncio.StreamWriter] = []

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent_connections.append(writer)

    silent = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    silent_port = silent.sockets[0].getsockname()[1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens once the probe is closed
    client = build_http_client(timeout=0.3)
    try:
        with pytest.raises(httpx.TimeoutException):
            await client.get(f"http://127.0.0.1:{silent_port}/zaken/api/v1/zaken/1")
        # asyncio says "Connect call failed"; the trace should say the port refused.
        with pytest.raises(httpx.ConnectError, match=r"^connection refused \(Cannot connect"):
            await client.get(f"http://127.0.0.1:{closed_port}/zaken/api/v1/zaken/1")
    finally:
        await client.aclose()
        for writer in silent_connections:
            writer.close()
        silent.close()
        await silent.wait_closed()
