from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import Course, CourseNeedArea, NeedArea
from booking.repositories.pagination import page


async def get_course(db_session: AsyncSession, course_id: str) -> Course | None:
    return await db_session.get(Course, course_id)


async def list_courses(
    db_session: AsyncSession, *, need_area: NeedArea | None, limit: int, cursor: str | None
) -> tuple[Sequence[Course], str | None]:
    stmt = select(Course)
    if need_area is not None:
        stmt = stmt.where(
            Course.id.in_(
                select(CourseNeedArea.course_id).where(CourseNeedArea.need_area == need_area)
            )
        )
    return await page(db_session, stmt, Course.id, limit=limit, cursor=cursor)
