"""Response shapes shared by the sandbox's stand-ins (ZGW problem details, paginated lists)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"

_TITLES = {
    400: "Invalid input.",
    401: "Authenticatiegegevens zijn niet opgegeven.",
    403: "Je hebt geen toestemming om deze actie uit te voeren.",
    404: "Niet gevonden.",
    412: "Precondition failed",
    429: "Too many requests",
    500: "Er is een serverfout opgetreden.",
    502: "Bad gateway",
    503: "Service tijdelijk niet beschikbaar",
    504: "Gateway timeout",
}
_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    412: "precondition_failed",
    429: "throttled",
    500: "error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def problem_body(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    invalid_params: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The ZGW `Fout` shape (and `ValidatieFout` with invalidParams)."""
    code = code or _CODES.get(status, "error")
    body: dict[str, Any] = {
        "type": f"http://sandbox.local/ref/fouten/{code}/",
        "code": code,
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": f"urn:uuid:{uuid.uuid4()}",
    }
    if invalid_params is not None:
        body["invalidParams"] = invalid_params
    return body


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    invalid_params: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, code=code, invalid_params=invalid_params),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def paginated(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One page holding everything: the sandbox's lists are short."""
    return {"count": len(results), "next": None, "previous": None, "results": results}
