"""Error hierarchy and the one problem+json shape (ZGW `Fout` / `ValidatieFout`).

Every error response of the gateway is `application/problem+json` with `type, code, title,
status, detail, instance` and, for validation errors, `invalidParams[{name, code, reason}]`.
FastAPI's 422 is mapped to the ZGW 400 shape; unexpected exceptions become a 500 problem without
a stack trace, logged with the same `instance` id so an operator can find it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class InvalidParam(BaseModel):
    """One field at fault in a `400` answer."""

    name: str = Field(
        description="The field at fault, dotted when nested (`kenmerken.besluittype`); "
        "`nonFieldErrors` when the body as a whole is wrong (not JSON)."
    )
    code: str = Field(
        description="Machine-readable reason: `required`, `invalid_datetime`, `invalid_uuid`, "
        "`invalid_choice`, `max_length`, `parse_error`, ..."
    )
    reason: str = Field(description="Human-readable reason.")


class Problem(BaseModel):
    """RFC 7807 problem, as the ZGW APIs spell it (`Fout`, and `ValidatieFout` with
    `invalidParams`)."""

    type: str = Field(description="URI of the kind of error: `urn:zgw-gateway:error:<code>`.")
    code: str = Field(description="Machine-readable kind of error.")
    title: str = Field(description="Short description of the kind of error.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong with this request.")
    instance: str = Field(
        description="Unique URI of this occurrence; a `500` is logged with the same value."
    )
    invalidParams: list[InvalidParam] | None = Field(
        default=None, description="Validation errors only (`400`): each field at fault."
    )


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


class Conflict(ProblemError):
    status = 409
    code = "conflict"
    title = "Not possible in the current state"


class PayloadTooLarge(ProblemError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class ServiceUnavailable(ProblemError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"


class ServerError(ProblemError):
    status = 500
    code = "server_error"
    title = "Internal server error"


REQUEST_INVALID_DETAIL = "The request is not valid; see invalidParams."
SERVER_ERROR_DETAIL = (
    "An unexpected error occurred; the operator can find it in the logs by instance."
)


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    invalid_params: Sequence[InvalidParam] | None = None,
    instance: str | None = None,
) -> dict[str, Any]:
    """The JSON body of a problem answer (also used to build the documented examples)."""
    problem = Problem(
        type=f"urn:zgw-gateway:error:{code}",
        code=code,
        title=title,
        status=status,
        detail=detail,
        instance=instance or f"urn:uuid:{uuid.uuid4()}",
        invalidParams=list(invalid_params) if invalid_params is not None else None,
    )
    return problem.model_dump(exclude_none=True)


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
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        invalid_params=invalid_params,
        instance=instance,
    )
    return JSONResponse(
        body,
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
        error_type = str(error.get("type", "invalid"))
        if error_type == "json_invalid":
            # FastAPI locates a JSON syntax error by its offset (`body.17`): not a field.
            loc = []
        name = ".".join(loc) or "nonFieldErrors"
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
        status=BadRequest.status,
        code=BadRequest.code,
        title=BadRequest.title,
        detail=REQUEST_INVALID_DETAIL,
        invalid_params=params,
    )


_HTTP_TITLES = {404: "Not found", 405: "Method not allowed", 406: "Not acceptable"}


async def _handle_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == ParseError.status:
        # FastAPI's own "There was an error parsing the body" (invalid UTF-8, nesting too deep
        # for its JSON parser, ...): the ZGW 400 shape, with the body as the field at fault.
        return problem_response(
            status=ParseError.status,
            code=ParseError.code,
            title=ParseError.title,
            detail="The body must be a JSON object encoded as UTF-8.",
            invalid_params=[
                InvalidParam(name="nonFieldErrors", code=ParseError.code, reason=str(exc.detail))
            ],
            headers=exc.headers,
        )
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
        status=ServerError.status,
        code=ServerError.code,
        title=ServerError.title,
        detail=SERVER_ERROR_DETAIL,
        instance=instance,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(RequestValidationError, _handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http)
    app.add_exception_handler(Exception, _handle_unexpected)


# --- OpenAPI documentation of the error answers ------------------------------------------------


@dataclass(frozen=True)
class ProblemExample:
    """A documented error answer, built by the same code as the real one (`problem_body`)."""

    summary: str
    error: type[ProblemError]
    detail: str
    instance: str
    invalid_params: tuple[InvalidParam, ...] | None = None

    @property
    def status(self) -> int:
        return self.error.status

    def body(self) -> dict[str, Any]:
        return problem_body(
            status=self.error.status,
            code=self.error.code,
            title=self.error.title,
            detail=self.detail,
            invalid_params=self.invalid_params,
            instance=self.instance,
        )


def _param(name: str, code: str, reason: str) -> InvalidParam:
    return InvalidParam(name=name, code=code, reason=reason)


EXAMPLE_DELIVERY_ID = "0b5e3c1d-2f4a-4e6b-8c7d-9a0b1c2d3e4f"

#: Every documented error answer, by name. `problem_responses` selects from here.
PROBLEM_EXAMPLES: dict[str, ProblemExample] = {
    "notification_invalid": ProblemExample(
        summary="The body does not match the Notificaties API message schema",
        error=BadRequest,
        detail="The notification does not match the Notificaties API message schema; "
        "see invalidParams.",
        instance="urn:uuid:94889993-6397-44e2-a3de-7fef8962b0d6",
        invalid_params=(
            _param("hoofdObject", "value_error", "Value error, must be an absolute http(s) URL"),
            _param("resourceUrl", "required", "Field required"),
            _param(
                "aanmaakdatum",
                "invalid_datetime",
                "Input should be a valid datetime, invalid character in year",
            ),
        ),
    ),
    "not_json": ProblemExample(
        summary="The body is not JSON",
        error=ParseError,
        detail="The body must be a JSON object encoded as UTF-8.",
        instance="urn:uuid:df6fb137-1ebd-4ebe-a994-2aeab818c749",
        invalid_params=(
            _param(
                "nonFieldErrors",
                "parse_error",
                "Invalid JSON: key must be a string at line 1 column 2",
            ),
        ),
    ),
    "query_invalid": ProblemExample(
        summary="A query parameter is not valid",
        error=BadRequest,
        detail=REQUEST_INVALID_DETAIL,
        instance="urn:uuid:ca2448d3-3f7e-4208-98cf-7596b6048526",
        invalid_params=(
            _param(
                "status",
                "invalid_choice",
                "Input should be 'queued', 'processing', 'retrying', 'done', 'skipped' or 'failed'",
            ),
            _param("page", "greater_than_equal", "Input should be greater than or equal to 1"),
        ),
    ),
    "retry_filter_invalid": ProblemExample(
        summary="The retry filter is not valid",
        error=BadRequest,
        detail=REQUEST_INVALID_DETAIL,
        instance="urn:uuid:7e6d5c4b-3a29-4817-9f6e-5d4c3b2a1908",
        invalid_params=(
            _param("status", "invalid_choice", "Input should be 'failed' or 'skipped'"),
        ),
    ),
    "delivery_id_invalid": ProblemExample(
        summary="The delivery id is not a UUID",
        error=BadRequest,
        detail=REQUEST_INVALID_DETAIL,
        instance="urn:uuid:e1752671-e545-43d8-909e-0f26be279da7",
        invalid_params=(
            _param(
                "delivery_id",
                "invalid_uuid",
                "Input should be a valid UUID, invalid character: found `n` at 0",
            ),
        ),
    ),
    "admin_key_missing": ProblemExample(
        summary="No admin key was sent",
        error=NotAuthenticated,
        detail="Send an admin key as `Authorization: Bearer <key>`.",
        instance="urn:uuid:c2f32c82-139b-4500-87c6-201feac2caa5",
    ),
    "admin_key_refused": ProblemExample(
        summary="The admin key is not one of GATEWAY_ADMIN_API_KEYS",
        error=Forbidden,
        detail="The admin key is not accepted.",
        instance="urn:uuid:6e24594a-ad24-4490-8b43-418d7d3f6b89",
    ),
    "admin_api_disabled": ProblemExample(
        summary="GATEWAY_ADMIN_API_KEYS is empty: the admin API is off",
        error=Forbidden,
        detail="The admin API is disabled: GATEWAY_ADMIN_API_KEYS is empty.",
        instance="urn:uuid:5d0b8a7c-3e2f-4a1b-9c8d-7e6f5a4b3c2d",
    ),
    "webhook_auth_missing": ProblemExample(
        summary="No Authorization header",
        error=Forbidden,
        detail="The Authorization header is missing.",
        instance="urn:uuid:2c72e8d2-b8fc-410b-a938-924cbd1863f0",
    ),
    "webhook_auth_refused": ProblemExample(
        summary="The Authorization header is neither an accepted value nor a valid JWT",
        error=Forbidden,
        detail="The Authorization header is not accepted.",
        instance="urn:uuid:6e73235c-7be6-4ae5-9fa6-03879e2fe9f8",
    ),
    "webhook_token_expired": ProblemExample(
        summary="The JWT has expired",
        error=Forbidden,
        detail="The token in the Authorization header has expired.",
        instance="urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    ),
    "delivery_not_found": ProblemExample(
        summary="No delivery has this id",
        error=NotFound,
        detail=f"There is no delivery {EXAMPLE_DELIVERY_ID}.",
        instance="urn:uuid:a81180b1-bb90-4975-a620-1b0890625cfd",
    ),
    "delivery_not_retryable": ProblemExample(
        summary="Only a failed or skipped delivery can be retried",
        error=Conflict,
        detail=f"Delivery {EXAMPLE_DELIVERY_ID} is done; only failed or skipped deliveries can "
        "be retried.",
        instance="urn:uuid:3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a",
    ),
    "body_too_large": ProblemExample(
        summary="The body is larger than GATEWAY_MAX_BODY_BYTES",
        error=PayloadTooLarge,
        detail="The body has 300000 bytes; at most 262144 are accepted.",
        instance="urn:uuid:05ac8295-b596-46ac-a5b4-db0d8dcff6a7",
    ),
    "store_unavailable": ProblemExample(
        summary="The database could not store the notification",
        error=ServiceUnavailable,
        detail="The notification could not be stored right now; nothing was accepted. "
        "Deliver it again later.",
        instance="urn:uuid:3f2e1d0c-9b8a-4765-8432-10fedcba9876",
    ),
    "database_unreachable": ProblemExample(
        summary="The database cannot be queried",
        error=ServiceUnavailable,
        detail="The database cannot be queried (OperationalError); run `zgw-gateway migrate` "
        "if it was never migrated.",
        instance="urn:uuid:7c6b5a49-3827-4165-9f0e-dcba98765432",
    ),
    "migrations_behind": ProblemExample(
        summary="The database is not migrated to the code's head revision",
        error=ServiceUnavailable,
        detail="The database is at migration 0001, the code expects 0002; run "
        "`zgw-gateway migrate`.",
        instance="urn:uuid:1e2d3c4b-5a69-4788-9a6b-5c4d3e2f1a0b",
    ),
    "server_error": ProblemExample(
        summary="An unexpected error",
        error=ServerError,
        detail=SERVER_ERROR_DETAIL,
        instance="urn:uuid:4b3a2918-0716-4f5e-8d4c-3b2a19080706",
    ),
}

_STATUS_DESCRIPTIONS = {
    400: "Invalid input; `invalidParams` names each field at fault.",
    401: "No credentials were sent.",
    403: "The credentials were not accepted.",
    404: "No such resource.",
    413: "The request body is larger than `GATEWAY_MAX_BODY_BYTES`.",
    500: "Unexpected error (`500`). No stack trace is returned; the operator finds the error in "
    "the logs by its `instance`.",
    503: "Unavailable for now; try again later.",
}

_STATUS_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "`Bearer`: the scheme the admin key is sent with.",
            "schema": {"type": "string"},
        }
    }
}


def _inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """Replace `#/$defs/...` references by their definitions (a self-contained schema)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items() if key != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(value, defs) for value in node]
    return node


def _problem_schema() -> dict[str, Any]:
    schema = Problem.model_json_schema()
    inlined: dict[str, Any] = _inline_refs(schema, schema.get("$defs", {}))
    # Never `null` in an answer: absent unless it is a validation error.
    params = inlined["properties"]["invalidParams"]
    [array] = [option for option in params.pop("anyOf") if option.get("type") == "array"]
    params.update(array, title="InvalidParams")
    return inlined


PROBLEM_SCHEMA = _problem_schema()

#: The errors of the admin key check (`require_admin`), for every admin operation.
ADMIN_AUTH_PROBLEMS: tuple[int | str, ...] = (401, "admin_key_refused", "admin_api_disabled")


def problem_responses(*selectors: int | str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem+json errors, with examples.

    A selector is a status (every example in `PROBLEM_EXAMPLES` with that status) or the name
    of one example. The `default` response (an unexpected `500`, which any operation can
    answer) is always included; documenting a 4xx range or `default` also keeps FastAPI from
    adding its own `422`, which this service never answers (validation errors are `400`).
    """
    chosen: dict[int, dict[str, ProblemExample]] = {}
    for selector in selectors:
        if isinstance(selector, int):
            matches = {n: e for n, e in PROBLEM_EXAMPLES.items() if e.status == selector}
            if not matches:
                raise ValueError(f"no documented problem example has status {selector}")
        else:
            matches = {selector: PROBLEM_EXAMPLES[selector]}
        for name, example in matches.items():
            chosen.setdefault(example.status, {})[name] = example

    def entry(status: int, examples: Mapping[str, ProblemExample]) -> dict[str, Any]:
        cases = "\n\n" + "\n".join(f"- {example.summary}" for example in examples.values())
        response: dict[str, Any] = {
            "description": _STATUS_DESCRIPTIONS.get(status, "Error") + cases,
            "content": {
                PROBLEM_JSON: {
                    "schema": PROBLEM_SCHEMA,
                    "examples": {
                        name: {"summary": example.summary, "value": example.body()}
                        for name, example in examples.items()
                    },
                }
            },
        }
        if status in _STATUS_HEADERS:
            response["headers"] = _STATUS_HEADERS[status]
        return response

    responses: dict[int | str, dict[str, Any]] = {
        status: entry(status, chosen[status]) for status in sorted(chosen)
    }
    responses["default"] = entry(500, {"server_error": PROBLEM_EXAMPLES["server_error"]})
    return responses
