"""A lean HTTP/1.1 load generator on raw asyncio streams.

A Python HTTP client library would be the bottleneck on a 2-core machine, so this one does the
minimum: N persistent keep-alive connections, each sending one request at a time (no pipelining),
request bytes built from a pre-encoded template with a fresh UUID substituted per request, and a
response parser that reads the status line and exactly `Content-Length` bytes of body.

A warm-up phase (not counted) precedes a fixed-duration measurement. Only responses completed
inside the measurement window count towards throughput and latency; every response with the
expected status, in any phase, counts towards `ok_total` (used for durability checks).

Only 127.0.0.1 is ever targeted.

    python -m bench.loadgen --port 8000 --expect 204
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

HOST = "127.0.0.1"
PATH = "/api/v1/notifications"
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"

# A besluitinformatieobject notification; resourceUrl gets a fresh UUID per request, so that every
# request is a new message (the gateway answers a repeated message with 200, not 202).
NOTIFICATION: dict[str, Any] = {
    "kanaal": "besluiten",
    "hoofdObject": "https://openzaak.gemeente.nl/besluiten/api/v1/besluiten/"
    "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    "resource": "besluitinformatieobject",
    "resourceUrl": f"https://openzaak.gemeente.nl/besluiten/api/v1/besluitinformatieobjecten/"
    f"{PLACEHOLDER}",
    "actie": "create",
    "aanmaakdatum": "2026-11-20T09:14:03.512Z",
    "kenmerken": {
        "verantwoordelijkeOrganisatie": "002220647",
        "besluittype": "https://openzaak.gemeente.nl/catalogi/api/v1/besluittypen/"
        "7f0e1d2c-3b4a-4958-8d7c-6b5a4f3e2d1c",
    },
}

DEFAULT_MAX_REQUESTS = 10_000_000
# After the measurement window closes, requests still in flight get this long to finish.
DRAIN_SECONDS = 30.0


class ProtocolError(Exception):
    """The server's answer is not an HTTP/1.1 response this client understands."""


@dataclass(frozen=True)
class RequestTemplate:
    """Pre-encoded request bytes around the one place a per-request UUID goes."""

    head: bytes
    tail: bytes

    @classmethod
    def build(
        cls, *, port: int, path: str = PATH, headers: dict[str, str] | None = None
    ) -> RequestTemplate:
        body = json.dumps(NOTIFICATION, separators=(",", ":")).encode()
        # A UUID string always has 36 characters, so Content-Length is the same for every body.
        lines = [
            f"POST {path} HTTP/1.1",
            f"Host: {HOST}:{port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in (headers or {}).items()),
            "",
            "",
        ]
        raw = "\r\n".join(lines).encode() + body
        head, placeholder, tail = raw.partition(PLACEHOLDER.encode())
        if not placeholder:
            raise ValueError("the request template has no UUID placeholder")
        return cls(head, tail)

    def render(self) -> bytes:
        return b"".join((self.head, str(uuid.uuid4()).encode(), self.tail))


@dataclass
class LoadResult:
    """What one load run measured."""

    connections: int
    warmup_s: float
    window_s: float
    ok: int  # responses with the expected status completed inside the window
    errors: int  # other statuses and connection failures inside the window
    ok_total: int  # responses with the expected status in every phase
    errors_total: int
    unknown_total: int  # requests sent whose answer never arrived (cut off)
    status_counts: dict[str, int]
    latencies_ms: list[float] = field(repr=False)
    client_cpu_pct: float
    server_cpu_pct: float | None

    @property
    def rps(self) -> float:
        return self.ok / self.window_s if self.window_s > 0 else 0.0

    def percentile_ms(self, pct: float) -> float:
        """Nearest-rank percentile of the window's latencies (NaN when there are none)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return ordered[rank - 1]

    @property
    def p50_ms(self) -> float:
        return self.percentile_ms(50)

    @property
    def p99_ms(self) -> float:
        return self.percentile_ms(99)


@dataclass
class _Shared:
    expect: int
    measure_start: float
    measure_end: float
    max_requests: int
    sent: int = 0
    ok: int = 0
    errors: int = 0
    ok_total: int = 0
    errors_total: int = 0
    unknown_total: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    def note(self, status: str, started: float, finished: float) -> None:
        self.status_counts[status] = self.status_counts.get(status, 0) + 1
        good = status == str(self.expect)
        if good:
            self.ok_total += 1
        else:
            self.errors_total += 1
        if self.measure_start <= finished < self.measure_end:
            if good:
                self.ok += 1
                self.latencies.append(finished - started)
            else:
                self.errors += 1


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response fully; return its status and whether the server keeps the connection."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, _, header_block = head.partition(b"\r\n")
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ProtocolError(f"bad status line {status_line[:80]!r}")
    status = int(parts[1])
    length = 0
    keep_alive = parts[0] == b"HTTP/1.1"
    chunked = False
    for line in header_block.split(b"\r\n"):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            keep_alive = value.strip().lower() == b"keep-alive"
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, keep_alive


async def _connection(port: int, template: RequestTemplate, shared: _Shared) -> None:
    perf_counter = time.perf_counter
    render = template.render
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    try:
        while perf_counter() < shared.measure_end and shared.sent < shared.max_requests:
            if writer is None or reader is None:
                try:
                    reader, writer = await asyncio.open_connection(HOST, port)
                except OSError:
                    shared.note("connect-error", 0.0, perf_counter())
                    await asyncio.sleep(0.05)
                    continue
            request = render()
            shared.sent += 1
            started = perf_counter()
            try:
                writer.write(request)
                status, keep_alive = await _read_response(reader)
            except asyncio.CancelledError:
                shared.unknown_total += 1
                raise
            except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError) as error:
                # The request may or may not have reached the server.
                shared.unknown_total += 1
                shared.note(type(error).__name__, started, perf_counter())
                writer.close()
                writer = reader = None
                continue
            shared.note(str(status), started, perf_counter())
            if not keep_alive:
                writer.close()
                writer = reader = None
    finally:
        if writer is not None:
            writer.close()


async def run_load(
    port: int,
    *,
    expect: int,
    connections: int = 32,
    warmup: float = 2.0,
    duration: float = 10.0,
    headers: dict[str, str] | None = None,
    path: str = PATH,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    server_cpu: Callable[[], float] | None = None,
) -> LoadResult:
    """Drive `connections` keep-alive connections against 127.0.0.1:`port`.

    `server_cpu`, when given, returns the server's cumulative CPU seconds; it is sampled at the
    start and end of the measurement window to report the server's CPU use.
    """
    if connections < 1 or duration <= 0 or warmup < 0:
        raise ValueError("connections must be >= 1, duration > 0 and warmup >= 0")
    template = RequestTemplate.build(port=port, path=path, headers=headers)
    begin = time.perf_counter()
    shared = _Shared(
        expect=expect,
        measure_start=begin + warmup,
        measure_end=begin + warmup + duration,
        max_requests=max_requests,
    )
    samples: dict[str, tuple[float, float, float | None]] = {}

    def sample(name: str) -> None:
        samples[name] = (
            time.perf_counter(),
            time.process_time(),
            server_cpu() if server_cpu is not None else None,
        )

    tasks = [asyncio.create_task(_connection(port, template, shared)) for _ in range(connections)]
    workers = asyncio.gather(*tasks)

    async def coordinator() -> None:
        # The window closes early when every connection stopped (max_requests reached).
        await asyncio.wait([workers], timeout=max(0.0, shared.measure_start - time.perf_counter()))
        sample("start")
        await asyncio.wait([workers], timeout=max(0.0, shared.measure_end - time.perf_counter()))
        sample("end")

    clock = asyncio.create_task(coordinator())
    try:
        async with asyncio.timeout(warmup + duration + DRAIN_SECONDS):
            await asyncio.gather(clock, workers)
    except TimeoutError:
        pass  # requests that never got an answer are counted in unknown_total
    finally:
        for task in (clock, *tasks):
            task.cancel()
        await asyncio.gather(clock, *tasks, return_exceptions=True)

    if "end" not in samples:
        sample("end")
    if "start" not in samples:
        samples["start"] = samples["end"]
    (t0, c0, s0), (t1, c1, s1) = samples["start"], samples["end"]
    window = min(t1, shared.measure_end) - shared.measure_start
    wall = t1 - t0
    return LoadResult(
        connections=connections,
        warmup_s=warmup,
        window_s=max(window, 0.0),
        ok=shared.ok,
        errors=shared.errors,
        ok_total=shared.ok_total,
        errors_total=shared.errors_total,
        unknown_total=shared.unknown_total,
        status_counts=dict(sorted(shared.status_counts.items())),
        latencies_ms=[latency * 1000 for latency in shared.latencies],
        client_cpu_pct=100 * (c1 - c0) / wall if wall > 0 else math.nan,
        server_cpu_pct=(
            100 * (s1 - s0) / wall if wall > 0 and s0 is not None and s1 is not None else None
        ),
    )


def run(coro: Coroutine[Any, Any, LoadResult]) -> LoadResult:
    """Run on uvloop when it is installed (it is, with uvicorn[standard]): a cheaper client."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="POST unique notifications to 127.0.0.1:PORT.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default=PATH)
    parser.add_argument("--expect", type=int, default=202, help="the status that counts as ok")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--authorization", help="value of the Authorization header")
    parser.add_argument("--max-requests", type=int, default=DEFAULT_MAX_REQUESTS)
    args = parser.parse_args(argv)
    headers = {"Authorization": args.authorization} if args.authorization else {}
    with contextlib.suppress(KeyboardInterrupt):
        result = run(
            run_load(
                args.port,
                expect=args.expect,
                connections=args.connections,
                warmup=args.warmup,
                duration=args.duration,
                headers=headers,
                path=args.path,
                max_requests=args.max_requests,
            )
        )
        print(
            f"{result.rps:.0f} req/s  p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms  "
            f"errors {result.errors}  client CPU {result.client_cpu_pct:.0f}%  "
            f"statuses {result.status_counts}"
        )
        return 0 if result.errors_total == 0 else 1
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
