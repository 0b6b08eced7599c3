"""The `zgw-gateway` command: serve, worker, migrate, check-config, subscribe, unsubscribe,
sandbox."""

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
from app.sandbox.examples import EXAMPLES as EXAMPLE_SCENARIOS

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
        if report.settings is not None and report.settings.sandbox_enabled:
            print("sandbox: on (`serve` mounts the stand-ins under /sandbox; see README)")
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
    sandbox = None
    if settings.sandbox_enabled:
        from app.sandbox.embedded import embedded_sandbox, sandbox_base_url, settings_for_sandbox

        host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        base_url = sandbox_base_url(args.public_url or f"http://{host}:{args.port}")
        sandbox = embedded_sandbox(base_url)
        settings = settings_for_sandbox(settings, base_url)
        _announce_sandbox(base_url, settings)
    app = create_app(settings, run_worker=not args.no_worker, sandbox=sandbox)
    uvicorn.Server(server_config(app, host=args.host, port=args.port)).run()
    return 0


def _announce_sandbox(base_url: str, settings: Settings) -> None:
    """Say loudly, in the log and on the terminal, that nothing reaches a real service."""
    reason = (
        "GATEWAY_SANDBOX=true"
        if settings.gateway_sandbox
        else "no ZGW_ENDPOINT_* or NOTIFY_API_BASEURL is configured"
    )
    log.warning(
        "sandbox_mode",
        reason=reason,
        sandbox=base_url,
        detail="every upstream endpoint points at the built-in sandbox; nothing reaches a "
        "real service or citizen",
    )
    public = base_url.removesuffix("/sandbox")
    lines = [
        "SANDBOX MODE: " + reason + ".",
        f"Every endpoint points at the built-in stand-ins under {base_url};",
        "nothing reaches a real service or a citizen.",
        "",
        "  send an example:   zgw-gateway send-example decision_made",
        f"  sent messages:     {base_url}/notify",
        f"  API docs:          {public}/docs",
        f"  sandbox controls:  {base_url}/_sandbox/docs",
        "",
        "Configure ZGW_ENDPOINT_* and NOTIFY_API_BASEURL (see README) to use real services.",
    ]
    bar = "=" * 78
    print("\n".join([bar, *lines, bar]), file=sys.stderr, flush=True)


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
    if settings.sandbox_enabled:
        print(
            "The sandbox lives inside `zgw-gateway serve` (with its worker); a separate worker "
            "needs real endpoints (ZGW_ENDPOINT_*, NOTIFY_API_BASEURL) or GATEWAY_SANDBOX=false.",
            file=sys.stderr,
        )
        return 1
    configure_logging(settings.gateway_log_level)
    asyncio.run(_run_worker(settings))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from app.db.session import create_engine, create_session_factory
    from app.main import retention_of
    from app.worker.delivery import purge_older_than

    settings = _load_or_exit()
    configure_logging(settings.gateway_log_level)
    retention = retention_of(settings)
    if retention is None:
        print("GATEWAY_RETENTION_DAYS is empty: everything is kept; nothing purged")
        return 0

    async def purge() -> None:
        engine = create_engine(settings.database_url)
        try:
            result = await purge_older_than(create_session_factory(engine), retention)
        finally:
            await engine.dispose()
        print(
            f"purged deliveries received more than {retention.days} days ago: "
            f"{result.deleted} deleted (no action), {result.redacted} reduced to their actions"
        )

    asyncio.run(purge())
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


def webhook_authorization(settings: Settings) -> str | None:
    """An Authorization header the webhook accepts: the first static value, else an OMC JWT."""
    if settings.gateway_notification_auth:
        return settings.gateway_notification_auth[0].get_secret_value()
    if settings.omc_auth_jwt_secret is None:
        return None
    import time

    import jwt

    claims: dict[str, object] = {"iat": int(time.time()), "exp": int(time.time()) + 300}
    if settings.omc_auth_jwt_issuer:
        claims["iss"] = settings.omc_auth_jwt_issuer
    if settings.omc_auth_jwt_audience:
        claims["aud"] = settings.omc_auth_jwt_audience
    token = jwt.encode(claims, settings.omc_auth_jwt_secret.get_secret_value(), "HS256")
    return f"Bearer {token}"


def cmd_send_example(args: argparse.Namespace) -> int:
    from app.send_example import ExampleFailed, ExampleRun, send_example

    settings = _load_or_exit()
    authorization = webhook_authorization(settings)
    if authorization is None:
        print("GATEWAY_NOTIFICATION_AUTH is empty: no way to post to the webhook", file=sys.stderr)
        return 1
    admin = settings.gateway_admin_api_keys
    run = ExampleRun(
        gateway_url=args.url,
        webhook_auth=authorization,
        admin_key=admin[0].get_secret_value() if admin else None,
        timeout=args.timeout,
    )
    try:
        trace = send_example(run, args.scenario, sys.stdout)
    except ExampleFailed as failed:
        print(f"send-example: {failed}", file=sys.stderr)
        return 1
    return 1 if trace.get("status") == "failed" else 0


def _sandbox_aware(settings: Settings, callback_url: str) -> Settings:
    """In sandbox mode, Open Notificaties is the stand-in inside the gateway being subscribed."""
    if not settings.sandbox_enabled:
        return settings
    from urllib.parse import urlsplit

    from app.sandbox.embedded import sandbox_base_url, settings_for_sandbox

    parts = urlsplit(callback_url)
    base_url = sandbox_base_url(f"{parts.scheme}://{parts.netloc}")
    print(f"sandbox mode: using the Open Notificaties stand-in at {base_url}")
    return settings_for_sandbox(settings, base_url)


def cmd_subscribe(args: argparse.Namespace) -> int:
    from app.subscriptions import SubscriptionError, subscribe

    settings = _sandbox_aware(_load_or_exit(), args.callback_url)
    try:
        result = asyncio.run(subscribe(settings, args.callback_url))
    except SubscriptionError as error:
        print(f"subscribe failed: {error}", file=sys.stderr)
        return 1
    print(f"abonnement {'created' if result.created else 'updated'}: {result.abonnement_url}")
    print(f"  callback URL:  {result.callback_url}")
    print(f"  kanalen:       {', '.join(result.kanalen) or '(none)'}")
    print(f"  callback test: {result.callback_test}")
    for duplicate in result.duplicates:
        print(f"warning: another abonnement has this callback URL too: {duplicate}")
    return 0


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    from app.subscriptions import SubscriptionError, unsubscribe

    settings = _sandbox_aware(_load_or_exit(), args.callback_url)
    try:
        result = asyncio.run(unsubscribe(settings, args.callback_url))
    except SubscriptionError as error:
        print(f"unsubscribe failed: {error}", file=sys.stderr)
        return 1
    if not result.deleted:
        print(f"no abonnement with callback URL {result.callback_url}; nothing deleted")
    for url in result.deleted:
        print(f"abonnement deleted: {url}")
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
    serve.add_argument(
        "--public-url",
        help="URL the service is reached at (default http://HOST:PORT); the embedded sandbox "
        "puts it in the URLs it hands out",
    )
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the delivery worker alone")
    worker.set_defaults(func=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply database migrations (alembic upgrade)")
    migrate.add_argument("revision", nargs="?", default="head", help="target revision")
    migrate.set_defaults(func=cmd_migrate)

    purge = sub.add_parser(
        "purge",
        help="apply the retention (GATEWAY_RETENTION_DAYS) now; workers also do it hourly",
    )
    purge.set_defaults(func=cmd_purge)

    check = sub.add_parser(
        "check-config", help="validate the configuration and print every problem"
    )
    check.set_defaults(func=cmd_check_config)

    example = sub.add_parser(
        "send-example",
        help="post an example notification to a running gateway (on its sandbox) and print "
        "the trace",
        description="Seeds a fresh case in the gateway's embedded sandbox, posts the "
        "notification Open Zaak would send for it to the webhook, waits until the delivery is "
        "final and prints its checks, actions and the message as the sandbox's Notify rendered "
        "it. Uses GATEWAY_NOTIFICATION_AUTH and GATEWAY_ADMIN_API_KEYS from the environment.",
    )
    example.add_argument(
        "scenario",
        nargs="?",
        default="decision_made",
        choices=sorted(EXAMPLE_SCENARIOS),
        help="which scenario's notification (default: decision_made)",
    )
    example.add_argument(
        "--url", default="http://127.0.0.1:8000", help="the running gateway (default: %(default)s)"
    )
    example.add_argument(
        "--timeout", type=float, default=30.0, help="seconds to wait for a final trace"
    )
    example.set_defaults(func=cmd_send_example)

    for name, func, text in (
        (
            "subscribe",
            cmd_subscribe,
            "create or update the gateway's abonnement in Open Notificaties "
            "(ZGW_ENDPOINT_OPENNOTIFICATIES) for the kanalen its scenarios need",
        ),
        ("unsubscribe", cmd_unsubscribe, "delete the abonnement(s) with this callback URL"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument(
            "--callback-url",
            required=True,
            metavar="URL",
            help="the gateway's webhook as Open Notificaties reaches it, e.g. "
            "https://gateway.gemeente.nl/api/v1/notifications",
        )
        command.set_defaults(func=func)

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
