"""Bookings and the waitlist (API.md, Bookings and the waitlist).

Every command locks the cohort row first, then checks and writes; see services.seats.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    AlreadyBookedError,
    BookingClashError,
    BookingClosedError,
    ForbiddenError,
    IdempotencyKeyReuseError,
    NotFoundError,
    NotOfferedError,
    OfferExpiredError,
    TimetableClashError,
    WaitlistFullError,
)
from booking.ids import new_id
from booking.models import (
    Booking,
    BookingStatus,
    Cohort,
    CohortStatus,
    IdempotencyRecord,
    Role,
    SessionStatus,
    TrainingSession,
)
from booking.repositories import bookings as booking_repo
from booking.repositories import cohorts as cohort_repo
from booking.repositories import idempotency as idempotency_repo
from booking.repositories import outbox as outbox_repo
from booking.repositories.locks import lock_key
from booking.repositories.outbox import add_event, finish_due
from booking.schemas.bookings import BookingCreate, BookingPage, BookingRead, Clash
from booking.services import promotion, seats
from booking.services.actor import Actor
from booking.services.cohorts import load_cohort
from booking.services.timetables import TimetableService
from calendars.intervals import Interval
from calendars.timetable import find_clashes

LATE_CANCELLATION = timedelta(hours=48)
IDEMPOTENCY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class BookingResult:
    status_code: int
    body: BookingRead


def request_hash(cohort_id: str, data: BookingCreate) -> str:
    return hashlib.sha256(cohort_id.encode() + b"\0" + msgspec.json.encode(data)).hexdigest()


class BookingService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def book(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort_id: str,
        data: BookingCreate,
        idempotency_key: str | None,
    ) -> BookingResult:
        """Confirm while seats remain, else join the waitlist. One active booking per teacher and
        cohort; a waitlisted teacher who books again while a seat is free takes it (200)."""
        actor.require_role(Role.TEACHER)
        async with unit_of_work(db_session):
            now = self.clock.now()
            if idempotency_key is not None:
                replay = await self._replay(
                    db_session, actor, cohort_id, data, key=idempotency_key, now=now
                )
                if replay is not None:
                    return replay
            cohort = await load_cohort(db_session, cohort_id, for_update=True)
            # One teacher's bookings in different cohorts queue here, so two overlapping cohorts
            # booked at once cannot both pass the booking_clash check (cohort locks differ).
            # Taken after the cohort lock and last: see services.promotion for the lock order.
            await lock_key(db_session, promotion.TEACHER_LOCK, actor.id)
            # Read once under the cohort lock (session changes take it too): the opening
            # check and both clash checks use the same rows.
            sessions = (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]
            self._check_open(cohort, sessions, now)
            result = await self._take_place(
                db_session, actor, cohort, sessions, now=now, accept_clashes=data.accept_clashes
            )
            if idempotency_key is not None:
                db_session.add(
                    IdempotencyRecord(
                        user_id=actor.id,
                        key=idempotency_key,
                        request_hash=request_hash(cohort_id, data),
                        status_code=result.status_code,
                        body=msgspec.to_builtins(result.body),
                        created_at=now,
                    )
                )
            return result

    async def _replay(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort_id: str,
        data: BookingCreate,
        *,
        key: str,
        now: datetime,
    ) -> BookingResult | None:
        # Concurrent requests with one key queue here, so the second sees the first's record.
        await lock_key(db_session, "idempotency", f"{actor.id}:{key}")
        record = await idempotency_repo.find(db_session, actor.id, key, now - IDEMPOTENCY_WINDOW)
        if record is None:
            return None
        if record.request_hash != request_hash(cohort_id, data):
            raise IdempotencyKeyReuseError("this Idempotency-Key was used with another request")
        return BookingResult(record.status_code, msgspec.convert(record.body, BookingRead))

    @staticmethod
    def _check_open(cohort: Cohort, sessions: Sequence[TrainingSession], now: datetime) -> None:
        if cohort.status is not CohortStatus.PUBLISHED:
            raise BookingClosedError("the cohort is not open for booking")
        first = promotion.first_live_start(sessions)
        if first is None or now >= first:
            raise BookingClosedError("the cohort has started")

    async def _take_place(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort: Cohort,
        sessions: Sequence[TrainingSession],
        *,
        now: datetime,
        accept_clashes: bool,
    ) -> BookingResult:
        live_ids = [s.id for s in sessions if s.status is SessionStatus.SCHEDULED]
        free = seats.seats_left(cohort) > 0 and not await self._held_for_waitlist(
            db_session, cohort, sessions, now
        )
        existing = await booking_repo.active_booking(db_session, actor.id, cohort.id)
        if existing is not None:
            if existing.status is BookingStatus.WAITLISTED and free:
                await self._check_booking_clash(db_session, actor, cohort, sessions)
                await seats.confirm(
                    db_session, cohort, existing, now, promoted=False, session_ids=live_ids
                )
                return BookingResult(200, await self.read(db_session, existing))
            raise AlreadyBookedError("you already have an active booking for this cohort")
        await self._check_booking_clash(db_session, actor, cohort, sessions)
        clashes = await self._timetable_clashes(db_session, actor, sessions)
        if clashes and not accept_clashes:
            raise TimetableClashError(
                "a session clashes with your timetable; book with accept_clashes to go ahead",
                extra={"clashes": [msgspec.to_builtins(c) for c in clashes]},
            )
        # The id is set here, not at flush: the outbox event written next must carry it.
        booking = Booking(
            id=new_id(), cohort_id=cohort.id, teacher_id=actor.id, created_at=now, updated_at=now
        )
        position = None
        if free:
            await seats.confirm(
                db_session, cohort, booking, now, promoted=False, session_ids=live_ids
            )
        else:
            length = await booking_repo.waitlist_length(db_session, cohort.id)
            if cohort.waitlist_capacity is not None and length >= cohort.waitlist_capacity:
                raise WaitlistFullError("the cohort and its waitlist are full")
            # Under the cohort lock everyone waiting joined before this booking: it is last.
            position = length + 1
            seats.waitlist(db_session, cohort, booking, now, position=position)
        db_session.add(booking)
        await db_session.flush()
        body = self._read(booking, position)
        return BookingResult(201, msgspec.structs.replace(body, clashes=clashes))

    @staticmethod
    async def _held_for_waitlist(
        db_session: AsyncSession,
        cohort: Cohort,
        sessions: Sequence[TrainingSession],
        now: datetime,
    ) -> bool:
        """A free seat outside promotion_cutoff whose waitlist is still to be walked again
        (services.promotion left due work) belongs to the people waiting, not to whoever
        books first."""
        if not promotion.promoting(cohort, sessions, now):
            return False
        return await outbox_repo.cohort_has_pending_due(
            db_session, seats.PROMOTION_RETRY, cohort.id
        )

    async def _timetable_clashes(
        self, db_session: AsyncSession, actor: Actor, cohort_sessions: Sequence[TrainingSession]
    ) -> list[Clash]:
        """The teacher's timetable entries that overlap the cohort's live sessions."""
        sessions = [
            (s.id, Interval(s.starts_at, s.ends_at))
            for s in cohort_sessions
            if s.status is SessionStatus.SCHEDULED
        ]
        if not sessions:
            return []
        window = Interval(min(i.start for _, i in sessions), max(i.end for _, i in sessions))
        entries = await TimetableService(self.clock).entries(db_session, actor.id, window)
        return [
            Clash(summary=c.summary, starts_at=c.start, ends_at=c.end, session_id=c.session_id)
            for c in find_clashes(entries, sessions)
        ]

    @staticmethod
    async def _check_booking_clash(
        db_session: AsyncSession,
        actor: Actor,
        cohort: Cohort,
        sessions: Sequence[TrainingSession],
    ) -> None:
        """Not overridable: a teacher cannot be in two sessions at once."""
        mine = await booking_repo.teacher_booked_sessions(
            db_session, actor.id, exclude_cohort=cohort.id
        )
        clashes = [
            Clash(
                summary="Another booked session",
                starts_at=other.starts_at,
                ends_at=other.ends_at,
                session_id=s.id,
            )
            for s in sessions
            if s.status is SessionStatus.SCHEDULED
            for other in mine
            if Interval(s.starts_at, s.ends_at).overlaps(Interval(other.starts_at, other.ends_at))
        ]
        if clashes:
            raise BookingClashError(
                "a session overlaps a session you are booked on",
                extra={"clashes": [msgspec.to_builtins(c) for c in clashes]},
            )

    async def read(self, db_session: AsyncSession, booking: Booking) -> BookingRead:
        return self._read(booking, await booking_repo.waitlist_position(db_session, booking))

    @staticmethod
    def _read(booking: Booking, waitlist_position: int | None) -> BookingRead:
        return BookingRead(
            id=booking.id,
            cohort_id=booking.cohort_id,
            teacher_id=booking.teacher_id,
            status=booking.status,
            waitlist_position=waitlist_position,
            offer_expires_at=booking.offer_expires_at,
            late=booking.late,
            clashes=[],
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )

    async def get(self, db_session: AsyncSession, actor: Actor, booking_id: str) -> BookingRead:
        booking, _ = await self._visible(db_session, actor, booking_id, lock=False)
        return await self.read(db_session, booking)

    async def mine(
        self, db_session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None
    ) -> BookingPage:
        rows, next_cursor = await booking_repo.list_teacher_bookings(
            db_session, actor.id, limit=limit, cursor=cursor
        )
        return BookingPage(
            items=[await self.read(db_session, b) for b in rows], next_cursor=next_cursor
        )

    async def cancel(self, db_session: AsyncSession, actor: Actor, booking_id: str) -> BookingRead:
        """Owner or hub staff. `late` inside 48 hours of the first session; twice is a no-op.
        A freed seat goes to the waitlist at once."""
        async with unit_of_work(db_session):
            booking, cohort = await self._visible(db_session, actor, booking_id, lock=True)
            if booking.status in {BookingStatus.CANCELLED, BookingStatus.EXPIRED}:
                return await self.read(db_session, booking)
            now = self.clock.now()
            first = await cohort_repo.first_start(db_session, cohort.id)
            previous = booking.status
            freed = await seats.release(db_session, cohort, booking, now, BookingStatus.CANCELLED)
            booking.cancelled_at = now
            booking.late = first is not None and now > first - LATE_CANCELLATION
            add_event(
                db_session,
                "BookingCancelled",
                seats.event_payload(
                    booking,
                    previous_status=previous.value,
                    late=booking.late,
                    by="owner" if actor.id == booking.teacher_id else "hub_staff",
                ),
                now,
            )
            if freed:
                await promotion.promote(db_session, cohort, now)
            await db_session.flush()
            return await self.read(db_session, booking)

    async def accept(self, db_session: AsyncSession, actor: Actor, booking_id: str) -> BookingRead:
        return await self._answer_offer(db_session, actor, booking_id, accept=True)

    async def decline(self, db_session: AsyncSession, actor: Actor, booking_id: str) -> BookingRead:
        return await self._answer_offer(db_session, actor, booking_id, accept=False)

    async def _answer_offer(
        self, db_session: AsyncSession, actor: Actor, booking_id: str, *, accept: bool
    ) -> BookingRead:
        """Only the owner answers. An offer past its expiry is expired now (and the seat passed
        on) before 409 offer_expired is raised, so the answer and the data agree."""
        expired = False
        async with unit_of_work(db_session):
            booking, cohort = await self._visible(db_session, actor, booking_id, lock=True)
            if booking.teacher_id != actor.id:
                raise ForbiddenError("only the teacher who was offered the place can answer")
            now = self.clock.now()
            if booking.status is BookingStatus.EXPIRED:
                expired = True
            elif booking.status is not BookingStatus.OFFERED:
                raise NotOfferedError("this booking has no open offer")
            elif booking.offer_expires_at is not None and booking.offer_expires_at <= now:
                await self._expire(db_session, cohort, booking, now)
                expired = True
            elif accept:
                await finish_due(db_session, seats.OFFER_EXPIRY, booking.id, now)
                await seats.confirm(db_session, cohort, booking, now, promoted=True)
            else:
                await seats.release(db_session, cohort, booking, now, BookingStatus.CANCELLED)
                booking.cancelled_at = now
                add_event(db_session, "OfferDeclined", seats.event_payload(booking), now)
                await promotion.promote(db_session, cohort, now)
            await db_session.flush()
            result = await self.read(db_session, booking)
        if expired:
            raise OfferExpiredError("the offer expired; the place has gone to the next person")
        return result

    async def _expire(
        self, db_session: AsyncSession, cohort: Cohort, booking: Booking, now: datetime
    ) -> None:
        await seats.release(db_session, cohort, booking, now, BookingStatus.EXPIRED)
        add_event(db_session, "OfferExpired", seats.event_payload(booking), now)
        await promotion.promote(db_session, cohort, now)

    async def expire_due_offers(self, db_session: AsyncSession, *, batch: int = 100) -> int:
        """Expire offers past their time, one cohort lock at a time; safe in every process."""
        done = 0
        due = [
            (b.id, b.cohort_id)
            for b in await booking_repo.offers_due(db_session, self.clock.now(), batch)
        ]
        await db_session.rollback()
        for booking_id, cohort_id in due:
            async with unit_of_work(db_session):
                cohort = await load_cohort(db_session, cohort_id, for_update=True)
                booking = await booking_repo.get_booking(db_session, booking_id)
                now = self.clock.now()
                if (
                    booking is not None
                    and booking.status is BookingStatus.OFFERED
                    and booking.offer_expires_at is not None
                    and booking.offer_expires_at <= now
                ):
                    await self._expire(db_session, cohort, booking, now)
                    done += 1
        return done

    async def retry_deferred_promotions(self, db_session: AsyncSession, *, batch: int = 100) -> int:
        """Finish promotions that stopped at a teacher busy with another booking
        (services.promotion); safe in every process."""
        due = await outbox_repo.due_booking_ids(
            db_session, promotion.PROMOTION_RETRY, self.clock.now(), batch
        )
        await db_session.rollback()
        for booking_id in due:
            async with unit_of_work(db_session):
                booking = await booking_repo.get_booking(db_session, booking_id)
                if booking is None:
                    continue
                cohort = await load_cohort(db_session, booking.cohort_id, for_update=True)
                now = self.clock.now()
                await finish_due(db_session, promotion.PROMOTION_RETRY, booking_id, now)
                if cohort.status is CohortStatus.PUBLISHED:
                    await promotion.promote(db_session, cohort, now)
        return len(due)

    async def _visible(
        self, db_session: AsyncSession, actor: Actor, booking_id: str, *, lock: bool
    ) -> tuple[Booking, Cohort]:
        """The booking and its cohort (locked when asked) if the actor owns it or staffs its hub."""
        booking = await booking_repo.get_booking(db_session, booking_id)
        if booking is None:
            raise NotFoundError("no such booking")
        cohort = await load_cohort(db_session, booking.cohort_id, for_update=lock)
        if booking.teacher_id != actor.id and not actor.manages_hub(cohort.hub_id):
            raise NotFoundError("no such booking")
        if lock:
            # Re-read under the lock: another transaction may have changed it meanwhile.
            await db_session.refresh(booking)
        return booking, cohort
