"""The baseline: a bare FastAPI endpoint answering 204, on the gateway's own uvicorn settings.

    python -m bench.bare_app --port 8001

It is served by the very `server_config()` of `zgw-gateway serve` (app/cli.py), so the difference
between this and the gateway is the gateway's own work, not the server's configuration.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI, Response

from app.cli import server_config

app = FastAPI()


@app.post("/api/v1/notifications", status_code=204)
async def receive_notification() -> Response:
    return Response(status_code=204)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a bare 204 endpoint for benchmarking.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8001, help="port to listen on")
    args = parser.parse_args(argv)
    uvicorn.Server(server_config(app, host=args.host, port=args.port)).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
