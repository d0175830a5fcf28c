"""Every error leaves as RFC 9457 problem+json with a stable `code` (docs/contract.md, Errors)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import IntegrityError, OperationalError

from booking.errors import DomainError, ValidationError
from booking.schemas.common import Problem, ProblemError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

GENERIC_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}
TITLES = {
    400: "The request is not valid",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "The request conflicts with the current state",
    413: "The request body is too large",
    415: "This media type is not accepted here",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "The service is unavailable",
}


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    title: str | None = None,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response[Any]:
    body = Problem(
        type=f"/problems/{code}",
        title=title or TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        code=code,
        errors=errors if errors is not None else msgspec.UNSET,
    )
    content: Any = body
    if extra:
        # Rule-specific members (e.g. `clashes`) sit beside the standard ones (RFC 9457 §3.2).
        content = {**msgspec.to_builtins(body), **msgspec.to_builtins(extra)}
    return Response(content, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def domain_error_handler(_request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    errors = [ProblemError(field=e["field"], message=e["message"]) for e in exc.errors] or None
    return problem_response(
        exc.status,
        exc.code,
        exc.detail,
        title=exc.title,
        errors=errors,
        headers=exc.headers,
        extra=exc.extra,
    )


# msgspec names the object, not the member, when a member is missing or unknown.
_MEMBER = re.compile(r"^Object (?:missing required|contains unknown) field `([^`]*)`")
# "... - at `$.weekly[2].start`": where in the body msgspec found the problem.
_AT = re.compile(r" - at `\$(.*)`$")


def field_name(container: str, message: str) -> str:
    """The offending field in the contract's notation (`name`, `weekly[2].start`;
    docs/contract.md, Errors), never a container: a missing or unknown member is named inside the
    object msgspec reports."""
    container = "" if container in {"data", "body"} else container.removeprefix(".")
    member = _MEMBER.match(message)
    if member is None:
        return container or "body"
    return f"{container}.{member[1]}" if container else member[1]


def body_error(exc: msgspec.ValidationError) -> ValidationError:
    """A msgspec failure on a body this service converts itself, as Litestar's are reported."""
    text = str(exc)
    at = _AT.search(text)
    message = text[: at.start()] if at else text
    field = field_name(at[1] if at else "", message)
    return ValidationError(f"{field}: {message}", errors=[{"field": field, "message": message}])


def validation_handler(_request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = [
        ProblemError(field=field_name(str(item.get("key", "")), message), message=message)
        for item in (exc.extra if isinstance(exc.extra, list) else [])
        if isinstance(item, dict)
        for message in [str(item.get("message", "invalid"))]
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    return problem_response(400, "validation_error", detail, errors=errors)


def http_error_handler(_request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if status >= HTTP_500_INTERNAL_SERVER_ERROR:
        return internal_error_handler(_request, exc)
    code = GENERIC_CODES.get(status, "http_error")
    headers = dict(exc.headers or {})
    return problem_response(status, code, str(exc.detail), headers=headers)


def integrity_error_handler(_request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    # A database constraint caught what the rule checks let through (a race, usually).
    log.warning("constraint violation: %s", exc.orig)
    return problem_response(
        409, "conflict", "the change conflicts with data saved meanwhile; retry"
    )


def database_busy_handler(_request: Request[Any, Any, Any], exc: OperationalError) -> Response[Any]:
    log.error("database unavailable: %s", exc.orig)
    return problem_response(
        503,
        "unavailable",
        "the database is busy or unreachable; retry shortly",
        headers={"Retry-After": "5"},
    )


def internal_error_handler(_request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled error", exc_info=exc)
    return problem_response(
        500, "internal_error", "an unexpected error happened; it has been logged"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_error_handler,
    IntegrityError: integrity_error_handler,
    OperationalError: database_busy_handler,
    Exception: internal_error_handler,
}


# Any operation can meet these: a token that has expired or been revoked is refused even where
# signing in is optional, and the per-token request limit applies to every path under /api/v1.
ALWAYS_POSSIBLE = (401, 429)


def problems(
    *statuses: int, bodies: Mapping[int, type[Problem]] | None = None
) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem responses a handler can give; `bodies` names a Problem
    subclass for a status whose problems carry members of their own (`conflicts`, ...)."""
    return {
        status: ResponseSpec(
            data_container=(bodies or {}).get(status, Problem),
            # Generated examples are random strings that change with whatever else the process
            # generated first; the schema says all an example would.
            generate_examples=False,
            description=TITLES.get(status, "Error"),
            media_type=PROBLEM_MEDIA_TYPE,
        )
        for status in sorted({*statuses, *ALWAYS_POSSIBLE})
    }
