from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.models.enums import JobRole, NeedArea
from booking.schemas.common import Input, MultiLine, Output, SingleLine


class CourseCreate(Input):
    title: SingleLine
    summary: MultiLine
    need_areas: Annotated[list[NeedArea], msgspec.Meta(min_length=1)]
    audience: Annotated[list[JobRole], msgspec.Meta(min_length=1)]


class CourseUpdate(Input):
    title: SingleLine | msgspec.UnsetType = msgspec.UNSET
    summary: MultiLine | msgspec.UnsetType = msgspec.UNSET
    need_areas: Annotated[list[NeedArea], msgspec.Meta(min_length=1)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    audience: Annotated[list[JobRole], msgspec.Meta(min_length=1)] | msgspec.UnsetType = (
        msgspec.UNSET
    )


class CourseRead(Output):
    id: str
    title: str
    summary: str
    need_areas: list[NeedArea]
    audience: list[JobRole]
    created_at: datetime
    updated_at: datetime


class CoursePage(Output):
    items: list[CourseRead]
    next_cursor: str | None
