"""The national catalogue of courses."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.models.base import Base, Timestamped, enum_column_type, id_column
from booking.models.enums import NeedArea


class Course(Timestamped, Base):
    __tablename__ = "course"

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # A sorted list of JobRole values.
    audience: Mapped[list[str]] = mapped_column(JSON)
    need_area_rows: Mapped[list[CourseNeedArea]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CourseNeedArea.need_area"
    )

    @property
    def need_areas(self) -> list[str]:
        return [row.need_area.value for row in self.need_area_rows]


class CourseNeedArea(Base):
    """One row per (course, need area): the `need_area` filter is an indexed lookup."""

    __tablename__ = "course_need_area"

    course_id: Mapped[str] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    need_area: Mapped[NeedArea] = mapped_column(
        enum_column_type(NeedArea, "need_area"), primary_key=True, index=True
    )
