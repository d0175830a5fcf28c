"""/account: a person's own details, sign-ins, data and erasure, over the same services as
PATCH /api/v1/me, GET/DELETE /api/v1/me/tokens, GET /api/v1/me/export and DELETE /api/v1/me.

The details form is built from DETAIL_FIELDS (read, check, save), so a field added later (a
school, say) is one entry there and one include in the template.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ConflictError, NotFoundError, ValidationError
from booking.models import JobRole
from booking.pages.formatting import HOME_ZONE, clock_time, long_date
from booking.pages.my_bookings import runtime_of
from booking.pages.rendering import FormErrors, page
from booking.pages.session import cookie_policy
from booking.pages.sign_in import form_text
from booking.pages.training import signed_in
from booking.schemas.schools import SchoolRead
from booking.schemas.users import MeUpdate, TokenInfo, UserRead
from booking.services.privacy import PrivacyService
from booking.services.schools import SchoolService
from booking.services.tokens import TokenService
from booking.services.users import UserService

Db = NamedDependency[AsyncSession]
Users = NamedDependency[UserService]
Tokens = NamedDependency[TokenService]
Privacy = NamedDependency[PrivacyService]

JOB_ROLE_LABELS = {
    JobRole.TEACHER: "Teacher",
    JobRole.TEACHING_ASSISTANT: "Teaching assistant",
    JobRole.SENCO: "SENCo",
    JobRole.LEADER: "School leader",
    JobRole.EARLY_YEARS: "Early years practitioner",
    JobRole.FURTHER_EDUCATION: "Further education staff",
}
DONE = {
    "saved": "Your details are saved",
    "signed-out": "That sign-in has been signed out",
    "signed-out-others": "You are signed out everywhere else",
}


def lasting(span: timedelta) -> str:
    """30 days, 12 hours, 45 minutes: the largest whole unit."""
    seconds = int(span.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds // 60} minutes"


def moment(value: datetime) -> str:
    local = value.astimezone(ZoneInfo(HOME_ZONE))
    return f"{long_date(local)} at {clock_time(local)}"


@dataclass(frozen=True, slots=True)
class SignInView:
    id: str
    kind: str
    created: str
    last_used: str
    expires: str
    current: bool


def sign_in_view(token: TokenInfo) -> SignInView:
    return SignInView(
        id=token.id,
        kind="Email code" if token.kind == "sign_in" else "API token",
        created=moment(token.created_at),
        last_used=moment(token.last_used_at),
        expires=moment(token.expires_at),
        current=token.current,
    )


# ---- the details form: one entry per field -----------------------------------------------------


def _read_name(form: Mapping[str, Any], errors: FormErrors) -> dict[str, Any]:
    """The API's own rule for a name (MeUpdate), in the words GOV.UK uses."""
    name = form_text(form, "name")
    if not name:
        errors.add("name", "Enter your name")
        return {}
    try:
        msgspec.convert({"name": name}, MeUpdate)
    except msgspec.ValidationError:
        errors.add("name", "Name must be 200 characters or fewer, without special characters")
        return {}
    return {"name": name}


def _read_job_role(form: Mapping[str, Any], errors: FormErrors) -> dict[str, Any]:
    value = form_text(form, "job_role")
    if not value:
        return {"job_role": None}
    if value not in JobRole.__members__.values():
        errors.add("job_role", "Select your job role")
        return {}
    return {"job_role": JobRole(value)}


DETAIL_FIELDS = (_read_name, _read_job_role)


def wants_school_search(form: Mapping[str, Any]) -> bool:
    """ "Find school" with something to find. Enter in the Name field submits the form through its
    first button, which is "Find school": with the search box empty that means "save"."""
    return form_text(form, "action") == "find-school" and bool(form_text(form, "school_q"))


def details_of(user: UserRead) -> dict[str, str]:
    return {
        "name": user.name,
        "job_role": user.job_role.value if user.job_role else "",
        "school_q": "",
    }


class AccountPages(Controller):
    @get("/account")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        user_service: Users,
        token_service: Tokens,
    ) -> Template:
        actor = signed_in(request)
        user = await user_service.me(db_session, actor)
        done = DONE.get(request.query_params.get("done", ""), "")
        return await account_page(
            request, db_session, token_service, user, details_of(user), done=done
        )

    @post("/account")
    async def save(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        user_service: Users,
        token_service: Tokens,
    ) -> Template | Redirect:
        """PATCH /api/v1/me with what the form says; "Find school" instead lists the schools
        matching the search (name or URN, local authority shown) to choose from."""
        actor = signed_in(request)
        form = await request.form()
        errors, values = FormErrors(), dict[str, Any]()
        for read in DETAIL_FIELDS:
            values |= read(form, errors)
        if wants_school_search(form):
            user = await user_service.me(db_session, actor)
            typed = {k: form_text(form, k) for k in details_of(user)}
            search = form_text(form, "school_q")[:200]
            found = await SchoolService(runtime_of(request).clock).list(
                db_session, q=search, urn=None, local_authority=None, limit=20, cursor=None
            )
            if not found.items:
                errors.add("school_q", "No school matches that name or URN. Check it and try again")
            return await account_page(
                request,
                db_session,
                token_service,
                user,
                typed | {"school_q": search},
                errors=FormErrors({k: v for k, v in errors.messages.items() if k == "school_q"}),
                schools=found.items,
            )
        chosen = form_text(form, "school_id")
        if chosen:
            values["school_id"] = chosen
        if errors:
            user = await user_service.me(db_session, actor)
            typed = {k: form_text(form, k) for k in details_of(user)}
            return await account_page(
                request, db_session, token_service, user, typed, errors=errors, status_code=400
            )
        try:
            await user_service.update_me(db_session, actor, MeUpdate(**values))
        except ValidationError:
            user = await user_service.me(db_session, actor)
            errors.add("school_q", "Choose your school again: that one is not in the list")
            typed = {k: form_text(form, k) for k in details_of(user)}
            return await account_page(
                request, db_session, token_service, user, typed, errors=errors, status_code=400
            )
        return Redirect("/account?done=saved", status_code=303)

    @post("/account/sign-ins/{token_id:str}/sign-out")
    async def sign_out_one(
        self,
        request: Request[Any, Any, Any],
        token_id: FromPath[str],
        db_session: Db,
        token_service: Tokens,
    ) -> Redirect:
        """DELETE /api/v1/me/tokens/{id}; one already gone is no error here."""
        actor = signed_in(request)
        with contextlib.suppress(NotFoundError):
            await token_service.revoke_mine(db_session, actor, token_id)
        return Redirect("/account?done=signed-out", status_code=303)

    @post("/account/sign-ins/sign-out-others")
    async def sign_out_others(
        self, request: Request[Any, Any, Any], db_session: Db, token_service: Tokens
    ) -> Redirect:
        await token_service.revoke_others(db_session, signed_in(request))
        return Redirect("/account?done=signed-out-others", status_code=303)

    @get("/account/export")
    async def export(
        self, request: Request[Any, Any, Any], db_session: Db, privacy_service: Privacy
    ) -> Response[bytes]:
        """GET /api/v1/me/export, as a file to keep."""
        actor = signed_in(request)
        data = await privacy_service.export(db_session, actor)
        return Response(
            msgspec.json.format(msgspec.json.encode(data)),
            media_type="application/json",
            headers={
                "Content-Disposition": 'attachment; filename="book-send-training-your-data.json"'
            },
        )

    @get("/account/delete")
    async def confirm_delete(
        self, request: Request[Any, Any, Any], db_session: Db, privacy_service: Privacy
    ) -> Template:
        actor = signed_in(request)
        counts = await privacy_service.bookings_to_cancel(db_session, actor)
        return page(
            request,
            "account_delete.html",
            title="Delete your account",
            nav="account",
            places=counts.get("confirmed", 0) + counts.get("offered", 0),
            waiting=counts.get("waitlisted", 0),
        )

    @post("/account/delete")
    async def delete(
        self, request: Request[Any, Any, Any], db_session: Db, privacy_service: Privacy
    ) -> Template | Redirect:
        """DELETE /api/v1/me; the cookie goes with the account."""
        actor = signed_in(request)
        try:
            await privacy_service.erase(db_session, actor, actor.id)
        except ConflictError as exc:
            return page(
                request,
                "error.html",
                title="Your account cannot be deleted yet",
                heading="Your account cannot be deleted yet",
                advice=f"{exc.detail[0].upper()}{exc.detail[1:]}.",
                status_code=409,
            )
        policy = cookie_policy(request)
        return Redirect(
            "/account/deleted", status_code=303, cookies=[policy.expired(policy.session_name)]
        )

    @get("/account/deleted")
    async def deleted(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "account_deleted.html", title="Your account has been deleted")


async def account_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    token_service: TokenService,
    user: UserRead,
    details: dict[str, str],
    *,
    done: str = "",
    errors: FormErrors | None = None,
    status_code: int = 200,
    schools: Sequence[SchoolRead] = (),
) -> Template:
    actor = signed_in(request)
    school = (
        None
        if user.school_id is None
        else await SchoolService(runtime_of(request).clock).get(db_session, user.school_id)
    )
    sign_ins = [sign_in_view(t) for t in (await token_service.mine(db_session, actor)).items]
    return page(
        request,
        "account.html",
        title="Your account",
        nav="account",
        errors=errors,
        status_code=status_code,
        done=done,
        user=user,
        details=details,
        job_roles=[("", "Not given"), *((r.value, label) for r, label in JOB_ROLE_LABELS.items())],
        school=school,
        schools=schools,
        sign_ins=sign_ins,
        others=any(not s.current for s in sign_ins),
        unused_for=lasting(runtime_of(request).settings.accounts.token_ttl),
    )
