"""create_app(): lifespan (database, worker), middleware, error handlers, routers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TYPE_CHECKING

import structlog
from fastapi import FastAPI

from app import __version__
from app.api import deliveries, evaluate, health, notifications
from app.clients import Upstreams, build_upstreams
from app.clients.base import OriginGuard
from app.config import Settings, get_settings
from app.db.migrate import head_revision
from app.db.session import SessionFactory, create_engine, create_session_factory
from app.errors import install_error_handlers
from app.intake import IntakeWriter
from app.metrics import MetricsMiddleware
from app.pipeline.actions import ActionExecutor
from app.pipeline.runner import Pipeline
from app.resources import Resources
from app.scenarios import registered_scenarios
from app.worker.delivery import DeliveryWorker
from app.worker.retry import RetryPolicy

if TYPE_CHECKING:
    from app.sandbox.app import Sandbox

log = structlog.get_logger(__name__)

DESCRIPTION = """
zgw-gateway receives ZGW notifications from Open Notificaties, stores each one durably and
exactly once, decides what must happen and records why, and acts on it.

* **notifications**: the webhook Open Notificaties delivers to.
* **deliveries**: the admin trace of every notification (`Authorization: Bearer <admin key>`).
* **operations**: health and Prometheus metrics.

Every error is `application/problem+json` in the ZGW shape (`type, code, title, status, detail,
instance`, and `invalidParams` naming each field at fault).
"""

TAGS = [
    {"name": "notifications", "description": "Receiving notifications from Open Notificaties."},
    {"name": "deliveries", "description": "What happened to each notification, and why."},
    {"name": "operations", "description": "Health checks and metrics."},
]


def build_pipeline(
    settings: Settings, session_factory: SessionFactory, upstreams: Upstreams
) -> Pipeline:
    return Pipeline(
        registered_scenarios(settings, upstreams),
        OriginGuard(settings.endpoint_origins()),
        ActionExecutor(session_factory, upstreams),
    )


def retention_of(settings: Settings) -> timedelta | None:
    days = settings.gateway_retention_days
    return timedelta(days=days) if days is not None else None


def build_worker(
    settings: Settings, session_factory: SessionFactory, pipeline: Pipeline
) -> DeliveryWorker:
    return DeliveryWorker(
        session_factory,
        pipeline,
        batch_size=settings.gateway_worker_batch_size,
        concurrency=settings.gateway_worker_concurrency,
        poll_interval=settings.gateway_worker_poll_interval,
        lease=settings.gateway_lease_duration,
        shutdown_timeout=settings.gateway_shutdown_timeout,
        retention=retention_of(settings),
        retry=RetryPolicy(
            base_delay=settings.gateway_retry_base_delay,
            factor=settings.gateway_retry_factor,
            max_delay=settings.gateway_retry_max_delay,
            max_attempts=settings.gateway_retry_max_attempts,
            max_age=settings.gateway_retry_max_age,
            jitter=settings.gateway_retry_jitter,
        ),
    )


def create_app(
    settings: Settings | None = None, *, run_worker: bool = False, sandbox: Sandbox | None = None
) -> FastAPI:
    """The service. With `sandbox`, its stand-ins are mounted under `/sandbox` (the demo)."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        session_factory = create_session_factory(engine)
        upstreams = build_upstreams(settings)
        resources = Resources(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            head_revision=head_revision(),
            intake=IntakeWriter(engine),
            pipeline=build_pipeline(settings, session_factory, upstreams),
        )
        app.state.resources = resources
        resources.intake.start()
        stop = asyncio.Event()
        worker_task = None
        if run_worker:
            worker = build_worker(settings, session_factory, resources.pipeline)
            resources.worker_wakeup = worker.wakeup
            worker_task = asyncio.create_task(worker.run(stop), name="delivery-worker")
        log.info(
            "service_started", version=__version__, worker=run_worker, sandbox=sandbox is not None
        )
        try:
            yield
        finally:
            await resources.intake.stop()
            stop.set()
            if worker_task is not None:
                await worker_task
            await upstreams.aclose()
            await engine.dispose()
            log.info("service_stopped")

    app = FastAPI(
        title="zgw-gateway",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        # FastAPI's built-in OpenTelemetry hooks read the environment on every request and, once
        # a provider is configured, export exception messages and stack traces. The gateway has
        # its own metrics and scrubbed logs, so they stay off.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    install_error_handlers(app)
    app.add_middleware(MetricsMiddleware, access_log=settings.gateway_access_log)
    app.include_router(notifications.router)
    app.include_router(evaluate.router)
    app.include_router(deliveries.router)
    app.include_router(health.router)
    if sandbox is not None:
        from app.sandbox.embedded import MOUNT_PATH

        app.mount(MOUNT_PATH, sandbox.app, name="sandbox")
    return app
