"""Every mapped table, imported here so Alembic and the app see the whole schema."""

from booking.models.base import Base
from booking.models.courses import Course, CourseNeedArea
from booking.models.enums import Accessibility, JobRole, NeedArea, Role
from booking.models.hubs import Hub, Venue
from booking.models.trainers import AvailabilityException, TrainerAvailability
from booking.models.users import ApiToken, EmailCode, User

__all__ = [
    "Accessibility",
    "ApiToken",
    "AvailabilityException",
    "Base",
    "Course",
    "CourseNeedArea",
    "EmailCode",
    "Hub",
    "JobRole",
    "NeedArea",
    "Role",
    "TrainerAvailability",
    "User",
    "Venue",
]
