"""The one place seat transitions are applied: under the locks, with their events.

The rules themselves are plain functions in services.seat_rules; this module reads what they
need, takes the locks, applies them and writes their events to the outbox.

Locks, so that counting and writing cannot interleave and no two transactions wait on each
other in a circle:
- the cohort's row lock (repositories.cohorts.get_cohort(for_update=True)) comes first: every
  change of seats or of the waitlist holds it (on SQLite, BEGIN IMMEDIATE serialises writers);
- a teacher's booking lock comes next: a booking takes its own teacher's after its cohort's, so
  two overlapping cohorts booked at once cannot both pass the booking_clash check, and waits
  for nothing after that;
- the waitlist walk holds its cohort lock and may wait for the first teacher lock it needs
  (its holder is a booking of another cohort, which finishes without waiting on us); for any
  further teacher it only tries, because two walks each holding one teacher and waiting for
  the other's would deadlock. A teacher it cannot lock at once stops the walk (join order) and
  leaves due work (PROMOTION_RETRY) that the jobs finish a second later.

Functions whose name says "locked" expect the caller to hold the cohort lock already (cohort
and session services, which lock the cohort for their own changes first).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    AlreadyBookedError,
    BookingClashError,
    NotFoundError,
    TimetableClashError,
    WaitlistFullError,
)
from booking.events import Event, SeatFreed
from booking.ids import new_id
from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    TrainingSession,
    WaitlistMode,
)
from booking.models.enums import ACTIVE_BOOKING_STATUSES
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.repositories import outbox as outbox_repo
from booking.repositories import schools as school_repo
from booking.repositories import timetables as timetable_repo
from booking.repositories.locks import lock_key, try_lock_key
from booking.repositories.outbox import add_due, add_event, finish_due, pending_due
from booking.schemas.bookings import Clash
from booking.services import seat_rules as rules
from booking.services.seat_rules import APPROVAL_EXPIRY, OFFER_EXPIRY, PROMOTION_RETRY, Verdict
from calendars.intervals import Interval
from calendars.timetable import find_clashes

logger = logging.getLogger(__name__)

TEACHER_LOCK = "teacher_bookings"
# Waiting teachers read per query: a rush can leave thousands waiting, a freed seat needs one.
WALK_BATCH = 20


@dataclass(frozen=True, slots=True)
class Placed:
    """What a booking request did: the booking, 201 (new) or 200 (a waiting one now seated)."""

    booking: Booking
    status_code: int
    waitlist_position: int | None = None
    clashes: list[Clash] = field(default_factory=list)


async def lock_cohort(db_session: AsyncSession, cohort_id: str) -> Cohort:
    """The cohort, its row locked to the end of the transaction."""
    cohort = await cohort_repo.get_cohort(db_session, cohort_id, for_update=True)
    if cohort is None:
        raise NotFoundError("no such cohort")
    return cohort


def write(db_session: AsyncSession, events: Sequence[Event], now: datetime) -> None:
    for event in events:
        add_event(db_session, event, now)


class Seating:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    # ---- booking ------------------------------------------------------------------------------

    async def book(
        self,
        db_session: AsyncSession,
        teacher_id: str,
        cohort: Cohort,
        *,
        school_id: str | None,
        accept_clashes: bool,
        needs_approval: bool = False,
        made_by_lead: bool = False,
    ) -> Placed:
        """Confirm while seats remain, else join the waitlist; one active booking per teacher and
        cohort; a waitlisted teacher who books again while a seat is free takes it (200).
        `school_id` is the teacher's school (the caller has read it, with its approval rule);
        `needs_approval` (their own booking, their school approves them): a seat they would
        take is held pending approval instead. The caller holds the cohort lock (lock_cohort)
        inside its unit of work."""
        now = self.clock.now()
        await lock_key(db_session, TEACHER_LOCK, teacher_id)
        # Read once under the cohort lock (session changes take it too): the opening check and
        # both clash checks use the same rows.
        sessions = (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]
        rules.check_open(cohort, sessions, now)
        # Whether an unfinished walk still owes the free seats only matters while one is left.
        free = rules.seats_left(cohort) > 0 and rules.seat_is_free(
            cohort, owed_to_waitlist=await self._owed_to_waitlist(db_session, cohort, sessions, now)
        )
        live_ids = [s.id for s in rules.live(sessions)]
        capped = await self._school_at_cap(db_session, cohort, school_id)
        existing = await booking_repo.active_booking(db_session, teacher_id, cohort.id)
        if existing is not None:
            if existing.status is BookingStatus.WAITLISTED and free and not capped:
                await self._check_booking_clash(db_session, teacher_id, cohort, sessions)
                write(
                    db_session,
                    [
                        self._seat(
                            db_session,
                            cohort,
                            existing,
                            live_ids,
                            now,
                            needs_approval=needs_approval,
                        )
                    ],
                    now,
                )
                return Placed(existing, 200)
            raise AlreadyBookedError("you already have an active booking for this cohort")
        await self._check_booking_clash(db_session, teacher_id, cohort, sessions)
        clashes = await self._timetable_clashes(db_session, teacher_id, sessions)
        if clashes and not accept_clashes:
            raise TimetableClashError(
                "a session clashes with your timetable; book with accept_clashes to go ahead",
                extra={"clashes": [msgspec.to_builtins(c) for c in clashes]},
            )
        # The id is set here, not at flush: the outbox event written next must carry it.
        booking = Booking(
            id=new_id(),
            cohort_id=cohort.id,
            teacher_id=teacher_id,
            school_id=school_id,
            made_by_lead=made_by_lead,
            created_at=now,
            updated_at=now,
        )
        position = None
        if free and not capped:
            event: Event = self._seat(
                db_session, cohort, booking, live_ids, now, needs_approval=needs_approval
            )
        else:
            length = await booking_repo.waitlist_length(db_session, cohort.id)
            if cohort.waitlist_capacity is not None and length >= cohort.waitlist_capacity:
                raise WaitlistFullError("the cohort and its waitlist are full")
            position = length + 1
            reason = rules.SCHOOL_CAP if capped else None
            event = rules.waitlist(cohort, booking, now, position=position, reason=reason)
        db_session.add(booking)
        write(db_session, [event], now)
        await db_session.flush()
        return Placed(booking, 201, waitlist_position=position, clashes=clashes)

    @staticmethod
    def _seat(
        db_session: AsyncSession,
        cohort: Cohort,
        booking: Booking,
        live_ids: Sequence[str],
        now: datetime,
        *,
        needs_approval: bool,
    ) -> Event:
        """Confirm, or hold pending the school's approval (with its expiry as due work)."""
        if needs_approval and booking.school_id is not None:
            event = rules.hold_for_approval(cohort, booking, now, school_id=booking.school_id)
            assert booking.approval_expires_at is not None  # noqa: S101 - set just above
            add_due(db_session, APPROVAL_EXPIRY, booking.id, booking.approval_expires_at)
            return event
        return rules.confirm(cohort, booking, now, promoted=False, session_ids=live_ids)

    @staticmethod
    async def _school_at_cap(
        db_session: AsyncSession, cohort: Cohort, school_id: str | None
    ) -> bool:
        """Whether the school's staff hold the cohort's max_per_school seats (under the cohort
        lock, so two of its staff booking at once cannot both pass)."""
        if cohort.max_per_school is None or school_id is None:
            return False
        await db_session.flush()  # sessions do not autoflush: count what this one changed too
        held = await booking_repo.school_seats(db_session, cohort.id)
        return rules.school_at_cap(cohort, school_id, held.get(school_id, 0))

    async def _owed_to_waitlist(
        self,
        db_session: AsyncSession,
        cohort: Cohort,
        sessions: Sequence[TrainingSession],
        now: datetime,
    ) -> bool:
        """A walk left unfinished (a busy teacher) still owes the free seats to the waitlist."""
        if not rules.promoting(cohort, sessions, now):
            return False
        return await outbox_repo.cohort_has_pending_due(db_session, PROMOTION_RETRY, cohort.id)

    async def _check_booking_clash(
        self,
        db_session: AsyncSession,
        teacher_id: str,
        cohort: Cohort,
        sessions: Sequence[TrainingSession],
    ) -> None:
        """Not overridable: a teacher cannot be in two sessions at once."""
        mine = await booking_repo.teacher_booked_sessions(
            db_session, teacher_id, exclude_cohort=cohort.id
        )
        pairs = rules.overlapping(sessions, mine)
        if pairs:
            clashes = [
                Clash(
                    summary="Another booked session",
                    starts_at=other.starts_at,
                    ends_at=other.ends_at,
                    session_id=session.id,
                )
                for session, other in pairs
            ]
            raise BookingClashError(
                "a session overlaps a session you are booked on",
                extra={"clashes": [msgspec.to_builtins(c) for c in clashes]},
            )

    async def _timetable_clashes(
        self, db_session: AsyncSession, teacher_id: str, cohort_sessions: Sequence[TrainingSession]
    ) -> list[Clash]:
        """The teacher's timetable entries that overlap the cohort's live sessions."""
        sessions = [(s.id, Interval(s.starts_at, s.ends_at)) for s in rules.live(cohort_sessions)]
        if not sessions:
            return []
        window = Interval(min(i.start for _, i in sessions), max(i.end for _, i in sessions))
        entries = await timetable_repo.entries_between(
            db_session, teacher_id, window.start, window.end
        )
        return [
            Clash(summary=c.summary, starts_at=c.start, ends_at=c.end, session_id=c.session_id)
            for c in find_clashes(entries, sessions)
        ]

    # ---- a booking leaving, offers answered ---------------------------------------------------

    async def cancel_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking, *, by: str
    ) -> None:
        """Owner or hub staff cancel an active booking; `late` inside 48 hours of the first
        session. The freed seat goes to the waitlist at once."""
        now = self.clock.now()
        late = rules.is_late(await cohort_repo.first_start(db_session, cohort.id), now)
        was_offered = booking.status is BookingStatus.OFFERED
        events = rules.cancel(cohort, booking, now, by=by, late=late)
        await self._after_release(db_session, cohort, booking, events, now, was_offered=was_offered)

    async def decline_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking
    ) -> None:
        now = self.clock.now()
        events = rules.decline(cohort, booking, now)
        await self._after_release(db_session, cohort, booking, events, now, was_offered=True)

    async def accept_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking
    ) -> None:
        now = self.clock.now()
        await finish_due(db_session, OFFER_EXPIRY, booking.id, now)
        session_ids = await cohort_repo.scheduled_session_ids(db_session, cohort.id)
        event = rules.confirm(cohort, booking, now, promoted=True, session_ids=session_ids)
        write(db_session, [event], now)

    async def approve_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking
    ) -> None:
        """The school approves: confirmed, with the invites of a confirmation."""
        now = self.clock.now()
        await finish_due(db_session, APPROVAL_EXPIRY, booking.id, now)
        session_ids = await cohort_repo.scheduled_session_ids(db_session, cohort.id)
        event = rules.confirm(cohort, booking, now, promoted=False, session_ids=session_ids)
        write(db_session, [event], now)

    async def reject_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking, reason: str
    ) -> None:
        now = self.clock.now()
        events = rules.reject(cohort, booking, now, reason=reason)
        await self._after_release(db_session, cohort, booking, events, now, was_offered=False)

    async def expire_approval_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking
    ) -> None:
        now = self.clock.now()
        events = rules.expire_approval(cohort, booking, now)
        await self._after_release(db_session, cohort, booking, events, now, was_offered=False)

    async def expire_locked(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking
    ) -> None:
        now = self.clock.now()
        events = rules.expire(cohort, booking, now)
        await self._after_release(db_session, cohort, booking, events, now, was_offered=True)

    async def _after_release(
        self,
        db_session: AsyncSession,
        cohort: Cohort,
        booking: Booking,
        events: list[Event],
        now: datetime,
        *,
        was_offered: bool,
        promote: bool = True,
    ) -> None:
        """Write what a release caused; a freed seat may seat the teacher elsewhere (their
        clash is gone) and goes to this cohort's waitlist (unless the cohort is going too)."""
        if was_offered:
            # The offer's expiry has nothing left to do.
            await finish_due(db_session, OFFER_EXPIRY, booking.id, now)
        # Nor has an approval's (a no-op for a booking that was never pending).
        await finish_due(db_session, APPROVAL_EXPIRY, booking.id, now)
        write(db_session, events, now)
        if any(isinstance(e, SeatFreed) for e in events):
            await self.reconsider_waiting(db_session, [booking.teacher_id], cohort.id, now)
            if promote:
                await self.promote_locked(db_session, cohort, now)
        await db_session.flush()

    async def cancel_cohort_locked(self, db_session: AsyncSession, cohort: Cohort) -> None:
        """Every active booking of a cancelled cohort is cancelled with it (nothing is promoted:
        there is no cohort left to promote into)."""
        now = self.clock.now()
        for booking in await booking_repo.bookings_of_cohort(
            db_session, cohort.id, ACTIVE_BOOKING_STATUSES
        ):
            was_offered = booking.status is BookingStatus.OFFERED
            events = rules.cancel(cohort, booking, now, by="cohort_cancelled", late=None)
            await self._after_release(
                db_session, cohort, booking, events, now, was_offered=was_offered, promote=False
            )

    @staticmethod
    def change_capacity_locked(cohort: Cohort, capacity: int) -> None:
        """A fall may not go below the seats taken; a rise hands seats to the waitlist (the
        caller promotes once every change of the request is applied)."""
        rules.check_capacity(cohort, capacity)
        cohort.capacity = capacity

    async def sessions_changed_locked(self, db_session: AsyncSession, cohort: Cohort) -> None:
        """A session moved or went: a teacher passed over for a clash with it (here, or where
        this cohort's attendees wait elsewhere) may fit now."""
        if cohort.status is not CohortStatus.PUBLISHED:
            return
        now = self.clock.now()
        await self.promote_locked(db_session, cohort, now)
        holders = await booking_repo.seat_holders(db_session, cohort.id)
        await self.reconsider_waiting(db_session, holders, cohort.id, now)

    # ---- the waitlist walk --------------------------------------------------------------------

    async def promote_locked(self, db_session: AsyncSession, cohort: Cohort, now: datetime) -> None:
        """Confirm (`auto`) or offer (`offer`, expiring after offer_ttl) each free seat to the
        longest-waiting teacher who can take it; nothing inside promotion_cutoff."""
        if cohort.status is not CohortStatus.PUBLISHED or rules.seats_left(cohort) <= 0:
            return
        sessions = rules.live((await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id])
        if not rules.promoting(cohort, sessions, now):
            return
        locked_any = False
        after: int | None = None
        held = await self._school_seats(db_session, cohort)
        approving: dict[str, bool] = {}  # school id -> approves its staff's own bookings
        while rules.seats_left(cohort) > 0:
            waiting = await booking_repo.waitlisted_after(db_session, cohort.id, after, WALK_BATCH)
            if not waiting:
                break
            for candidate in waiting:
                if rules.seats_left(cohort) <= 0:
                    break
                after = candidate.waitlist_seq
                decision, locked = await self._decide(
                    db_session, cohort, candidate, sessions, held, wait=not locked_any
                )
                locked_any = locked_any or locked
                if decision is Verdict.STOP:
                    await self._defer(db_session, candidate, now)
                    await db_session.flush()
                    return
                if decision is Verdict.SEAT:
                    approve = await self._needs_approval(db_session, candidate, approving)
                    self._hand_seat(
                        db_session, cohort, candidate, sessions, now, needs_approval=approve
                    )
                    if candidate.school_id is not None:
                        held[candidate.school_id] = held.get(candidate.school_id, 0) + 1
        await db_session.flush()

    @staticmethod
    async def _school_seats(db_session: AsyncSession, cohort: Cohort) -> dict[str, int]:
        """Seats per school for max_per_school (none to count without a cap); the seat just
        released is flushed first (sessions do not autoflush)."""
        if cohort.max_per_school is None:
            return {}
        await db_session.flush()
        return await booking_repo.school_seats(db_session, cohort.id)

    async def _decide(
        self,
        db_session: AsyncSession,
        cohort: Cohort,
        candidate: Booking,
        sessions: Sequence[TrainingSession],
        held: dict[str, int],
        *,
        wait: bool,
    ) -> tuple[Verdict, bool]:
        """What the walk does with `candidate`, and whether their teacher lock was taken. A
        teacher whose school is at its cap is passed over without locking them."""
        capped = rules.school_at_cap(
            cohort, candidate.school_id, held.get(candidate.school_id or "", 0)
        )
        locked = not capped and await self._lock_teacher(
            db_session, candidate.teacher_id, wait=wait
        )
        theirs = (
            await booking_repo.teacher_booked_sessions(
                db_session, candidate.teacher_id, exclude_cohort=cohort.id
            )
            if locked
            else []
        )
        decision = rules.verdict(
            locked=locked,
            holds_overlapping_seat=bool(rules.overlapping(sessions, theirs)),
            school_at_cap=capped,
        )
        if decision is Verdict.PASS:
            logger.info(
                "waitlist: passed over booking %s (%s)",
                candidate.id,
                "its school at the cap" if capped else "a seat in an overlapping session",
            )
        return decision, locked

    @staticmethod
    async def _needs_approval(
        db_session: AsyncSession, candidate: Booking, approving: dict[str, bool]
    ) -> bool:
        """A teacher's own booking (not a lead's), at a school that approves them."""
        if candidate.made_by_lead or candidate.school_id is None:
            return False
        if candidate.school_id not in approving:
            school = await school_repo.get_school(db_session, candidate.school_id)
            approving[candidate.school_id] = school is not None and school.approval_required
        return approving[candidate.school_id]

    def _hand_seat(
        self,
        db_session: AsyncSession,
        cohort: Cohort,
        candidate: Booking,
        sessions: Sequence[TrainingSession],
        now: datetime,
        *,
        needs_approval: bool = False,
    ) -> None:
        """`auto`: confirmed, or held pending approval (a seat their own booking would take);
        `offer`: offered (accepting it confirms: the teacher answered for themselves)."""
        if cohort.waitlist_mode is WaitlistMode.AUTO and needs_approval:
            event: Event = self._seat(
                db_session, cohort, candidate, [s.id for s in sessions], now, needs_approval=True
            )
        elif cohort.waitlist_mode is WaitlistMode.AUTO:
            event = rules.confirm(
                cohort, candidate, now, promoted=True, session_ids=[s.id for s in sessions]
            )
        else:
            event = rules.offer(cohort, candidate, now)
            assert candidate.offer_expires_at is not None  # noqa: S101 - set by rules.offer
            add_due(db_session, OFFER_EXPIRY, candidate.id, candidate.offer_expires_at)
        write(db_session, [event], now)

    @staticmethod
    async def _lock_teacher(db_session: AsyncSession, teacher_id: str, *, wait: bool) -> bool:
        if wait:
            await lock_key(db_session, TEACHER_LOCK, teacher_id)
            return True
        return await try_lock_key(db_session, TEACHER_LOCK, teacher_id)

    @staticmethod
    async def _defer(db_session: AsyncSession, candidate: Booking, now: datetime) -> None:
        """The teacher is in the middle of another booking: finish the walk a second later."""
        logger.info("waitlist: promotion in cohort %s deferred (teacher busy)", candidate.cohort_id)
        if not await pending_due(db_session, PROMOTION_RETRY, [candidate.id]):
            add_due(db_session, PROMOTION_RETRY, candidate.id, now + rules.RETRY_AFTER)

    async def reconsider_waiting(
        self, db_session: AsyncSession, teacher_ids: Sequence[str], cohort_id: str, now: datetime
    ) -> None:
        """The teachers' seats in `cohort_id` are gone or have moved, so where they wait
        elsewhere a walk that passed them over may now seat them: ask for those waitlists to
        be walked again. Due work rather than done here: those cohorts' locks are not ours to
        take while we hold this one."""
        waiting = await booking_repo.waiting_elsewhere(db_session, teacher_ids, cohort_id)
        already = await pending_due(db_session, PROMOTION_RETRY, waiting)
        for booking_id in waiting:
            if booking_id not in already:
                add_due(db_session, PROMOTION_RETRY, booking_id, now)

    # ---- jobs ---------------------------------------------------------------------------------

    async def expire_due_offers(self, db_session: AsyncSession, *, batch: int = 100) -> int:
        """Expire offers past their time, one cohort lock at a time; safe in every process."""
        due = [
            (b.id, b.cohort_id)
            for b in await booking_repo.offers_due(db_session, self.clock.now(), batch)
        ]
        await db_session.rollback()
        done = 0
        for booking_id, cohort_id in due:
            async with unit_of_work(db_session):
                cohort = await lock_cohort(db_session, cohort_id)
                booking = await booking_repo.get_booking(db_session, booking_id)
                if booking is not None and rules.offer_has_run_out(booking, self.clock.now()):
                    await self.expire_locked(db_session, cohort, booking)
                    done += 1
        return done

    async def expire_due_approvals(self, db_session: AsyncSession, *, batch: int = 100) -> int:
        """Bookings left unanswered past approval_expires_at: expired, their seats passed on;
        one cohort lock at a time, safe in every process."""
        due = await outbox_repo.due_booking_ids(
            db_session, APPROVAL_EXPIRY, self.clock.now(), batch
        )
        await db_session.rollback()
        done = 0
        for booking_id in due:
            async with unit_of_work(db_session):
                booking = await booking_repo.get_booking(db_session, booking_id)
                if booking is None:
                    continue
                cohort = await lock_cohort(db_session, booking.cohort_id)
                await db_session.refresh(booking)  # it may have moved before the lock was ours
                now = self.clock.now()
                if rules.approval_has_run_out(booking, now):
                    await self.expire_approval_locked(db_session, cohort, booking)
                    done += 1
                else:
                    await finish_due(db_session, APPROVAL_EXPIRY, booking_id, now)
        return done

    async def retry_deferred_promotions(self, db_session: AsyncSession, *, batch: int = 100) -> int:
        """Finish walks that stopped at a teacher busy with another booking; safe in every
        process."""
        due = await outbox_repo.due_booking_ids(
            db_session, PROMOTION_RETRY, self.clock.now(), batch
        )
        await db_session.rollback()
        for booking_id in due:
            async with unit_of_work(db_session):
                booking = await booking_repo.get_booking(db_session, booking_id)
                if booking is None:
                    continue
                cohort = await lock_cohort(db_session, booking.cohort_id)
                now = self.clock.now()
                await finish_due(db_session, PROMOTION_RETRY, booking_id, now)
                await self.promote_locked(db_session, cohort, now)
        return len(due)
