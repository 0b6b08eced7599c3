"""The `zgw-gateway` command: serve, worker, migrate, check-config, sandbox."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import TextIO

import structlog
import uvicorn
from fastapi import FastAPI

from app.config import Settings
from app.config_check import ConfigReport, check_config
from app.logs import configure_logging

log = structlog.get_logger(__name__)


def _print_report(report: ConfigReport, *, stream: TextIO = sys.stderr) -> None:
    for problem in report.problems:
        print(f"problem: {problem}", file=stream)
    for warning in report.warnings:
        print(f"warning: {warning}", file=stream)


def _load_or_exit() -> Settings:
    report = check_config()
    if not report.ok or report.settings is None:
        print("The configuration has problems; nothing was started:", file=sys.stderr)
        _print_report(report)
        raise SystemExit(1)
    return report.settings


def cmd_check_config(args: argparse.Namespace) -> int:
    report = check_config()
    if report.ok:
        print("configuration ok")
        _print_report(report, stream=sys.stdout)
        return 0
    print(f"{len(report.problems)} problem(s) found:")
    _print_report(report, stream=sys.stdout)
    return 1


def cmd_migrate(args: argparse.Namespace) -> int:
    from app.db.migrate import upgrade

    settings = _load_or_exit()
    configure_logging(settings.gateway_log_level)
    upgrade(settings.database_url, args.revision)
    log.info("migrations_applied", revision=args.revision)
    return 0


def server_config(app: FastAPI, *, host: str, port: int) -> uvicorn.Config:
    """How the gateway is served (the intake benchmark serves its baseline the same way)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # our JSON logging (app/logs.py) handles uvicorn's loggers too
        access_log=False,  # GATEWAY_ACCESS_LOG switches on our own, route-template access log
        server_header=False,
        proxy_headers=True,
        timeout_graceful_shutdown=30,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from app.db.migrate import upgrade
    from app.main import create_app

    settings = _load_or_exit()
    configure_logging(settings.gateway_log_level)
    if not args.no_migrate:
        upgrade(settings.database_url)
        log.info("migrations_applied", revision="head")
    app = create_app(settings, run_worker=not args.no_worker)
    uvicorn.Server(server_config(app, host=args.host, port=args.port)).run()
    return 0


async def _run_worker(settings: Settings) -> None:
    from app.clients import build_upstreams
    from app.db.session import create_engine, create_session_factory
    from app.main import build_pipeline, build_worker

    engine = create_engine(settings.database_url)
    session_factory = create_session_factory(engine)
    upstreams = build_upstreams(settings)
    worker = build_worker(
        settings, session_factory, build_pipeline(settings, session_factory, upstreams)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await worker.run(stop)
    finally:
        await upstreams.aclose()
        await engine.dispose()


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _load_or_exit()
    configure_logging(settings.gateway_log_level)
    asyncio.run(_run_worker(settings))
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from app.sandbox.app import SandboxConfig
    from app.sandbox.server import run_sandbox

    configure_logging("INFO")
    clients = dict(item.split(":", 1) for item in args.zgw_client)
    config = SandboxConfig(
        base_url=args.base_url or f"http://{args.host}:{args.port}",
        zgw_clients=clients,
        validate_contracts=args.validate_contracts,
        latency_ms=args.latency_ms,
    )
    if args.openklant_token:
        config.openklant_token = args.openklant_token
    if args.objects_token:
        config.objects_token = args.objects_token
    if args.notify_api_key:
        config.notify_api_key = args.notify_api_key
    log.info("sandbox_started", base_url=config.base_url, contracts=config.validate_contracts)
    run_sandbox(args.host, args.port, config)
    return 0


def _env_default(name: str) -> str | None:
    return os.environ.get(name) or None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zgw-gateway",
        description="Receives ZGW notifications and acts on them (Notify NL, portal messages, "
        "processes). Configuration comes from the environment and an optional .env file.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the HTTP API with the delivery worker")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--no-worker", action="store_true", help="do not run the delivery worker in this process"
    )
    serve.add_argument(
        "--no-migrate", action="store_true", help="do not apply pending migrations at start"
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the delivery worker alone")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    migrate.add_argument("revision", nargs="?", default="head", help="target revision")
    migrate.set_defaults(func=cmd_migrate)

    check = sub.add_parser(
        "check-config", help="validate the configuration and print every problem"
    )
    check.set_defaults(func=cmd_check_config)

    sandbox = sub.add_parser(
        "sandbox",
        help="serve the stand-ins for Open Zaak, Open Klant, Objects API and Notify",
        description="Credentials default to the gateway's own variables, so a gateway configured "
        "with the same environment is accepted.",
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8001)
    sandbox.add_argument("--base-url", help="public base URL (default http://HOST:PORT)")
    default_client = (
        [f"{os.environ['ZGW_AUTH_JWT_ISSUER']}:{os.environ['ZGW_AUTH_JWT_SECRET']}"]
        if os.environ.get("ZGW_AUTH_JWT_ISSUER") and os.environ.get("ZGW_AUTH_JWT_SECRET")
        else []
    )
    sandbox.add_argument(
        "--zgw-client",
        action="append",
        default=default_client,
        metavar="CLIENT_ID:SECRET",
        help="a ZGW client the Open Zaak stand-in accepts (repeatable)",
    )
    sandbox.add_argument("--openklant-token", default=_env_default("ZGW_AUTH_KEY_OPENKLANT"))
    sandbox.add_argument("--objects-token", default=_env_default("ZGW_AUTH_KEY_OBJECTEN"))
    sandbox.add_argument("--notify-api-key", default=_env_default("NOTIFY_API_KEY"))
    sandbox.add_argument(
        "--latency-ms", type=float, default=0.0, help="added to every answer, like a network"
    )
    sandbox.add_argument(
        "--no-contracts",
        dest="validate_contracts",
        action="store_false",
        help="do not validate exchanges against the OpenAPI files",
    )
    sandbox.set_defaults(func=cmd_sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
