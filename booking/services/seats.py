"""Seats and the waitlist: the one place seats are taken, freed and handed on.

Every function here runs inside a unit of work that holds the cohort lock
(repositories.cohorts.get_cohort(for_update=True)), so counts and rows change together.
Freed seats are handed on by services.promotion.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from booking.durations import parse_duration
from booking.models import Booking, BookingStatus, Cohort
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.repositories.outbox import add_due, add_event, finish_due, pending_due

OFFER_EXPIRY = "offer_expiry"
# A cohort's waitlist to walk again (services.promotion), by one of its waiting bookings.
PROMOTION_RETRY = "promotion_retry"


def seats_left(cohort: Cohort) -> int:
    return cohort.capacity - cohort.confirmed_count - cohort.offered_count


def event_payload(booking: Booking, **extra: object) -> dict[str, object]:
    return {
        "booking_id": booking.id,
        "cohort_id": booking.cohort_id,
        "teacher_id": booking.teacher_id,
        "status": booking.status.value,
        **extra,
    }


async def confirm(
    db_session: AsyncSession,
    cohort: Cohort,
    booking: Booking,
    now: datetime,
    *,
    promoted: bool,
    session_ids: Sequence[str] | None = None,
) -> None:
    """Give `booking` a seat (from waitlisted, offered or new).

    The event names the sessions the seat covers now: their invites go with this confirmation,
    and a session added later is announced by its own event (whose list names this booking),
    so each session reaches each attendee once whichever event is handled first.
    `session_ids`: the cohort's scheduled sessions when the caller has read them under the lock.
    """
    if booking.status is BookingStatus.OFFERED:
        cohort.offered_count -= 1
    booking.status = BookingStatus.CONFIRMED
    booking.waitlist_seq = None
    booking.offer_expires_at = None
    booking.confirmed_at = now
    booking.updated_at = now
    cohort.confirmed_count += 1
    if session_ids is None:
        session_ids = await cohort_repo.scheduled_session_ids(db_session, cohort.id)
    add_event(
        db_session,
        "BookingConfirmed",
        event_payload(booking, promoted=promoted, session_ids=list(session_ids)),
        now,
    )


def waitlist(
    db_session: AsyncSession, cohort: Cohort, booking: Booking, now: datetime, position: int
) -> None:
    cohort.waitlist_seq += 1
    booking.status = BookingStatus.WAITLISTED
    booking.waitlist_seq = cohort.waitlist_seq
    booking.updated_at = now
    add_event(db_session, "BookingWaitlisted", event_payload(booking, position=position), now)


async def release(
    db_session: AsyncSession, cohort: Cohort, booking: Booking, now: datetime, to: BookingStatus
) -> bool:
    """Take `booking` out of the cohort (cancelled, expired). True when it freed a seat."""
    held = booking.status in {BookingStatus.CONFIRMED, BookingStatus.OFFERED}
    if booking.status is BookingStatus.CONFIRMED:
        cohort.confirmed_count -= 1
    elif booking.status is BookingStatus.OFFERED:
        cohort.offered_count -= 1
        # The offer's expiry has nothing left to do.
        await finish_due(db_session, OFFER_EXPIRY, booking.id, now)
    booking.status = to
    booking.waitlist_seq = None
    booking.offer_expires_at = None
    booking.updated_at = now
    if held:
        add_event(db_session, "SeatFreed", {"cohort_id": cohort.id, "booking_id": booking.id}, now)
        await reconsider_waiting(db_session, [booking.teacher_id], cohort.id, now)
    return held


async def reconsider_waiting(
    db_session: AsyncSession, teacher_ids: Sequence[str], cohort_id: str, now: datetime
) -> None:
    """The teachers' seats in `cohort_id` are gone or have moved, so where they wait elsewhere
    a promotion that passed them over (services.promotion) may now seat them: ask for those
    waitlists to be walked again. Due work rather than done here, because those cohorts'
    locks are not ours to take while we hold this one."""
    waiting = await booking_repo.waiting_elsewhere(db_session, teacher_ids, cohort_id)
    already = await pending_due(db_session, PROMOTION_RETRY, waiting)
    for booking_id in waiting:
        if booking_id not in already:
            add_due(db_session, PROMOTION_RETRY, booking_id, now)


def offer(db_session: AsyncSession, cohort: Cohort, booking: Booking, now: datetime) -> None:
    expires = now + parse_duration(cohort.offer_ttl)
    booking.status = BookingStatus.OFFERED
    booking.waitlist_seq = None
    booking.offer_expires_at = expires
    booking.updated_at = now
    cohort.offered_count += 1
    add_due(db_session, OFFER_EXPIRY, booking.id, expires)
    add_event(
        db_session,
        "BookingOffered",
        event_payload(booking, offer_expires_at=expires.isoformat()),
        now,
    )
