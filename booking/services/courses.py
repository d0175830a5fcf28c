"""The course catalogue."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError
from booking.models import Course, CourseNeedArea, JobRole, NeedArea, Role
from booking.repositories import courses as course_repo
from booking.schemas.courses import CourseCreate, CoursePage, CourseRead, CourseUpdate
from booking.services.actor import Actor
from booking.services.sessions import course_retitled


def course_read(course: Course) -> CourseRead:
    return CourseRead(
        id=course.id,
        title=course.title,
        summary=course.summary,
        need_areas=[NeedArea(a) for a in sorted(course.need_areas)],
        audience=[JobRole(a) for a in course.audience],
        created_at=course.created_at,
        updated_at=course.updated_at,
    )


class CourseService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create_course(
        self, db_session: AsyncSession, actor: Actor, data: CourseCreate
    ) -> CourseRead:
        actor.require_role(Role.ADMIN, Role.HUB_ADMIN)
        now = self.clock.now()
        course = Course(
            title=data.title.strip(),
            summary=data.summary.strip(),
            audience=sorted({a.value for a in data.audience}),
            need_area_rows=[CourseNeedArea(need_area=a) for a in sorted(set(data.need_areas))],
            created_at=now,
            updated_at=now,
        )
        async with unit_of_work(db_session):
            db_session.add(course)
        return course_read(course)

    async def update_course(
        self, db_session: AsyncSession, actor: Actor, course_id: str, data: CourseUpdate
    ) -> CourseRead:
        """Change what is given; a new title reaches booked teachers' calendars (a higher
        SEQUENCE on every future session of the course's cohorts)."""
        actor.require_role(Role.ADMIN, Role.HUB_ADMIN)
        async with unit_of_work(db_session):
            course = await course_repo.get_course(db_session, course_id)
            if course is None:
                raise NotFoundError("no such course")
            now = self.clock.now()
            changed = False
            if data.title is not msgspec.UNSET and data.title.strip() != course.title:
                before = course.title
                course.title = data.title.strip()
                # Flushed first: the invites are composed from the stored title.
                await db_session.flush()
                await course_retitled(db_session, course.id, before, now)
                changed = True
            if data.summary is not msgspec.UNSET and data.summary.strip() != course.summary:
                course.summary = data.summary.strip()
                changed = True
            if data.need_areas is not msgspec.UNSET:
                # Rows kept stay, so no insert meets a row of the same key still to be deleted.
                wanted = set(data.need_areas)
                have = {row.need_area for row in course.need_area_rows}
                if wanted != have:
                    course.need_area_rows = [
                        *(row for row in course.need_area_rows if row.need_area in wanted),
                        *(CourseNeedArea(need_area=a) for a in sorted(wanted - have)),
                    ]
                    changed = True
            if data.audience is not msgspec.UNSET:
                audience = sorted({a.value for a in data.audience})
                if audience != course.audience:
                    course.audience = audience
                    changed = True
            if changed:
                course.updated_at = now
            await db_session.flush()
        return course_read(course)

    async def list_courses(
        self,
        db_session: AsyncSession,
        *,
        need_area: NeedArea | None,
        limit: int,
        cursor: str | None,
    ) -> CoursePage:
        courses, next_cursor = await course_repo.list_courses(
            db_session, need_area=need_area, limit=limit, cursor=cursor
        )
        return CoursePage(items=[course_read(c) for c in courses], next_cursor=next_cursor)

    async def get_course(self, db_session: AsyncSession, course_id: str) -> CourseRead:
        course = await course_repo.get_course(db_session, course_id)
        if course is None:
            raise NotFoundError("no such course")
        return course_read(course)
