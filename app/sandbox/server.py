"""`zgw-gateway sandbox`: the stand-ins alone, served by uvicorn (benchmarks, manual trials)."""

from __future__ import annotations

import uvicorn

from app.sandbox.app import SandboxConfig, create_sandbox


def run_sandbox(host: str, port: int, config: SandboxConfig) -> None:
    sandbox = create_sandbox(config)
    uvicorn.run(sandbox.app, host=host, port=port, log_config=None, access_log=False)
