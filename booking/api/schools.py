"""Schools (docs/contract.md, Schools and staff): the public directory and what admins and leads
change."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit
from booking.api.problems import problems
from booking.auth import requires_role, requires_user
from booking.models import Role
from booking.schemas.schools import (
    SchoolCreate,
    SchoolPage,
    SchoolRead,
    SchoolUpdate,
    StaffAdd,
    StaffAdded,
    StaffList,
)
from booking.services.school_staff import StaffService
from booking.services.schools import SchoolService

Schools = NamedDependency[SchoolService]
Staff = NamedDependency[StaffService]


class SchoolController(Controller):
    path = "/api/v1/schools"
    tags = ["schools"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "",
        operation_id="createSchool",
        guards=[requires_role(Role.ADMIN)],
        responses=problems(400, 401, 403, 409, 413, 415),
    )
    async def create_school(
        self,
        data: JSONBody[SchoolCreate],
        actor: CurrentActor,
        db_session: DbSession,
        school_service: Schools,
    ) -> SchoolRead:
        """201; 409 urn_taken when a school has this URN."""
        return await school_service.create(db_session, actor, data)

    @get("", operation_id="listSchools", responses=problems(400, 401))
    async def list_schools(  # noqa: PLR0917 - the three filters and the two list parameters
        self,
        db_session: DbSession,
        school_service: Schools,
        q: Annotated[
            str | None,
            QueryParameter(
                max_length=200,
                description="Words of the name (any case, accents ignored), or a URN",
            ),
        ] = None,
        urn: Annotated[int | None, QueryParameter(ge=0, le=999_999_999)] = None,
        local_authority: Annotated[str | None, QueryParameter(max_length=100)] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> SchoolPage:
        return await school_service.list(
            db_session,
            q=q,
            urn=urn,
            local_authority=local_authority,
            limit=limit,
            cursor=cursor,
        )

    @get("/{school_id:str}", operation_id="getSchool", responses=problems(401, 404))
    async def get_school(
        self, school_id: FromPath[str], db_session: DbSession, school_service: Schools
    ) -> SchoolRead:
        return await school_service.get(db_session, school_id)

    @patch(
        "/{school_id:str}",
        operation_id="updateSchool",
        guards=[requires_user],
        responses=problems(400, 401, 403, 404, 413, 415),
    )
    async def update_school(
        self,
        school_id: FromPath[str],
        data: JSONBody[SchoolUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        school_service: Schools,
    ) -> SchoolRead:
        """admin: approval_required and hub_id; the school's school_leads: approval_required."""
        return await school_service.update(db_session, actor, school_id, data)

    @get(
        "/{school_id:str}/staff",
        operation_id="listSchoolStaff",
        guards=[requires_user],
        responses=problems(401, 403, 404),
    )
    async def list_staff(
        self,
        school_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        staff_service: Staff,
    ) -> StaffList:
        """The school's people (its school_leads and admins): trained, live bookings."""
        return await staff_service.list(db_session, actor, school_id)

    @post(
        "/{school_id:str}/staff",
        operation_id="addSchoolStaff",
        guards=[requires_user],
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    async def add_staff(
        self,
        school_id: FromPath[str],
        data: JSONBody[StaffAdd],
        actor: CurrentActor,
        db_session: DbSession,
        staff_service: Staff,
    ) -> StaffAdded:
        """201: a new teacher at the school, or an existing account with no school; someone at
        another school: 409 other_school."""
        return await staff_service.add(db_session, actor, school_id, data)

    @delete(
        "/{school_id:str}/staff/{user_id:str}",
        operation_id="removeSchoolStaff",
        guards=[requires_user],
        responses=problems(401, 403, 404),
    )
    async def remove_staff(
        self,
        school_id: FromPath[str],
        user_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        staff_service: Staff,
    ) -> None:
        """204: unlinked from the school; the account stays."""
        await staff_service.remove(db_session, actor, school_id, user_id)
