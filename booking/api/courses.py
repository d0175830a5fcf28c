"""The course catalogue."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit
from booking.api.problems import problems
from booking.auth import requires_role
from booking.models import NeedArea, Role
from booking.schemas.courses import CourseCreate, CoursePage, CourseRead, CourseUpdate
from booking.services.courses import CourseService


class CourseController(Controller):
    path = "/api/v1/courses"
    tags = ["courses"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "",
        operation_id="createCourse",
        guards=[requires_role(Role.ADMIN, Role.HUB_ADMIN)],
        responses=problems(400, 401, 403, 413, 415),
    )
    async def create_course(
        self,
        data: JSONBody[CourseCreate],
        actor: CurrentActor,
        db_session: DbSession,
        course_service: NamedDependency[CourseService],
    ) -> CourseRead:
        return await course_service.create_course(db_session, actor, data)

    @get("", operation_id="listCourses", responses=problems(400, 401))
    async def list_courses(
        self,
        db_session: DbSession,
        course_service: NamedDependency[CourseService],
        need_area: FromQuery[NeedArea | None] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> CoursePage:
        return await course_service.list_courses(
            db_session, need_area=need_area, limit=limit, cursor=cursor
        )

    @get("/{course_id:str}", operation_id="getCourse", responses=problems(401, 404))
    async def get_course(
        self,
        course_id: FromPath[str],
        db_session: DbSession,
        course_service: NamedDependency[CourseService],
    ) -> CourseRead:
        return await course_service.get_course(db_session, course_id)

    @patch(
        "/{course_id:str}",
        operation_id="updateCourse",
        guards=[requires_role(Role.ADMIN, Role.HUB_ADMIN)],
        responses=problems(400, 401, 403, 404, 413, 415),
    )
    async def update_course(
        self,
        course_id: FromPath[str],
        data: JSONBody[CourseUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        course_service: NamedDependency[CourseService],
    ) -> CourseRead:
        """A new title re-sends updated invites for future sessions (higher SEQUENCE)."""
        return await course_service.update_course(db_session, actor, course_id, data)
