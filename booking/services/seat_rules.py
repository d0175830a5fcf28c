"""Every seat rule and seat transition, as plain functions: no database, no clock, no locks.

The rules (docs/contract.md, Bookings and the waitlist): a cohort is open for booking while it is
published and its first live session has not started; seats left = capacity - confirmed -
offered; freed seats go to the waitlist in join order, but not inside `promotion_cutoff` of the
first session; a free seat that a promotion still owes the waitlist is held for it; a waiting
teacher who holds a seat in an overlapping session is passed over and keeps their place; so is
one whose school holds its share of the cohort (max_per_school;
docs/contract.md, Booking for staff), and a booking that would pass that share waits instead
(waitlist_reason "school_cap").

Each transition changes the booking and the cohort's counters together and returns the events
it causes. booking.services.seating applies them under the locks and writes the events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import Enum

import msgspec

from booking.durations import parse_duration
from booking.errors import BookingClosedError, CapacityBelowBookingsError
from booking.events import (
    ApprovalExpired,
    BookingCancelled,
    BookingConfirmed,
    BookingOffered,
    BookingPendingApproval,
    BookingRejected,
    BookingWaitlisted,
    Event,
    OfferDeclined,
    OfferExpired,
    SeatFreed,
)
from booking.models import Booking, BookingStatus, Cohort, CohortStatus, SessionStatus
from booking.models.cohorts import TrainingSession
from calendars.intervals import Interval

# Kinds of due work (rows with a due time) that seating leaves for the jobs.
OFFER_EXPIRY = "offer_expiry"
# A cohort's waitlist to walk again, by one of its waiting bookings (see Verdict.STOP).
PROMOTION_RETRY = "promotion_retry"
RETRY_AFTER = timedelta(seconds=1)
LATE_CANCELLATION = timedelta(hours=48)
SEAT_HOLDING = frozenset(
    {BookingStatus.CONFIRMED, BookingStatus.OFFERED, BookingStatus.PENDING_APPROVAL}
)
# Kind of due work: a booking pending approval that nobody answered in time.
APPROVAL_EXPIRY = "approval_expiry"
# Booking.waitlist_reason when the teacher's school is at the cohort's max_per_school.
SCHOOL_CAP = "school_cap"


# ---- rules -----------------------------------------------------------------------------------


def seats_left(cohort: Cohort) -> int:
    return cohort.capacity - cohort.confirmed_count - cohort.offered_count - cohort.pending_count


def live(sessions: Iterable[TrainingSession]) -> list[TrainingSession]:
    return [s for s in sessions if s.status is SessionStatus.SCHEDULED]


def first_live_start(sessions: Iterable[TrainingSession]) -> datetime | None:
    """When the first scheduled session starts (booking closes then)."""
    return min((s.starts_at for s in live(sessions)), default=None)


def check_open(cohort: Cohort, sessions: Sequence[TrainingSession], now: datetime) -> None:
    """Open for booking: published, and the first live session still ahead."""
    if cohort.status is not CohortStatus.PUBLISHED:
        raise BookingClosedError("the cohort is not open for booking")
    first = first_live_start(sessions)
    if first is None or now >= first:
        raise BookingClosedError("the cohort has started")


def promoting(cohort: Cohort, sessions: Sequence[TrainingSession], now: datetime) -> bool:
    """Whether freed seats go to the waitlist now: outside promotion_cutoff of the first live
    session. Inside it nothing moves: a freed seat is simply bookable again."""
    first = first_live_start(sessions)
    return first is not None and now < first - parse_duration(cohort.promotion_cutoff)


def seat_is_free(cohort: Cohort, *, owed_to_waitlist: bool) -> bool:
    """A seat a newcomer may take: one is left, and no promotion still owes it to the people
    waiting (a walk that stopped at a busy teacher and will finish a second later)."""
    return seats_left(cohort) > 0 and not owed_to_waitlist


def school_at_cap(cohort: Cohort, school_id: str | None, held_by_school: int) -> bool:
    """The school's staff already hold `max_per_school` seats (confirmed, offered or pending) of the
    cohort. No cap set, or a teacher with no school: never at the cap."""
    return (
        cohort.max_per_school is not None
        and school_id is not None
        and held_by_school >= cohort.max_per_school
    )


def is_late(first_start: datetime | None, now: datetime) -> bool:
    """A cancellation inside 48 hours of the first session."""
    return first_start is not None and now > first_start - LATE_CANCELLATION


def check_capacity(cohort: Cohort, capacity: int) -> None:
    """Capacity may not drop below the seats already confirmed or offered."""
    taken = cohort.confirmed_count + cohort.offered_count + cohort.pending_count
    if capacity < taken:
        raise CapacityBelowBookingsError(f"{taken} seats are confirmed, offered or pending")


def overlapping(
    sessions: Iterable[TrainingSession], others: Iterable[TrainingSession]
) -> list[tuple[TrainingSession, TrainingSession]]:
    """Pairs (one of `sessions`, one of `others`) that overlap, live sessions of `sessions` only;
    half-open, so back to back is not an overlap."""
    theirs = list(others)
    return [
        (mine, other)
        for mine in live(sessions)
        for other in theirs
        if Interval(mine.starts_at, mine.ends_at).overlaps(Interval(other.starts_at, other.ends_at))
    ]


class Verdict(Enum):
    """What the walk does with the next teacher in join order."""

    SEAT = "seat"  # gets the seat (confirmed or offered, by the cohort's mode)
    PASS = "pass"  # noqa: S105 - a verdict, not a password; passed over, keeps their place (a seat in an overlapping session, or their school at its cap)
    STOP = "stop"  # busy in another transaction: stop here, finish the walk a second later


def verdict(*, locked: bool, holds_overlapping_seat: bool, school_at_cap: bool = False) -> Verdict:
    """A teacher whose school is at its cap is passed over whether or not they could be locked
    (the walk does not wait for them)."""
    if school_at_cap:
        return Verdict.PASS
    if not locked:
        return Verdict.STOP
    return Verdict.PASS if holds_overlapping_seat else Verdict.SEAT


# ---- transitions -----------------------------------------------------------------------------


def _booking_fields(booking: Booking) -> dict[str, str]:
    return {
        "booking_id": booking.id,
        "cohort_id": booking.cohort_id,
        "teacher_id": booking.teacher_id,
        "status": booking.status.value,
    }


def confirm(
    cohort: Cohort,
    booking: Booking,
    now: datetime,
    *,
    promoted: bool,
    session_ids: Sequence[str],
) -> BookingConfirmed:
    """Give `booking` a seat (from new, waitlisted or offered). `session_ids`: the cohort's live
    sessions now; their invites go with this event."""
    if booking.status is BookingStatus.OFFERED:
        cohort.offered_count -= 1
    elif booking.status is BookingStatus.PENDING_APPROVAL:
        cohort.pending_count -= 1
    booking.approval_expires_at = None
    booking.status = BookingStatus.CONFIRMED
    booking.waitlist_seq = None
    booking.waitlist_reason = None
    booking.offer_expires_at = None
    booking.confirmed_at = now
    booking.updated_at = now
    cohort.confirmed_count += 1
    return BookingConfirmed(
        **_booking_fields(booking), promoted=promoted, session_ids=list(session_ids)
    )


def waitlist(
    cohort: Cohort, booking: Booking, now: datetime, *, position: int, reason: str | None = None
) -> BookingWaitlisted:
    """Last in the queue: every teacher waiting joined before (the cohort lock is held).
    `reason`: SCHOOL_CAP when a seat was kept from them by their school's share."""
    cohort.waitlist_seq += 1
    booking.status = BookingStatus.WAITLISTED
    booking.waitlist_seq = cohort.waitlist_seq
    booking.waitlist_reason = reason
    booking.updated_at = now
    return BookingWaitlisted(**_booking_fields(booking), position=position)


def offer(cohort: Cohort, booking: Booking, now: datetime) -> BookingOffered:
    """Hold a seat for a waiting teacher until now + offer_ttl."""
    expires = now + parse_duration(cohort.offer_ttl)
    booking.status = BookingStatus.OFFERED
    booking.waitlist_seq = None
    booking.waitlist_reason = None
    booking.offer_expires_at = expires
    booking.updated_at = now
    cohort.offered_count += 1
    return BookingOffered(**_booking_fields(booking), offer_expires_at=expires)


def release(cohort: Cohort, booking: Booking, now: datetime, to: BookingStatus) -> list[Event]:
    """Take `booking` out of the cohort (cancelled, expired); SeatFreed when it held a seat."""
    held = booking.status in SEAT_HOLDING
    if booking.status is BookingStatus.CONFIRMED:
        cohort.confirmed_count -= 1
    elif booking.status is BookingStatus.OFFERED:
        cohort.offered_count -= 1
    elif booking.status is BookingStatus.PENDING_APPROVAL:
        cohort.pending_count -= 1
    booking.approval_expires_at = None
    booking.status = to
    booking.waitlist_seq = None
    booking.waitlist_reason = None
    booking.offer_expires_at = None
    booking.updated_at = now
    return [SeatFreed(cohort_id=cohort.id, booking_id=booking.id)] if held else []


def cancel(
    cohort: Cohort, booking: Booking, now: datetime, *, by: str, late: bool | None
) -> list[Event]:
    """Cancelled by its owner, hub staff (`late` decided by the caller) or the cohort."""
    previous = booking.status
    events = release(cohort, booking, now, BookingStatus.CANCELLED)
    booking.cancelled_at = now
    if late is not None:
        booking.late = late
    cancelled = BookingCancelled(
        **_booking_fields(booking),
        previous_status=previous.value,
        by=by,
        late=msgspec.UNSET if late is None else late,
    )
    return [*events, cancelled]


def decline(cohort: Cohort, booking: Booking, now: datetime) -> list[Event]:
    events = release(cohort, booking, now, BookingStatus.CANCELLED)
    booking.cancelled_at = now
    return [*events, OfferDeclined(**_booking_fields(booking))]


def expire(cohort: Cohort, booking: Booking, now: datetime) -> list[Event]:
    events = release(cohort, booking, now, BookingStatus.EXPIRED)
    return [*events, OfferExpired(**_booking_fields(booking))]


def hold_for_approval(
    cohort: Cohort, booking: Booking, now: datetime, *, school_id: str
) -> BookingPendingApproval:
    """A seat held for a teacher until their school approves, rejects, or lets approval_ttl
    pass (docs/contract.md, Booking for staff: approval)."""
    expires = now + parse_duration(cohort.approval_ttl)
    booking.status = BookingStatus.PENDING_APPROVAL
    booking.waitlist_seq = None
    booking.waitlist_reason = None
    booking.approval_expires_at = expires
    booking.updated_at = now
    cohort.pending_count += 1
    return BookingPendingApproval(
        **_booking_fields(booking), approval_expires_at=expires, school_id=school_id
    )


def reject(cohort: Cohort, booking: Booking, now: datetime, *, reason: str) -> list[Event]:
    events = release(cohort, booking, now, BookingStatus.CANCELLED)
    booking.cancelled_at = now
    return [*events, BookingRejected(**_booking_fields(booking), reason=reason)]


def expire_approval(cohort: Cohort, booking: Booking, now: datetime) -> list[Event]:
    events = release(cohort, booking, now, BookingStatus.EXPIRED)
    return [*events, ApprovalExpired(**_booking_fields(booking))]


def approval_has_run_out(booking: Booking, now: datetime) -> bool:
    return (
        booking.status is BookingStatus.PENDING_APPROVAL
        and booking.approval_expires_at is not None
        and booking.approval_expires_at <= now
    )


def offer_has_run_out(booking: Booking, now: datetime) -> bool:
    return (
        booking.status is BookingStatus.OFFERED
        and booking.offer_expires_at is not None
        and booking.offer_expires_at <= now
    )
