"""Request helpers shared by the routers."""

from __future__ import annotations

from fastapi import Request

from app.errors import BadRequest, PayloadTooLarge
from app.resources import Resources


def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes without reading past the limit."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadRequest("The Content-Length header is not a number.") from None
        if size > limit:
            raise PayloadTooLarge(f"The body has {size} bytes; at most {limit} are accepted.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"The body has more than {limit} bytes.")
    return bytes(body)
