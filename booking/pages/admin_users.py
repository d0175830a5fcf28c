"""/admin/users: admins find people and deactivate or reactivate them, over the services of
GET and PATCH /api/v1/users."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ConflictError, ValidationError
from booking.models import Role
from booking.pages.rendering import page
from booking.pages.sign_in import form_text
from booking.pages.training import signed_in
from booking.repositories.pagination import decode_cursor
from booking.schemas.users import UserAdminUpdate
from booking.services.user_admin import UserAdminService

Db = NamedDependency[AsyncSession]
Admin = NamedDependency[UserAdminService]
Text = Annotated[str, QueryParameter(max_length=200)]
ROLE_LABELS = {
    Role.ADMIN: "Admin",
    Role.HUB_ADMIN: "Hub admin",
    Role.TRAINER: "Trainer",
    Role.TEACHER: "Teacher",
    Role.SCHOOL_LEAD: "School lead",
}
PAGE_SIZE = 50
DONE = {"deactivated": "deactivated", "reactivated": "reactivated"}


class AdminUserPages(Controller):
    @get("/admin/users")
    async def show(  # noqa: PLR0917 - the two filters and the page
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        user_admin_service: Admin,
        q: Text = "",
        role: Text = "",
        cursor: Text = "",
    ) -> Template:
        actor = signed_in(request)
        actor.require_role(Role.ADMIN)
        chosen = Role(role) if role in {r.value for r in Role} else None
        if cursor:
            try:
                decode_cursor(cursor)
            except ValidationError:
                cursor = ""
        users = await user_admin_service.list(
            db_session,
            actor,
            role=chosen,
            hub_id=None,
            school_id=None,
            q=q.strip() or None,
            limit=PAGE_SIZE,
            cursor=cursor or None,
        )
        done = request.query_params.get("done", "")
        return page(
            request,
            "admin_users.html",
            title="People",
            nav="users",
            users=users.items,
            next_cursor=users.next_cursor,
            q=q,
            role=role,
            roles=[("", "Any role"), *((r.value, label) for r, label in ROLE_LABELS.items())],
            role_labels={r.value: label for r, label in ROLE_LABELS.items()},
            done=DONE.get(done, ""),
            who=request.query_params.get("who", "")[:200],
            problem="",
        )

    @post("/admin/users/{user_id:str}/active")
    async def set_active(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        db_session: Db,
        user_admin_service: Admin,
    ) -> Template | Redirect:
        """PATCH /api/v1/users/{id} {active}: deactivating signs the person out everywhere."""
        actor = signed_in(request)
        form = await request.form()
        active = form_text(form, "active") == "yes"
        try:
            user = await user_admin_service.update(
                db_session, actor, user_id, UserAdminUpdate(active=active)
            )
        except ConflictError as exc:
            return page(
                request,
                "error.html",
                title="This person cannot be deactivated",
                heading="This person cannot be deactivated",
                advice=f"{exc.detail[0].upper()}{exc.detail[1:]}.",
                status_code=409,
            )
        done = "reactivated" if active else "deactivated"
        return Redirect(f"/admin/users?done={done}&who={user.email}", status_code=303)
