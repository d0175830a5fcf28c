"""Rosters and attendance for trainers and hub staff."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    AttendanceNotOpenError,
    NotFoundError,
    SessionCancelledError,
    ValidationError,
)
from booking.models import Attendance, BookingStatus, Cohort, SessionStatus, TrainingSession, User
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.schemas.cohorts import (
    AttendanceRead,
    AttendanceRecordRead,
    AttendanceWrite,
    RosterEntry,
    RosterRead,
)
from booking.services.actor import Actor
from booking.services.cohorts import load_cohort

ATTENDANCE_OPENS = timedelta(minutes=30)
CSV_COLUMNS = [
    "status",
    "waitlist_position",
    "name",
    "email",
    "school",
    "job_role",
    "booked_at",
    "booking_id",
]


def _may_see_roster(actor: Actor, cohort: Cohort) -> bool:
    return actor.id == cohort.trainer_id or actor.manages_hub(cohort.hub_id)


class RosterService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def roster(self, db_session: AsyncSession, actor: Actor, cohort_id: str) -> RosterRead:
        """Confirmed, offered, and the waitlist in promotion order (its trainer, hub staff)."""
        cohort = await load_cohort(db_session, cohort_id)
        if not _may_see_roster(actor, cohort):
            raise NotFoundError("no such cohort")
        statuses = (BookingStatus.CONFIRMED, BookingStatus.OFFERED, BookingStatus.WAITLISTED)
        bookings = await booking_repo.bookings_of_cohort(db_session, cohort.id, statuses)
        people = await self._people(db_session, [b.teacher_id for b in bookings])
        by_status: dict[BookingStatus, list[RosterEntry]] = {s: [] for s in statuses}
        waiting = sorted(
            (b for b in bookings if b.status is BookingStatus.WAITLISTED),
            key=lambda b: b.waitlist_seq or 0,
        )
        positions = {b.id: i for i, b in enumerate(waiting, start=1)}
        for booking in sorted(
            bookings, key=lambda b: (b.waitlist_seq or 0, b.confirmed_at or b.created_at, b.id)
        ):
            person = people[booking.teacher_id]
            by_status[booking.status].append(
                RosterEntry(
                    booking_id=booking.id,
                    teacher_id=booking.teacher_id,
                    name=person.name,
                    email=person.email,
                    school=person.school,
                    job_role=person.job_role,
                    status=booking.status,
                    waitlist_position=positions.get(booking.id),
                    offer_expires_at=booking.offer_expires_at,
                    booked_at=booking.created_at,
                )
            )
        return RosterRead(
            cohort_id=cohort.id,
            confirmed=by_status[BookingStatus.CONFIRMED],
            offered=by_status[BookingStatus.OFFERED],
            waitlist=by_status[BookingStatus.WAITLISTED],
        )

    async def roster_csv(self, db_session: AsyncSession, actor: Actor, cohort_id: str) -> str:
        roster = await self.roster(db_session, actor, cohort_id)
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for entry in [*roster.confirmed, *roster.offered, *roster.waitlist]:
            writer.writerow(
                [
                    entry.status.value,
                    entry.waitlist_position or "",
                    _csv_safe(entry.name),
                    _csv_safe(entry.email),
                    _csv_safe(entry.school or ""),
                    entry.job_role.value if entry.job_role else "",
                    entry.booked_at.isoformat(),
                    entry.booking_id,
                ]
            )
        return out.getvalue()

    async def attendance(
        self, db_session: AsyncSession, actor: Actor, session_id: str
    ) -> AttendanceRead:
        session, cohort = await self._session(db_session, actor, session_id)
        return await self._attendance_read(db_session, session, cohort)

    async def record_attendance(
        self, db_session: AsyncSession, actor: Actor, session_id: str, data: AttendanceWrite
    ) -> AttendanceRead:
        """From 30 minutes before the start; only the cohort's confirmed bookings."""
        async with unit_of_work(db_session):
            session, cohort = await self._session(db_session, actor, session_id)
            now = self.clock.now()
            if session.status is SessionStatus.CANCELLED:
                raise SessionCancelledError("the session was cancelled")
            if now < session.starts_at - ATTENDANCE_OPENS:
                raise AttendanceNotOpenError(
                    "attendance opens 30 minutes before the session starts"
                )
            confirmed = {
                b.id
                for b in await booking_repo.bookings_of_cohort(
                    db_session, cohort.id, (BookingStatus.CONFIRMED,)
                )
            }
            for i, record in enumerate(data.records):
                if record.booking_id not in confirmed:
                    raise ValidationError.field(
                        f"records[{i}].booking_id", "not a confirmed booking of this cohort"
                    )
                row = await db_session.get(Attendance, (session.id, record.booking_id))
                if row is None:
                    db_session.add(
                        Attendance(
                            session_id=session.id,
                            booking_id=record.booking_id,
                            status=record.status,
                            recorded_by=actor.id,
                            recorded_at=now,
                        )
                    )
                else:
                    row.status, row.recorded_by, row.recorded_at = record.status, actor.id, now
            await db_session.flush()
            return await self._attendance_read(db_session, session, cohort)

    async def _session(
        self, db_session: AsyncSession, actor: Actor, session_id: str
    ) -> tuple[TrainingSession, Cohort]:
        session = await cohort_repo.get_session(db_session, session_id)
        if session is None:
            raise NotFoundError("no such session")
        cohort = await load_cohort(db_session, session.cohort_id)
        if not _may_see_roster(actor, cohort):
            raise NotFoundError("no such session")
        return session, cohort

    async def _attendance_read(
        self, db_session: AsyncSession, session: TrainingSession, cohort: Cohort
    ) -> AttendanceRead:
        confirmed = await booking_repo.bookings_of_cohort(
            db_session, cohort.id, (BookingStatus.CONFIRMED,)
        )
        marked = {
            a.booking_id: a.status
            for a in await db_session.scalars(
                select(Attendance).where(Attendance.session_id == session.id)
            )
        }
        people = await self._people(db_session, [b.teacher_id for b in confirmed])
        return AttendanceRead(
            session_id=session.id,
            records=[
                AttendanceRecordRead(
                    booking_id=b.id,
                    status=marked.get(b.id),
                    name=people[b.teacher_id].name,
                    email=people[b.teacher_id].email,
                )
                for b in confirmed
            ],
        )

    @staticmethod
    async def _people(db_session: AsyncSession, ids: list[str]) -> dict[str, User]:
        if not ids:
            return {}
        return {
            u.id: u for u in await db_session.scalars(select(User).where(User.id.in_(set(ids))))
        }


# Spreadsheets run a cell as a formula when it starts with one of these, leading spaces
# ignored (" =1+1" is a formula in Excel and LibreOffice): CSV injection.
_FORMULA_STARTS = frozenset("=+-@\t\r")


def csv_safe(value: str) -> str:
    return "'" + value if value.lstrip(" ")[:1] in _FORMULA_STARTS else value


_csv_safe = csv_safe  # the name tests and older callers use


__all__ = ["RosterService"]
