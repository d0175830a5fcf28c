"""/about-you, "Tell us about you": name, job role and school (the /account details form's
fields and school picker), then on to `next`. "Skip for now" writes nothing. When the pages ask:
booking.pages.profile_prompt."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ValidationError
from booking.pages.account import (
    DETAIL_FIELDS,
    JOB_ROLE_LABELS,
    details_of,
    wants_school_search,
)
from booking.pages.errors import local_path
from booking.pages.my_bookings import runtime_of
from booking.pages.profile_prompt import asked_cookie_name
from booking.pages.rendering import FormErrors, page
from booking.pages.session import cookie_policy
from booking.pages.sign_in import Next, form_text
from booking.pages.training import signed_in
from booking.schemas.schools import SchoolRead
from booking.schemas.users import MeUpdate, UserRead
from booking.services.schools import SchoolService
from booking.services.users import UserService

Db = NamedDependency[AsyncSession]
Users = NamedDependency[UserService]


class AboutYouPages(Controller):
    @get("/about-you")
    async def show(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        user_service: Users,
        next_page: Next = "/",
    ) -> Template:
        user = await user_service.me(db_session, signed_in(request))
        response = await about_you_page(
            request, db_session, user, details_of(user), local_path(next_page)
        )
        # Shown once: the sign-in and the first booking do not send them here again this session.
        response.cookies.append(cookie_policy(request).cookie(asked_cookie_name(request), "1"))
        return response

    @post("/about-you")
    async def save(
        self, request: Request[Any, Any, Any], db_session: Db, user_service: Users
    ) -> Template | Redirect:
        """PATCH /api/v1/me with the form, then on to `next`; "Find school" lists the schools
        matching the search to choose from; "Skip for now" goes on without saving."""
        actor = signed_in(request)
        form = await request.form()
        next_page = local_path(form_text(form, "next") or "/")
        action = form_text(form, "action")
        if action == "skip":
            return Redirect(next_page, status_code=303)
        errors, values = FormErrors(), dict[str, Any]()
        for read in DETAIL_FIELDS:
            values |= read(form, errors)
        user = await user_service.me(db_session, actor)
        typed = {k: form_text(form, k) for k in details_of(user)}
        if wants_school_search(form):
            search = form_text(form, "school_q")[:200]
            found = await SchoolService(runtime_of(request).clock).list(
                db_session, q=search, urn=None, local_authority=None, limit=20, cursor=None
            )
            only_school = FormErrors()
            if not found.items:
                only_school.add(
                    "school_q", "No school matches that name or URN. Check it and try again"
                )
            return await about_you_page(
                request,
                db_session,
                user,
                typed | {"school_q": search},
                next_page,
                errors=only_school,
                schools=found.items,
            )
        chosen = form_text(form, "school_id")
        if chosen:
            values["school_id"] = chosen
        if not errors:
            try:
                await user_service.update_me(db_session, actor, MeUpdate(**values))
            except ValidationError:
                errors.add("school_q", "Choose your school again: that one is not in the list")
            else:
                return Redirect(next_page, status_code=303)
        return await about_you_page(
            request, db_session, user, typed, next_page, errors=errors, status_code=400
        )


async def about_you_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    user: UserRead,
    details: dict[str, str],
    next_page: str,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
    schools: tuple[SchoolRead, ...] | list[SchoolRead] = (),
) -> Template:
    school = (
        None
        if user.school_id is None
        else await SchoolService(runtime_of(request).clock).get(db_session, user.school_id)
    )
    return page(
        request,
        "about_you.html",
        title="Tell us about you",
        errors=errors,
        status_code=status_code,
        details=details,
        next=next_page,
        job_roles=[("", "Not given"), *((r.value, label) for r, label in JOB_ROLE_LABELS.items())],
        school=school,
        schools=schools,
    )
