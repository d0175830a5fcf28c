"""booking.ports.MailFacts: what a mail needs from booking's tables, as plain values."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from booking.durations import parse_duration
from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    Course,
    Role,
    SessionStatus,
    TrainingSession,
    User,
    Venue,
    accessibility_words,
)
from booking.ports import BookingInfo, CohortInfo, Recipient, SessionInfo, VenueInfo


class MailFactsReader:
    async def cohorts(
        self, db_session: AsyncSession, cohort_ids: Collection[str]
    ) -> dict[str, CohortInfo]:
        """Two queries for any number of cohorts; cancelled sessions are left out."""
        if not cohort_ids:
            return {}
        rows = (
            await db_session.execute(
                select(Cohort, Course.title, User.name)
                .join(Course, Course.id == Cohort.course_id)
                .join(User, User.id == Cohort.trainer_id)
                .where(Cohort.id.in_(cohort_ids))
            )
        ).all()
        if not rows:
            return {}
        sessions: dict[str, list[SessionInfo]] = {cohort.id: [] for cohort, _, _ in rows}
        for session, venue in await db_session.execute(
            _session_rows()
            .where(
                TrainingSession.cohort_id.in_(sessions),
                TrainingSession.status == SessionStatus.SCHEDULED,
            )
            .order_by(TrainingSession.starts_at, TrainingSession.id)
        ):
            sessions[session.cohort_id].append(_session(session, venue))
        return {
            cohort.id: CohortInfo(
                id=cohort.id,
                course_title=title,
                trainer_name=trainer_name or "to be confirmed",
                sessions=tuple(sessions[cohort.id]),
                cancel_reason=cohort.cancel_reason,
            )
            for cohort, title, trainer_name in rows
        }

    async def sessions(
        self, db_session: AsyncSession, session_ids: Collection[str]
    ) -> dict[str, SessionInfo]:
        if not session_ids:
            return {}
        found = await _sessions(
            db_session, _session_rows().where(TrainingSession.id.in_(session_ids))
        )
        return {session.id: session for session in found}

    async def cohort_sessions_any_status(
        self, db_session: AsyncSession, cohort_id: str
    ) -> list[SessionInfo]:
        return await _sessions(
            db_session, _session_rows().where(TrainingSession.cohort_id == cohort_id)
        )

    async def bookings(
        self, db_session: AsyncSession, booking_ids: Collection[str]
    ) -> dict[str, BookingInfo]:
        if not booking_ids:
            return {}
        rows = await db_session.execute(
            select(Booking, User)
            .outerjoin(User, User.id == Booking.teacher_id)
            .where(Booking.id.in_(booking_ids))
        )
        return {booking.id: _booking(booking, teacher) for booking, teacher in rows}

    async def confirmed_bookings(
        self, db_session: AsyncSession, cohort_id: str
    ) -> Sequence[BookingInfo]:
        rows = await db_session.execute(
            select(Booking, User)
            .join(User, User.id == Booking.teacher_id)
            .where(Booking.cohort_id == cohort_id, Booking.status == BookingStatus.CONFIRMED)
            .order_by(Booking.id)
        )
        return [_booking(booking, teacher) for booking, teacher in rows]

    async def reminder_times(
        self, db_session: AsyncSession, booking_id: str
    ) -> dict[tuple[str, str], datetime]:
        found = (
            await db_session.execute(
                select(Booking.status, Cohort.id, Cohort.reminder_offsets)
                .join(Cohort, Cohort.id == Booking.cohort_id)
                .where(Booking.id == booking_id)
            )
        ).first()
        if found is None or found.status is not BookingStatus.CONFIRMED:
            return {}
        starts = await db_session.execute(
            select(TrainingSession.id, TrainingSession.starts_at).where(
                TrainingSession.cohort_id == found.id,
                TrainingSession.status == SessionStatus.SCHEDULED,
            )
        )
        return {
            (session_id, offset): starts_at - parse_duration(offset)
            for session_id, starts_at in starts
            for offset in found.reminder_offsets
        }

    async def people(
        self, db_session: AsyncSession, user_ids: Collection[str]
    ) -> dict[str, Recipient]:
        if not user_ids:
            return {}
        rows = await db_session.scalars(
            select(User).where(User.id.in_(set(user_ids)), User.erased_at.is_(None))
        )
        return {u.id: Recipient(user_id=u.id, email=u.email, name=u.name) for u in rows}

    async def school_leads(self, db_session: AsyncSession, school_id: str) -> list[Recipient]:
        rows = await db_session.scalars(
            select(User)
            .where(
                User.school_id == school_id,
                User.role == Role.SCHOOL_LEAD,
                User.active,
                User.erased_at.is_(None),
            )
            .order_by(User.id)
        )
        return [Recipient(user_id=u.id, email=u.email, name=u.name) for u in rows]

    async def venue_name(self, db_session: AsyncSession, venue_id: str) -> str | None:
        return await db_session.scalar(select(Venue.name).where(Venue.id == venue_id))

    async def cohort_is_published(self, db_session: AsyncSession, cohort_id: str) -> bool:
        status = await db_session.scalar(select(Cohort.status).where(Cohort.id == cohort_id))
        return status is CohortStatus.PUBLISHED

    async def hub_staff(self, db_session: AsyncSession, hub_id: str) -> list[Recipient]:
        rows = await db_session.scalars(
            select(User)
            .where(
                User.hub_id == hub_id,
                User.role == Role.HUB_ADMIN,
                User.active.is_(True),
                User.erased_at.is_(None),
            )
            .order_by(User.email)
        )
        return [Recipient(user_id=u.id, email=u.email, name=u.name) for u in rows]

    async def person(self, db_session: AsyncSession, user_id: str) -> Recipient | None:
        user = await db_session.get(User, user_id)
        if user is None or user.erased_at is not None:
            return None
        return Recipient(user_id=user.id, email=user.email, name=user.name)


def _booking(booking: Booking, teacher: User | None) -> BookingInfo:
    """An erased teacher is nobody to write to: their address is gone (services.privacy)."""
    return BookingInfo(
        id=booking.id,
        cohort_id=booking.cohort_id,
        confirmed=booking.status is BookingStatus.CONFIRMED,
        teacher=None
        if teacher is None or teacher.erased_at is not None
        else Recipient(user_id=teacher.id, email=teacher.email, name=teacher.name),
    )


def _session_rows() -> Select[TrainingSession, Venue]:
    return select(TrainingSession, Venue).join(Venue, Venue.id == TrainingSession.venue_id)


async def _sessions(
    db_session: AsyncSession, stmt: Select[TrainingSession, Venue]
) -> list[SessionInfo]:
    rows = await db_session.execute(stmt.order_by(TrainingSession.starts_at, TrainingSession.id))
    return [_session(session, venue) for session, venue in rows]


def _session(session: TrainingSession, venue: Venue) -> SessionInfo:
    return SessionInfo(
        id=session.id,
        uid=session.uid,
        sequence=session.sequence,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        venue=VenueInfo(
            name=venue.name,
            address=venue.address,
            postcode=venue.postcode,
            timezone=venue.timezone,
            accessibility=accessibility_words(venue.accessibility),
            travel_notes=venue.travel_notes,
        ),
        cancelled=session.status is SessionStatus.CANCELLED,
        updated_at=session.updated_at,
    )
