"""Error hierarchy and the one problem+json shape (ZGW `Fout` / `ValidatieFout`).

Every error response of the gateway is `application/problem+json` with `type, code, title,
status, detail, instance` and, for validation errors, `invalidParams[{name, code, reason}]`.
FastAPI's 422 is mapped to the ZGW 400 shape; unexpected exceptions become a 500 problem without
a stack trace, logged with the same `instance` id so an operator can find it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class InvalidParam(BaseModel):
    name: str
    code: str
    reason: str


class Problem(BaseModel):
    """RFC 7807 problem, as the ZGW APIs spell it."""

    type: str
    code: str
    title: str
    status: int
    detail: str
    instance: str
    invalidParams: list[InvalidParam] | None = None


class ProblemError(Exception):
    status = 500
    code = "error"
    title = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        invalid_params: Sequence[InvalidParam] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.invalid_params = list(invalid_params) if invalid_params is not None else None
        self.headers = dict(headers or {})


class BadRequest(ProblemError):
    status = 400
    code = "invalid"
    title = "Invalid input"


class ParseError(BadRequest):
    code = "parse_error"
    title = "The request body is not valid JSON"


class NotAuthenticated(ProblemError):
    status = 401
    code = "not_authenticated"
    title = "Authentication credentials were not provided"


class Forbidden(ProblemError):
    status = 403
    code = "permission_denied"
    title = "Not allowed"


class NotFound(ProblemError):
    status = 404
    code = "not_found"
    title = "Not found"


class PayloadTooLarge(ProblemError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class ServiceUnavailable(ProblemError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


def problem_response(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    invalid_params: Sequence[InvalidParam] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"urn:zgw-gateway:error:{code}",
        code=code,
        title=title,
        status=status,
        detail=detail,
        instance=instance or f"urn:uuid:{uuid.uuid4()}",
        invalidParams=list(invalid_params) if invalid_params is not None else None,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=dict(headers or {}),
    )


_PYDANTIC_CODES = {
    "missing": "required",
    "string_too_long": "max_length",
    "string_too_short": "min_length",
    "too_long": "max_length",
    "too_short": "min_length",
    "string_type": "invalid_type",
    "dict_type": "invalid_type",
    "model_type": "invalid_type",
    "model_attributes_type": "invalid_type",
    "int_parsing": "invalid",
    "datetime_from_date_parsing": "invalid_datetime",
    "datetime_parsing": "invalid_datetime",
    "datetime_type": "invalid_datetime",
    "uuid_parsing": "invalid_uuid",
    "json_invalid": "parse_error",
    "enum": "invalid_choice",
    "literal_error": "invalid_choice",
}


def invalid_params_from_errors(
    errors: Iterable[Mapping[str, Any]], *, skip_prefix: tuple[str, ...] = ()
) -> list[InvalidParam]:
    """Translate pydantic errors to ZGW `invalidParams` with dotted field names."""
    params = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        while loc and loc[0] in skip_prefix:
            loc = loc[1:]
        name = ".".join(loc) or "nonFieldErrors"
        error_type = str(error.get("type", "invalid"))
        code = _PYDANTIC_CODES.get(
            error_type, error_type if error_type.isidentifier() else "invalid"
        )
        reason = str(error.get("msg", "invalid value"))
        params.append(InvalidParam(name=name, code=code, reason=reason))
    return params


async def _handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        invalid_params=exc.invalid_params,
        headers=exc.headers,
    )


async def _handle_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params = invalid_params_from_errors(
        exc.errors(), skip_prefix=("body", "query", "path", "header")
    )
    return problem_response(
        status=400,
        code="invalid",
        title="Invalid input",
        detail="The request is not valid; see invalidParams.",
        invalid_params=params,
    )


_HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 406: "Not acceptable"}


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _HTTP_TITLES.get(exc.status_code, "HTTP error")
    code = title.lower().replace(" ", "_")
    return problem_response(
        status=exc.status_code,
        code=code,
        title=title,
        detail=str(exc.detail),
        headers=exc.headers,
    )


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    instance = f"urn:uuid:{uuid.uuid4()}"
    log.error("unhandled_error", error_type=type(exc).__name__, instance=instance, exc_info=exc)
    return problem_response(
        status=500,
        code="server_error",
        title="Internal server error",
        detail="An unexpected error occurred; the operator can find it in the logs by instance.",
        instance=instance,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(Exception, _handle_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json errors."""
    descriptions = {
        400: "Invalid input: `invalidParams` names each field at fault.",
        401: "No credentials were sent.",
        403: "The credentials were not accepted.",
        404: "No such resource.",
        413: "The request body is larger than GATEWAY_MAX_BODY_BYTES.",
        503: "Not ready: the database is unreachable or migrations are not at head.",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
