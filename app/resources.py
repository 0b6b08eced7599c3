"""What the running service holds: settings, database engine, sessions, the worker's wake-up."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings
from app.db.session import SessionFactory
from app.intake import IntakeWriter
from app.pipeline.runner import Pipeline


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    session_factory: SessionFactory
    head_revision: str | None
    intake: IntakeWriter
    pipeline: Pipeline
    worker_wakeup: asyncio.Event | None = field(default=None)
