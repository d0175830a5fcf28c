"""A person's rights over their data (UK GDPR articles 15 and 17;
docs/contract.md, Accounts, tokens and privacy): everything held about them as one document, and
erasure.

Erasure runs in one unit of work: their active bookings (in courses not yet over; a finished
course's booking is history and stays) are cancelled through the normal path
(Seating.cancel_locked under each cohort's lock: seats go to the waitlist, reminders go, events
are written), then their tokens, timetable, feed, codes and unsent mail are deleted, and their
name and email are removed wherever they are kept. The account row stays, nameless, so past
bookings and attendance still count; signing in again with the address makes a new account.
No mail goes to the erased address afterwards: it is no longer known.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking import ports
from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError
from booking.models import Role, User
from booking.models.enums import ACTIVE_BOOKING_STATUSES
from booking.repositories import audit as audit_repo
from booking.repositories import personal_data as data_repo
from booking.repositories import timetables as timetable_repo
from booking.repositories import tokens as token_repo
from booking.repositories import users as user_repo
from booking.schemas.accounts import (
    AccountExport,
    ExportBooking,
    ExportEntry,
    ExportMail,
    ExportSession,
    ExportTimetable,
)
from booking.services.actor import Actor
from booking.services.audit_log import audit_read
from booking.services.seating import Seating, lock_cohort
from booking.services.timetables import TimetableService
from booking.services.tokens import TokenService
from booking.services.user_admin import keep_an_admin
from booking.services.users import user_read
from booking.settings import AccountSettings

EXPORT_AUDIT_LIMIT = 1000
ENTRIES_BEFORE = timedelta(days=30)
ENTRIES_AFTER = timedelta(days=366)


def erased_email(user_id: str) -> str:
    """What stands in the unique email column of an erased account: an address under the
    reserved .invalid domain (RFC 2606), which no mail can reach and which names nobody."""
    return f"{user_id}@erased.invalid"


class PrivacyService:
    def __init__(
        self, clock: Clock, accounts: AccountSettings, deliveries: ports.Deliveries
    ) -> None:
        self.clock = clock
        self.deliveries = deliveries
        self.tokens = TokenService(clock, accounts)
        self.seating = Seating(clock)

    async def export(self, db_session: AsyncSession, actor: Actor) -> AccountExport:
        """The user, bookings with sessions and attendance, timetable source and entries,
        tokens (no secrets), mails sent to them (no bodies) and the audit entries about them."""
        user = await user_repo.get_user(db_session, actor.id)
        if user is None:
            raise NotFoundError("your account no longer exists")
        return AccountExport(
            exported_at=self.clock.now(),
            user=await user_read(db_session, user),
            bookings=await self._bookings(db_session, user.id),
            timetable=await self._timetable(db_session, user.id),
            tokens=(await self.tokens.mine(db_session, actor)).items,
            mails=[
                ExportMail(
                    kind=m.kind,
                    subject=m.subject,
                    status=m.status.value,
                    created_at=m.created_at,
                    sent_at=m.sent_at,
                )
                for m in await self.deliveries.of_person(db_session, user.id)
            ],
            audit=[
                audit_read(row)
                for row in await audit_repo.about_person(db_session, user.id, EXPORT_AUDIT_LIMIT)
            ],
        )

    async def _bookings(self, db_session: AsyncSession, user_id: str) -> list[ExportBooking]:
        bookings = await data_repo.bookings_with_titles(db_session, user_id)
        sessions = await data_repo.sessions_with_venues(
            db_session, {b.cohort_id for b, _ in bookings}
        )
        attendance = await data_repo.attendance_of(db_session, [b.id for b, _ in bookings])
        result = []
        for booking, title in bookings:
            marks = {
                session.id: row.status
                for session, _ in sessions
                if (row := attendance.get((booking.id, session.id))) is not None
            }
            result.append(
                ExportBooking(
                    id=booking.id,
                    cohort_id=booking.cohort_id,
                    course_title=title,
                    status=booking.status,
                    late=booking.late,
                    created_at=booking.created_at,
                    confirmed_at=booking.confirmed_at,
                    cancelled_at=booking.cancelled_at,
                    sessions=[
                        ExportSession(
                            id=session.id,
                            starts_at=session.starts_at,
                            ends_at=session.ends_at,
                            status=session.status.value,
                            venue=venue,
                            attendance=marks.get(session.id),
                        )
                        for session, venue in sessions
                        if session.cohort_id == booking.cohort_id
                    ],
                )
            )
        return result

    async def _timetable(self, db_session: AsyncSession, user_id: str) -> ExportTimetable | None:
        row = await timetable_repo.get_timetable(db_session, user_id)
        if row is None:
            return None
        now = self.clock.now()
        entries = await timetable_repo.entries_between(
            db_session, user_id, now - ENTRIES_BEFORE, now + ENTRIES_AFTER
        )
        return ExportTimetable(
            summary=await TimetableService.summary(db_session, row, now),
            weekly=row.weekly,
            url=row.url,
            ics=None if row.ics is None else row.ics.decode("utf-8", errors="replace"),
            entries=[
                ExportEntry(starts_at=e.start, ends_at=e.end, summary=e.summary) for e in entries
            ],
        )

    async def bookings_to_cancel(self, db_session: AsyncSession, actor: Actor) -> dict[str, int]:
        """What erasing the caller would cancel, by booking status (the confirmation step)."""
        counts: dict[str, int] = {}
        for booking in await data_repo.live_bookings(db_session, actor.id, self.clock.now()):
            counts[booking.status.value] = counts.get(booking.status.value, 0) + 1
        return counts

    async def erase(self, db_session: AsyncSession, actor: Actor, user_id: str) -> None:
        """The caller erases themselves, or an admin erases anyone (the last active admin:
        409 last_admin). See the module docstring for what happens."""
        if actor.id != user_id:
            actor.require_role(Role.ADMIN)
        async with unit_of_work(db_session):
            user = await user_repo.get_user_for_update(db_session, user_id)
            if user is None or user.erased_at is not None:
                raise NotFoundError("no such user")
            await keep_an_admin(db_session, user)
            await self._cancel_bookings(db_session, user)
            email, name = user.email, user.name
            await token_repo.revoke_all(db_session, user.id)
            await data_repo.delete_personal_rows(db_session, user.id, email)
            await self.deliveries.erase_person(db_session, user.id, email)
            await audit_repo.erase_person(db_session, user.id, name, email)
            now = self.clock.now()
            user.email, user.name = erased_email(user.id), ""
            user.school, user.school_id, user.job_role = None, None, None
            if user.role is Role.SCHOOL_LEAD:
                user.role = Role.TEACHER  # a lead answers for a school; an erased person for none
            user.active, user.erased_at, user.updated_at = False, now, now
            await db_session.flush()

    async def _cancel_bookings(self, db_session: AsyncSession, user: User) -> None:
        """As if they had cancelled each one: under the cohort's lock, through Seating."""
        for booking in await data_repo.live_bookings(db_session, user.id, self.clock.now()):
            cohort = await lock_cohort(db_session, booking.cohort_id)
            await db_session.refresh(booking)  # it may have moved before the lock was ours
            if booking.status in ACTIVE_BOOKING_STATUSES:
                await self.seating.cancel_locked(db_session, cohort, booking, by="owner")
