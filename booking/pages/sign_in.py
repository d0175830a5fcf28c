"""/sign-in and /sign-out: the email-code exchange of the JSON API, with a cookie to keep."""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.auth import client_address
from booking.errors import InvalidCodeError, MailUnavailableError, RateLimitedError
from booking.models import Role
from booking.pages.errors import local_path
from booking.pages.profile_prompt import about_you_url, should_ask
from booking.pages.rendering import FormErrors, page
from booking.pages.session import cookie_policy, session_token
from booking.schemas.users import EmailCodeRequest
from booking.services.auth import AuthService
from booking.services.tokens import TokenService

CODE = re.compile(r"^\d{6}$")
# Where each role starts after signing in (docs/contract.md, Pages additions); teachers find
# training.
LANDING = {Role.HUB_ADMIN: "/hub", Role.TRAINER: "/trainer", Role.SCHOOL_LEAD: "/school"}
Next = Annotated[str, QueryParameter(name="next", max_length=2000)]


def _minutes(exc: RateLimitedError) -> int:
    return math.ceil(int(exc.headers.get("Retry-After", "3600")) / 60)


def form_text(form: Any, name: str) -> str:  # noqa: ANN401 - Litestar's FormMultiDict
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def check_email(email: str, errors: FormErrors) -> None:
    """The API's own rule for an address (EmailCodeRequest), in the words GOV.UK uses."""
    if not email:
        errors.add("email", "Enter your email address")
        return
    try:
        msgspec.convert({"email": email}, EmailCodeRequest)
    except msgspec.ValidationError:
        errors.add("email", "Enter an email address in the correct format, like name@example.com")


class SignInPages(Controller):
    @get("/sign-in")
    async def form(self, request: Request[Any, Any, Any], next_page: Next = "/") -> Template:
        return self._email_page(request, "", local_path(next_page))

    @post("/sign-in")
    async def send_code(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        auth_service: NamedDependency[AuthService],
    ) -> Template:
        form = await request.form()
        email, next_page = form_text(form, "email"), local_path(form_text(form, "next"))
        errors = FormErrors()
        check_email(email, errors)
        if errors:
            return self._email_page(request, email, next_page, errors=errors, status_code=400)
        try:
            await auth_service.request_code(db_session, email, client_address(request))
        except RateLimitedError as exc:
            errors.add(
                "email", f"You have asked for too many codes. Try again in {_minutes(exc)} minutes"
            )
            return self._email_page(request, email, next_page, errors=errors, status_code=429)
        except MailUnavailableError:
            errors.add("email", "Sorry, we cannot send email at the moment. Try again shortly")
            return self._email_page(request, email, next_page, errors=errors, status_code=503)
        return self._code_page(request, email, next_page)

    @post("/sign-in/code")
    async def check_code(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        auth_service: NamedDependency[AuthService],
        token_service: NamedDependency[TokenService],
    ) -> Response[Any]:
        form = await request.form()
        email, next_page = form_text(form, "email"), local_path(form_text(form, "next"))
        code = form_text(form, "code").replace(" ", "")
        errors = FormErrors()
        check_email(email, errors)
        if errors:
            return self._email_page(request, email, next_page, errors=errors, status_code=400)
        if not code:
            errors.add("code", "Enter the code from the email")
        elif not CODE.match(code):
            errors.add("code", "The code must be 6 digits, like 123456")
        else:
            try:
                signed_in = await auth_service.exchange_code(
                    db_session, email, code, client_address(request)
                )
            except InvalidCodeError:
                errors.add(
                    "code",
                    "The code is not right, or it has expired or been replaced. "
                    "Check the newest email, or get a new code",
                )
            except RateLimitedError as exc:
                errors.add("code", f"Too many wrong codes. Try again in {_minutes(exc)} minutes")
                return self._code_page(
                    request, email, next_page, code=code, errors=errors, status_code=429
                )
        if errors:
            return self._code_page(
                request, email, next_page, code=code, errors=errors, status_code=400
            )
        previous = session_token(request)
        if previous is not None:
            await token_service.sign_out_token(db_session, previous)
        policy = cookie_policy(request)
        if next_page == "/":
            # Not sent anywhere in particular: staff start on their own page.
            next_page = LANDING.get(signed_in.user.role, "/")
        if should_ask(request, signed_in.user):
            # First sign-in (or details still missing): "Tell us about you", then on.
            next_page = about_you_url(next_page)
        return Redirect(
            next_page,
            status_code=303,
            cookies=[policy.cookie(policy.session_name, signed_in.api_token)],
        )

    @get("/sign-out")
    async def confirm_sign_out(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "sign_out.html", title="Sign out")

    @post("/sign-out")
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        token_service: NamedDependency[TokenService],
    ) -> Redirect:
        """The token behind the cookie is deleted, so a copied cookie stops working too."""
        token = session_token(request)
        if token is not None:
            await token_service.sign_out_token(db_session, token)
        policy = cookie_policy(request)
        return Redirect("/", status_code=303, cookies=[policy.expired(policy.session_name)])

    @staticmethod
    def _email_page(
        request: Request[Any, Any, Any],
        email: str,
        next_page: str,
        *,
        errors: FormErrors | None = None,
        status_code: int = 200,
    ) -> Template:
        return page(
            request,
            "sign_in.html",
            title="Sign in",
            nav="sign-in",
            errors=errors,
            status_code=status_code,
            email=email,
            next=next_page,
        )

    @staticmethod
    def _code_page(
        request: Request[Any, Any, Any],
        email: str,
        next_page: str,
        *,
        code: str = "",
        errors: FormErrors | None = None,
        status_code: int = 200,
    ) -> Template:
        return page(
            request,
            "sign_in_code.html",
            title="Check your email",
            nav="sign-in",
            errors=errors,
            status_code=status_code,
            email=email,
            next=next_page,
            code=code,
        )
