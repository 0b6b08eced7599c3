"""The kill test: worker processes SIGKILLed at random moments must not lose or double anything.

    python -m tests.reliability.harness --database-url URL --workers N --notifications 500 \
        --kills 10 [--seed S] [--latency-ms 10] [--json]

Every part runs as the process an operator would run, talking real HTTP:

1. the sandbox (`zgw-gateway sandbox --latency-ms X`, contracts checked) stands in for Open
   Zaak, Open Klant and Notify;
2. `zgw-gateway migrate` builds the (empty) database;
3. `zgw-gateway serve --no-worker` takes the notifications on its webhook;
4. `workers` x `zgw-gateway worker` process them, with a short `GATEWAY_LEASE_DURATION` so
   that what a dead worker held is taken over quickly.

Cases are seeded through the sandbox's control API (`POST /_sandbox/decision-cases`) and their
notifications posted to the webhook while the workers run. Meanwhile a chaos loop kills: each
kill falls due when a random share (0-80 %) of the deliveries is final, so the kills are spread
over the run; it then waits a random moment (`--kill-interval`, default 0.05-0.5 s), picks a
random worker that holds claimed deliveries at that moment (`notifications.lease_owner`, so that
the kill lands mid-work), SIGKILLs it and starts a new worker in its place at once. Then the
harness waits (bounded by `--timeout`) until every delivery is final, stops the workers with
SIGTERM and checks:

- every delivery is `done`;
- the sandbox's Notify holds exactly one message per notification: as many messages as
  notifications, every action id (the Notify `reference`) exactly once, no reference that is
  not an action of ours, one message per case (zaak identificatie);
- no action is left `pending` (in limbo) and no attempt is left open;
- killed workers left `abandoned` attempts behind (otherwise no kill hit work in flight and the
  run proves nothing);
- the workers stopped by SIGTERM exited cleanly, and the sandbox saw no contract violation.

`run_kill_test` is the same as a coroutine for the test suite (tests/reliability/test_kill.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.session import create_engine
from app.sandbox import DECISION_EMAIL_TEMPLATE_ID, DECISION_SMS_TEMPLATE_ID
from tests.helpers import WEBHOOK_TOKEN, free_port, gateway_env

REPO_ROOT = Path(__file__).resolve().parents[2]
ZGW_CLIENT_ID = "zgw-gateway-kill-test"
ZGW_SECRET = "kill-test-zgw-secret-0123456789abcdef0123"
OPENKLANT_TOKEN = "kill-test-openklant-token-0123456789"
OBJECTS_TOKEN = "kill-test-objects-token-0123456789"
NOTIFY_KEY = "kill_test-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e"
FINAL = ("done", "skipped", "failed")


@dataclass
class KillConfig:
    database_url: str
    workers: int = 3
    notifications: int = 500
    kills: int = 10
    seed: int | None = None
    latency_ms: float = 10.0
    lease: timedelta = timedelta(seconds=2)
    concurrency: int = 16
    kill_interval: tuple[float, float] = (0.05, 0.5)  # seconds from "a kill is due" to it
    kill_progress: tuple[float, float] = (0.0, 0.8)  # kills fall due in this share of the work
    timeout: float = 120.0  # for the whole run, start to final check
    workdir: Path | None = None  # logs; a temporary directory when None


@dataclass
class Summary:
    database: str
    workers: int
    notifications: int
    seed: int
    latency_ms: float
    lease_s: float
    concurrency: int
    worker_runs: int = 0  # worker processes started (initial ones and replacements)
    kills_planned: int = 0
    kills: int = 0
    kills_with_claims: int = 0  # the victim held claimed deliveries just before the kill
    kills_mid_action: int = 0  # ... and one of them had a `pending` action (send in flight)
    claims_at_kills: int = 0  # deliveries the victims held, summed over the kills
    kills_confirmed: int = 0  # victims that left abandoned attempts behind (seen afterwards)
    killed_workers: list[str] = field(default_factory=list)  # their worker ids
    statuses: dict[str, int] = field(default_factory=dict)
    messages: int = 0
    duplicates: int = 0  # Notify messages beyond one per notification
    losses: int = 0  # notifications without their Notify message
    foreign_messages: int = 0  # messages whose reference is no action of ours
    actions: int = 0
    actions_adopted: int = 0  # pending actions a retry found in Notify (not sent again)
    actions_in_limbo: int = 0  # actions not `done` at the end
    attempts: int = 0
    attempts_abandoned: int = 0  # attempts of a killed worker, closed when its lease ran out
    attempts_open: int = 0
    max_attempts: int = 0  # the most attempts one delivery needed
    leases_lost: int = 0  # a worker found, when done, that another had taken its delivery over
    unclean_exits: list[str] = field(default_factory=list)
    contract_violations: list[str] = field(default_factory=list)
    sandbox_cpu_s: float = 0.0
    seconds_feeding: float = 0.0
    seconds_total: float = 0.0
    workdir: str = ""
    timed_out: bool = False

    def problems(self) -> list[str]:
        """Everything that makes the run a failure; empty when it passed."""
        found = []
        if self.timed_out:
            found.append(f"not every delivery became final in time: {self.statuses}")
        if self.statuses.get("done", 0) != self.notifications:
            found.append(f"{self.notifications} deliveries, not all done: {self.statuses}")
        if self.messages != self.notifications:
            found.append(f"{self.messages} Notify messages for {self.notifications} notifications")
        if self.duplicates:
            found.append(f"{self.duplicates} duplicate Notify message(s)")
        if self.losses:
            found.append(f"{self.losses} notification(s) without a Notify message")
        if self.foreign_messages:
            found.append(f"{self.foreign_messages} message(s) with an unknown reference")
        if self.actions_in_limbo:
            found.append(f"{self.actions_in_limbo} action(s) not done (in limbo)")
        if self.attempts_open:
            found.append(f"{self.attempts_open} attempt(s) left open")
        if self.kills < self.kills_planned:
            found.append(f"{self.kills} kills, not the {self.kills_planned} planned")
        if self.kills_confirmed == 0:
            found.append(
                f"no kill hit work in flight ({self.kills_with_claims} kills with claims, "
                f"{self.attempts_abandoned} abandoned attempts): the run proves nothing"
            )
        found.extend(f"worker did not stop cleanly: {exit}" for exit in self.unclean_exits)
        found.extend(f"contract violation: {v[:300]}" for v in self.contract_violations)
        return found

    def as_text(self) -> str:
        lines = [
            f"kill test on {self.database}: {self.workers} worker(s), "
            f"{self.notifications} notifications, seed {self.seed}",
            f"  sandbox latency {self.latency_ms:g} ms, lease {self.lease_s:g} s, "
            f"worker concurrency {self.concurrency}",
            f"  worker runs:        {self.worker_runs}",
            f"  kills (SIGKILL):    {self.kills} ({self.kills_with_claims} while the victim held "
            f"claimed deliveries, {self.claims_at_kills} in total; {self.kills_mid_action} with "
            f"a send in flight; {self.kills_confirmed} victims left abandoned attempts)",
            f"  deliveries:         {_statuses(self.statuses)}",
            f"  notify messages:    {self.messages}",
            f"  duplicates:         {self.duplicates}",
            f"  losses:             {self.losses}",
            f"  actions:            {self.actions} ({self.actions_adopted} adopted after a lost "
            f"answer, {self.actions_in_limbo} in limbo)",
            f"  attempts:           {self.attempts} ({self.attempts_abandoned} abandoned by "
            f"killed workers, {self.attempts_open} open; at most {self.max_attempts} for one "
            "delivery)",
            f"  leases lost:        {self.leases_lost} (deliveries taken over from a live worker)",
            f"  contract violations: {len(self.contract_violations)}",
            f"  wall time:          {self.seconds_total:.1f} s "
            f"(feeding {self.seconds_feeding:.1f} s; sandbox CPU {self.sandbox_cpu_s:.1f} s)",
            f"  logs:               {self.workdir}",
        ]
        problems = self.problems()
        lines.append("result: " + ("PASSED" if not problems else "FAILED"))
        lines.extend(f"  - {problem}" for problem in problems)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "problems": self.problems()}


def _statuses(statuses: dict[str, int]) -> str:
    return ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()) if count)


# --- processes -------------------------------------------------------------------------------


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "app.cli", *args]


def _worker_env(config: KillConfig, sandbox: str) -> dict[str, str]:
    lease = config.lease.total_seconds()
    return gateway_env(
        config.database_url,
        REPO_ROOT,
        GATEWAY_LOG_LEVEL="INFO",
        GATEWAY_LEASE_DURATION=f"PT{lease:g}S",
        GATEWAY_WORKER_POLL_INTERVAL="PT0.05S",
        GATEWAY_WORKER_CONCURRENCY=str(config.concurrency),
        GATEWAY_WORKER_BATCH_SIZE=str(config.concurrency),
        GATEWAY_RETRY_BASE_DELAY="PT0.1S",
        GATEWAY_RETRY_MAX_DELAY="PT1S",
        GATEWAY_SHUTDOWN_TIMEOUT="PT10S",
        ZGW_AUTH_JWT_ISSUER=ZGW_CLIENT_ID,
        ZGW_AUTH_JWT_SECRET=ZGW_SECRET,
        ZGW_ENDPOINT_OPENZAAK=f"{sandbox}/zaken/api/v1",
        ZGW_ENDPOINT_BESLUITEN=f"{sandbox}/besluiten/api/v1",
        ZGW_ENDPOINT_OPENKLANT=f"{sandbox}/klantinteracties/api/v1",
        ZGW_AUTH_KEY_OPENKLANT=OPENKLANT_TOKEN,
        NOTIFY_API_BASEURL=sandbox,
        NOTIFY_API_KEY=NOTIFY_KEY,
        NOTIFY_TEMPLATEID_EMAIL_DECISIONMADE=DECISION_EMAIL_TEMPLATE_ID,
        NOTIFY_TEMPLATEID_SMS_DECISIONMADE=DECISION_SMS_TEMPLATE_ID,
        ZGW_WHITELIST_DECISIONMADE_IDS="*",
        ZGW_VARIABLE_OBJECTTYPE_DECISIONINFOOBJECTTYPE_UUIDS="*",
    )


class Process:
    """One subprocess with its log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.log_path = workdir / f"{name}.log"
        self._log: IO[str] = self.log_path.open("w")
        self.popen = subprocess.Popen(
            args, cwd=workdir, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        self.popen.kill()
        self.popen.wait(timeout=10)
        self._log.close()

    def terminate(self, timeout: float = 30) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self._log.close()
        return self.popen.returncode

    def cpu_seconds(self) -> float:
        """User + system CPU time so far (Linux); 0 when unknown."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


async def _wait_http(process: Process, url: str, deadline: float) -> None:
    async with httpx.AsyncClient(timeout=1, trust_env=False) as client:
        while True:
            if not process.alive():
                raise RuntimeError(f"{process.name} died at start:\n{process.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{process.name} did not become ready:\n{process.log_tail()}")
            await asyncio.sleep(0.05)


@contextlib.contextmanager
def _stopped_at_exit(processes: list[Process]) -> Iterator[None]:
    try:
        yield
    finally:
        for process in processes:
            if process.alive():
                process.terminate(timeout=10)


# --- database --------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def _scalar(engine: AsyncEngine, sql: str, **params: Any) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(sql), params)).scalar_one())


async def _claims_of(engine: AsyncEngine, worker_id: str) -> tuple[int, int]:
    """(deliveries `worker_id` holds, of those with a `pending` action) right now."""
    held = await _scalar(
        engine,
        "SELECT count(*) FROM notifications WHERE status = 'processing' AND lease_owner = :w",
        w=worker_id,
    )
    sending = await _scalar(
        engine,
        "SELECT count(*) FROM delivery_actions a JOIN notifications n "
        "ON n.id = a.notification_id "
        "WHERE a.status = 'pending' AND n.status = 'processing' AND n.lease_owner = :w",
        w=worker_id,
    )
    return held, sending


async def _statuses_now(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT status, count(*) FROM notifications GROUP BY status")
        )
        return {status: int(count) for status, count in rows.all()}


# --- the run ---------------------------------------------------------------------------------


async def run_kill_test(config: KillConfig) -> Summary:
    seed = config.seed if config.seed is not None else random.randrange(1_000_000)
    chaos = random.Random(seed)
    summary = Summary(
        database="postgresql" if config.database_url.startswith("postgresql") else "sqlite",
        workers=config.workers,
        notifications=config.notifications,
        seed=seed,
        latency_ms=config.latency_ms,
        lease_s=config.lease.total_seconds(),
        concurrency=config.concurrency,
        kills_planned=config.kills,
    )
    workdir = config.workdir or Path(tempfile.mkdtemp(prefix="zgw-kill-test-"))
    workdir.mkdir(parents=True, exist_ok=True)
    summary.workdir = str(workdir)
    started = time.monotonic()
    deadline = started + config.timeout

    sandbox_port, gateway_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    gateway_url = f"http://127.0.0.1:{gateway_port}"
    env = _worker_env(config, sandbox_url)
    processes: list[Process] = []

    migrate = subprocess.run(
        _command("migrate"), cwd=workdir, env=env, capture_output=True, text=True, timeout=120
    )
    if migrate.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{migrate.stdout}{migrate.stderr}")

    with _stopped_at_exit(processes):
        sandbox = Process(
            "sandbox",
            _command(
                "sandbox",
                "--port",
                str(sandbox_port),
                "--latency-ms",
                f"{config.latency_ms:g}",
                "--zgw-client",
                f"{ZGW_CLIENT_ID}:{ZGW_SECRET}",
                "--openklant-token",
                OPENKLANT_TOKEN,
                "--objects-token",
                OBJECTS_TOKEN,
                "--notify-api-key",
                NOTIFY_KEY,
            ),
            env,
            workdir,
        )
        processes.append(sandbox)
        serve = Process(
            "serve",
            _command("serve", "--no-worker", "--no-migrate", "--port", str(gateway_port)),
            env,
            workdir,
        )
        processes.append(serve)
        await _wait_http(sandbox, f"{sandbox_url}/_sandbox/stats", deadline)
        await _wait_http(serve, f"{gateway_url}/health/ready", deadline)

        async with (
            _engine(config.database_url) as engine,
            httpx.AsyncClient(base_url=sandbox_url, timeout=30, trust_env=False) as box,
            httpx.AsyncClient(base_url=gateway_url, timeout=30, trust_env=False) as gateway,
        ):
            if await _scalar(engine, "SELECT count(*) FROM notifications"):
                raise RuntimeError(f"the database {config.database_url} is not empty")

            hostname = socket.gethostname()
            slots: list[Process] = []

            def start_worker(slot: int) -> Process:
                summary.worker_runs += 1
                worker = Process(
                    f"worker-{slot}-run-{summary.worker_runs}", _command("worker"), env, workdir
                )
                processes.append(worker)
                return worker

            slots = [start_worker(slot) for slot in range(config.workers)]

            # Seeding is quick (no latency on the control API); posting goes through the real
            # webhook, concurrently with the workers and the kills.
            cases: list[dict[str, Any]] = []
            for _ in range(config.notifications):
                response = await box.post("/_sandbox/decision-cases", json={})
                response.raise_for_status()
                cases.append(response.json())

            async def feed() -> None:
                feed_started = time.monotonic()
                queue = list(reversed(cases))

                async def poster() -> None:
                    while queue:
                        case = queue.pop()
                        response = await gateway.post(
                            "/api/v1/notifications",
                            json=case["notification"],
                            headers={"Authorization": WEBHOOK_TOKEN},
                        )
                        if response.status_code != 202:
                            raise RuntimeError(f"webhook answered {response.status_code}")

                await asyncio.gather(*(poster() for _ in range(4)))
                summary.seconds_feeding = time.monotonic() - feed_started

            # Kills are spread over the run: each one is due when a random share of the
            # deliveries is final, and lands a random moment later on a random worker that
            # holds claimed deliveries then. (Killing at fixed intervals instead would hit the
            # replacement worker again and again while it starts, before it does any work.)
            due_at = sorted(
                int(chaos.uniform(*config.kill_progress) * config.notifications)
                for _ in range(config.kills)
            )

            async def kill_loop() -> None:
                for due in due_at:
                    while await _final_count(engine) < due:
                        if time.monotonic() > deadline:
                            return
                        await asyncio.sleep(0.05)
                    while time.monotonic() < deadline:
                        await asyncio.sleep(chaos.uniform(*config.kill_interval))  # the chaos
                        if await _final_count(engine) == config.notifications:
                            return  # nothing left to interrupt
                        order = list(range(len(slots)))
                        chaos.shuffle(order)
                        for slot in order:
                            victim = slots[slot]
                            held, sending = await _claims_of(engine, f"{hostname}:{victim.pid}")
                            if held:
                                break
                        else:
                            continue  # nobody holds work right now (starting up): a bit later
                        victim.kill()
                        slots[slot] = start_worker(slot)
                        summary.kills += 1
                        summary.killed_workers.append(f"{hostname}:{victim.pid}")
                        summary.claims_at_kills += held
                        summary.kills_with_claims += held > 0
                        summary.kills_mid_action += sending > 0
                        break

            await asyncio.gather(feed(), kill_loop())

            while not await _finished(engine, config.notifications):
                if time.monotonic() > deadline:
                    summary.timed_out = True
                    break
                for slot, worker in enumerate(slots):
                    if not worker.alive():
                        summary.unclean_exits.append(f"{worker.name}: {worker.log_tail(5)}")
                        slots[slot] = start_worker(slot)
                await asyncio.sleep(0.05)

            for worker in slots:
                code = worker.terminate()
                if code != 0:
                    summary.unclean_exits.append(f"{worker.name} exited {code}")
                elif "Traceback" in worker.log_path.read_text(errors="replace"):
                    summary.unclean_exits.append(f"{worker.name} logged a traceback")

            await _check(summary, engine, box)
            summary.leases_lost = sum(
                path.read_text(errors="replace").count('"event": "lease_lost"')
                for path in workdir.glob("worker-*.log")
            )
            summary.sandbox_cpu_s = sandbox.cpu_seconds()
        summary.seconds_total = time.monotonic() - started
    return summary


async def _final_count(engine: AsyncEngine) -> int:
    statuses = await _statuses_now(engine)
    return sum(statuses.get(s, 0) for s in FINAL)


async def _finished(engine: AsyncEngine, expected: int) -> bool:
    return await _final_count(engine) == expected


async def _check(summary: Summary, engine: AsyncEngine, box: httpx.AsyncClient) -> None:
    summary.statuses = await _statuses_now(engine)
    async with engine.connect() as connection:
        actions = (
            await connection.execute(
                text("SELECT id, notification_id, kind, status, result FROM delivery_actions")
            )
        ).all()
        attempts = (
            await connection.execute(
                text("SELECT notification_id, worker, outcome, finished_at FROM delivery_attempts")
            )
        ).all()
        notification_ids = {
            str(row[0])
            for row in (await connection.execute(text("SELECT id FROM notifications"))).all()
        }

    summary.actions = len(actions)
    summary.actions_in_limbo = sum(1 for a in actions if a.status != "done")
    summary.actions_adopted = sum(1 for a in actions if _result(a.result).get("adopted"))
    summary.attempts = len(attempts)
    summary.attempts_abandoned = sum(1 for a in attempts if a.outcome == "abandoned")
    summary.attempts_open = sum(1 for a in attempts if a.finished_at is None)
    abandoned_by = {a.worker for a in attempts if a.outcome == "abandoned"}
    summary.kills_confirmed = len(abandoned_by & set(summary.killed_workers))
    per_delivery = Counter(str(a.notification_id) for a in attempts)
    summary.max_attempts = max(per_delivery.values(), default=0)

    messages = (await box.get("/_sandbox/notify/messages")).json()
    summary.messages = len(messages)
    by_reference = Counter(m["reference"] for m in messages)
    references = {_uuid(a.id) for a in actions if a.kind in ("notify_email", "notify_sms")}
    summary.duplicates = sum(count - 1 for count in by_reference.values() if count > 1)
    summary.foreign_messages = sum(
        count for reference, count in by_reference.items() if reference not in references
    )
    # A notification is lost when its action never reached Notify (or it has no action).
    with_action = {str(a.notification_id) for a in actions}
    summary.losses = len(notification_ids - with_action) + sum(
        1 for reference in references if reference not in by_reference
    )
    # One message per case as well: a second send under another reference would show here.
    by_case = Counter(m["personalisation"].get("zaak.identificatie") for m in messages)
    summary.duplicates = max(
        summary.duplicates, sum(count - 1 for count in by_case.values() if count > 1)
    )
    summary.contract_violations = (await box.get("/_sandbox/contract-violations")).json()
    if summary.contract_violations:  # in full; the summary shortens them
        Path(summary.workdir, "contract-violations.txt").write_text(
            "\n\n".join(summary.contract_violations)
        )


def _result(value: Any) -> dict[str, Any]:
    if isinstance(value, str):  # SQLite hands JSON back as text
        loaded: dict[str, Any] = json.loads(value)
        return loaded
    return dict(value or {})


def _uuid(value: Any) -> str:
    """An action id as Notify saw it (SQLite stores UUIDs as 32 hex digits)."""
    return str(uuid.UUID(str(value)))


# --- command line ----------------------------------------------------------------------------


def _interval(value: str) -> tuple[float, float]:
    low, _, high = value.partition(",")
    return float(low), float(high or low)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.reliability.harness", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--database-url",
        required=True,
        help="an empty database: sqlite+aiosqlite:///path.db or postgresql+asyncpg://...",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--notifications", type=int, default=500)
    parser.add_argument("--kills", type=int, default=10, help="SIGKILLs (at least)")
    parser.add_argument("--seed", type=int, help="for the random moments and victims")
    parser.add_argument("--latency-ms", type=float, default=10.0, help="sandbox latency")
    parser.add_argument("--lease-seconds", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16, help="per worker")
    parser.add_argument(
        "--kill-interval", type=_interval, default=(0.05, 0.5), metavar="MIN,MAX", help="seconds"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds, whole run")
    parser.add_argument("--workdir", type=Path, help="where the logs go (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args(argv)
    config = KillConfig(
        database_url=args.database_url,
        workers=args.workers,
        notifications=args.notifications,
        kills=args.kills,
        seed=args.seed,
        latency_ms=args.latency_ms,
        lease=timedelta(seconds=args.lease_seconds),
        concurrency=args.concurrency,
        kill_interval=args.kill_interval,
        timeout=args.timeout,
        workdir=args.workdir,
    )
    summary = asyncio.run(run_kill_test(config))
    print(json.dumps(summary.as_dict(), indent=2) if args.json else summary.as_text())
    return 1 if summary.problems() else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
