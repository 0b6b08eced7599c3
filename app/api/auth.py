"""Who may call: the webhook (Open Notificaties' `auth` value or an OMC-style JWT) and admins."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any

import jwt
from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.api.deps import get_resources, read_body
from app.config import Settings
from app.errors import Forbidden, NotAuthenticated


def _matches_any(presented: str, accepted: list[str]) -> bool:
    """Constant-time comparison against every accepted value (no early exit)."""
    presented_bytes = presented.encode()
    found = False
    for value in accepted:
        found |= hmac.compare_digest(presented_bytes, value.encode())
    return found


def authenticate_notification(authorization: str | None, settings: Settings) -> str:
    """Return how the sender authenticated (`static` or `jwt`), or raise 403.

    403 also when the header is missing: the Notificaties API's callback check expects 403
    (401 is accepted by Open Notificaties only).
    """
    if not authorization:
        raise Forbidden("The Authorization header is missing.")
    static = [s.get_secret_value() for s in settings.gateway_notification_auth]
    if static and _matches_any(authorization, static):
        return "static"
    secret = settings.omc_auth_jwt_secret
    scheme, _, token = authorization.partition(" ")
    if secret is not None and scheme.lower() == "bearer" and token:
        options = {
            "verify_iss": settings.omc_auth_jwt_issuer is not None,
            "verify_aud": settings.omc_auth_jwt_audience is not None,
        }
        try:
            jwt.decode(
                token.strip(),
                secret.get_secret_value(),
                algorithms=["HS256"],
                issuer=settings.omc_auth_jwt_issuer,
                audience=settings.omc_auth_jwt_audience,
                options=options,  # type: ignore[arg-type]
            )
        except jwt.ExpiredSignatureError:
            raise Forbidden("The token in the Authorization header has expired.") from None
        except jwt.PyJWTError:
            pass
        else:
            return "jwt"
    raise Forbidden("The Authorization header is not accepted.")


def require_admin(request: Request) -> None:
    """FastAPI dependency: `Authorization: Bearer <one of GATEWAY_ADMIN_API_KEYS>`."""
    settings: Settings = request.app.state.resources.settings
    header = request.headers.get("authorization")
    if not header:
        raise NotAuthenticated(
            "Send an admin key as `Authorization: Bearer <key>`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    scheme, _, key = header.partition(" ")
    keys = [k.get_secret_value() for k in settings.gateway_admin_api_keys]
    if not keys:
        raise Forbidden("The admin API is disabled: GATEWAY_ADMIN_API_KEYS is empty.")
    if scheme.lower() != "bearer" or not _matches_any(key.strip(), keys):
        raise Forbidden("The admin key is not accepted.")


class AdminRoute(APIRoute):
    """An admin operation: the admin key is checked before FastAPI reads the body.

    FastAPI reads, decodes and validates a declared body before it runs any dependency, so with
    `Depends(require_admin)` alone a caller without a key would get a `400` about the body (and
    have an unbounded body parsed) instead of the `401`/`403` every admin operation documents.
    The body is then read here, refused with `413` beyond GATEWAY_MAX_BODY_BYTES.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def admin_only(request: Request) -> Response:
            require_admin(request)
            if request.method in ("POST", "PUT", "PATCH"):
                # Bounded like the webhook's; FastAPI then parses this copy, not the stream.
                limit = get_resources(request).settings.gateway_max_body_bytes
                request._body = await read_body(request, limit)
            return await handler(request)

        return admin_only
