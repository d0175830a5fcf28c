"""A school's staff, as its leads see and change them (docs/contract.md, Schools and staff)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError, OtherSchoolError
from booking.models import Role, User
from booking.repositories import school_staff as staff_repo
from booking.repositories import users as user_repo
from booking.schemas.schools import StaffAdd, StaffAdded, StaffList, StaffMember
from booking.services.actor import Actor
from booking.services.schools import load_school, require_lead_of
from booking.services.users import user_read
from booking.services.validation import normalise_email


class StaffService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def list(self, db_session: AsyncSession, actor: Actor, school_id: str) -> StaffList:
        school = await load_school(db_session, school_id)
        require_lead_of(actor, school.id)
        people = await staff_repo.staff_of(db_session, school.id)
        ids = [p.id for p in people]
        trained = await staff_repo.trained(db_session, ids)
        counts = await staff_repo.active_counts(db_session, ids)
        return StaffList(
            items=[
                StaffMember(
                    id=p.id,
                    name=p.name,
                    email=p.email,
                    job_role=p.job_role,
                    trained=p.id in trained,
                    active_bookings=counts.get(p.id, 0),
                )
                for p in people
            ]
        )

    async def add(
        self, db_session: AsyncSession, actor: Actor, school_id: str, data: StaffAdd
    ) -> StaffAdded:
        """A new teacher account at the school, or an existing account with no school linked to
        it; someone already at another school: 409 other_school. Adding someone already here
        changes nothing."""
        email = normalise_email(data.email)
        async with unit_of_work(db_session):
            school = await load_school(db_session, school_id)
            require_lead_of(actor, school.id)
            now = self.clock.now()
            user = await user_repo.get_user_by_email(db_session, email)
            if user is None:
                user = User(
                    email=email,
                    name=data.name.strip(),
                    role=Role.TEACHER,
                    school_id=school.id,
                    job_role=data.job_role,
                    created_at=now,
                    updated_at=now,
                )
                db_session.add(user)
            elif user.school_id not in {None, school.id}:
                raise OtherSchoolError(f"{email} is at another school; they can change it there")
            elif user.school_id is None:
                user.school_id = school.id
                # What the person told us about themselves stands; the lead fills in blanks.
                user.name = user.name or data.name.strip()
                user.job_role = user.job_role or data.job_role
                user.updated_at = now
            await db_session.flush()
        return StaffAdded(user=await user_read(db_session, user))

    async def remove(
        self, db_session: AsyncSession, actor: Actor, school_id: str, user_id: str
    ) -> None:
        """Unlinks the person (the account and its bookings stay). A lead unlinked is a lead no
        more: their rights were over this school."""
        async with unit_of_work(db_session):
            school = await load_school(db_session, school_id)
            require_lead_of(actor, school.id)
            user = await user_repo.get_user_for_update(db_session, user_id)
            if user is None or user.school_id != school.id or user.erased_at is not None:
                raise NotFoundError("no such person at this school")
            if user.role is Role.SCHOOL_LEAD:
                user.role = Role.TEACHER
            user.school_id = None
            user.updated_at = self.clock.now()
