"""A school approving its staff's own bookings (docs/contract.md, Schools and staff).

A pending_approval booking holds its seat until a lead of the teacher's school (the school the
booking counts for) approves it (confirmed, with the invites of a confirmation) or rejects it
(cancelled; the teacher is mailed the reason), or until approval_expires_at passes (expired, by
the jobs, or by the first answer that finds it lapsed). Every change goes through
services.seating under the cohort lock, so a freed seat reaches the waitlist at once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import ForbiddenError, NotFoundError, NotPendingError
from booking.models import Booking, BookingStatus, Cohort
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.repositories import school_staff as staff_repo
from booking.repositories import users as user_repo
from booking.schemas.bookings import BookingRead
from booking.schemas.schools import Approval, ApprovalList, ApprovalTeacher
from booking.services import seat_rules
from booking.services.actor import Actor
from booking.services.bookings import BookingService
from booking.services.cohort_views import cohort_reads
from booking.services.schools import load_school, require_lead_of
from booking.services.seating import Seating, lock_cohort


class ApprovalService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.seating = Seating(clock)
        self.bookings = BookingService(clock)

    async def list(self, db_session: AsyncSession, actor: Actor, school_id: str) -> ApprovalList:
        school = await load_school(db_session, school_id)
        require_lead_of(actor, school.id)
        pending = await staff_repo.pending_approvals(db_session, school.id)
        people = await user_repo.users_by_ids(db_session, [b.teacher_id for b in pending])
        rows = [
            await cohort_repo.get_cohort(db_session, cohort_id)
            for cohort_id in sorted({b.cohort_id for b in pending})
        ]
        cohorts = {c.id: c for c in await cohort_reads(db_session, [r for r in rows if r])}
        items = []
        for booking in pending:
            teacher, cohort = people.get(booking.teacher_id), cohorts.get(booking.cohort_id)
            if teacher is None or cohort is None:
                continue
            sessions = [s for s in cohort.sessions if s.status.value == "scheduled"]
            items.append(
                Approval(
                    booking=await self.bookings.read(db_session, booking),
                    teacher=ApprovalTeacher(
                        id=teacher.id,
                        name=teacher.name,
                        email=teacher.email,
                        job_role=teacher.job_role,
                    ),
                    course_title=cohort.course_title,
                    sessions=sessions,
                    sessions_during_school_day=sum(1 for s in sessions if s.during_school_day),
                )
            )
        return ApprovalList(items=items)

    async def approve(self, db_session: AsyncSession, actor: Actor, booking_id: str) -> BookingRead:
        return await self._answer(db_session, actor, booking_id, reason=None)

    async def reject(
        self, db_session: AsyncSession, actor: Actor, booking_id: str, reason: str
    ) -> BookingRead:
        return await self._answer(db_session, actor, booking_id, reason=reason.strip())

    async def _answer(
        self, db_session: AsyncSession, actor: Actor, booking_id: str, *, reason: str | None
    ) -> BookingRead:
        """reason None: approve. A booking found lapsed is expired first (its seat passed on),
        then 409 not_pending, so the answer and the data agree."""
        lapsed = False
        async with unit_of_work(db_session):
            booking, cohort = await self._locked(db_session, actor, booking_id)
            if booking.status is not BookingStatus.PENDING_APPROVAL:
                raise NotPendingError(f"this booking is {booking.status.value}, not pending")
            if seat_rules.approval_has_run_out(booking, self.clock.now()):
                await self.seating.expire_approval_locked(db_session, cohort, booking)
                lapsed = True
            elif reason is None:
                await self.seating.approve_locked(db_session, cohort, booking)
            else:
                await self.seating.reject_locked(db_session, cohort, booking, reason)
            await db_session.flush()
            result = await self.bookings.read(db_session, booking)
        if lapsed:
            raise NotPendingError("the approval time ran out; the place has been released")
        return result

    @staticmethod
    async def _locked(
        db_session: AsyncSession, actor: Actor, booking_id: str
    ) -> tuple[Booking, Cohort]:
        booking = await booking_repo.get_booking(db_session, booking_id)
        if booking is None:
            raise NotFoundError("no such booking")
        if not (actor.is_admin or (booking.school_id and actor.leads_school(booking.school_id))):
            raise ForbiddenError("only a lead of the teacher's school answers this booking")
        cohort = await lock_cohort(db_session, booking.cohort_id)
        await db_session.refresh(booking)  # it may have moved before the lock was ours
        return booking, cohort
