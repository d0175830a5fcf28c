"""Errors on the pages are pages: the same statuses as the API, explained in words."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import IntegrityError, OperationalError

from booking.errors import DomainError
from booking.pages.csrf import CsrfError
from booking.pages.rendering import page

log = logging.getLogger(__name__)

HEADINGS = {
    400: "Sorry, there is a problem with this address",
    403: "You cannot see this page",
    404: "Page not found",
    405: "Page not found",
    413: "The file you sent is too big",
    429: "Sorry, there have been too many attempts",
    503: "Sorry, the service is unavailable",
}
ADVICE = {
    400: "Check the address you typed or the link you followed.",
    403: "You are signed in with an account that cannot see this page.",
    404: "If you typed the web address, check it is correct. "
    "If you pasted the web address, check you copied the entire address.",
    405: "If you typed the web address, check it is correct.",
    413: "Go back and choose a smaller file. A calendar file must be smaller than 1 MB.",
    429: "Wait a few minutes, then try again.",
    503: "Try again in a few minutes.",
}


class SignInRequired(Exception):  # noqa: N818 - a redirect, not an error
    """The page needs someone signed in: off to /sign-in, and back here afterwards."""


def sign_in_redirect(request: Request[Any, Any, Any], _: SignInRequired) -> Response[Any]:
    # A form posts to the address of the page it is on, so the path leads back to that page.
    return Redirect(
        f"/sign-in?{urlencode({'next': local_path(request.url.path)})}", status_code=303
    )


def local_path(target: str) -> str:
    """Only a path on this site: never `//host`, a scheme, a backslash or a control character."""
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or not target.isprintable()
        or len(target) > 2000  # noqa: PLR2004 - longer than any of our addresses
    ):
        return "/"
    return target


def error_page(
    request: Request[Any, Any, Any], status: int, heading: str, advice: str
) -> Response[Any]:
    return page(
        request, "error.html", title=heading, heading=heading, advice=advice, status_code=status
    )


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, CsrfError):
        return error_page(
            request,
            403,
            "Sorry, your form could not be sent",
            "This can happen when a page was open for a long time, or you signed in or out "
            "in another tab. Go back, reload the page and try again.",
        )
    heading = HEADINGS.get(exc.status, exc.title)
    response = error_page(request, exc.status, heading, ADVICE.get(exc.status, exc.detail))
    response.headers.update(exc.headers)  # Retry-After on a 429 or a 503
    return response


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code if exc.status_code in HEADINGS else 500
    if status == 500:  # noqa: PLR2004 - every other status is listed
        return server_error(request, exc)
    return error_page(request, status, HEADINGS[status], ADVICE[status])


def validation_error(request: Request[Any, Any, Any], _: ValidationException) -> Response[Any]:
    return error_page(request, 400, HEADINGS[400], ADVICE[400])


def server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("unhandled error on a page", exc_info=exc)
    return error_page(
        request,
        500,
        "Sorry, there is a problem with the service",
        "Try again later.",
    )


def conflict_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    log.warning("constraint violation on a page: %s", exc.orig)
    return error_page(
        request,
        409,
        "Sorry, something changed while you were sending this",
        "Go back, reload the page and try again.",
    )


def busy_error(request: Request[Any, Any, Any], exc: OperationalError) -> Response[Any]:
    log.error("database unavailable: %s", exc.orig)
    return error_page(request, 503, HEADINGS[503], ADVICE[503])


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInRequired: sign_in_redirect,
    DomainError: domain_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    IntegrityError: conflict_error,
    OperationalError: busy_error,
    Exception: server_error,
}
