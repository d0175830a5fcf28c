"""Bookings and the waitlist (docs/contract.md, Bookings and the waitlist): who may do what to a
booking, idempotent retries and what a booking looks like. Every seat change is applied by
services.seating under the cohort lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    ForbiddenError,
    IdempotencyKeyReuseError,
    NotFoundError,
    NotOfferedError,
    OfferExpiredError,
)
from booking.models import Booking, BookingStatus, Cohort, IdempotencyRecord, Role
from booking.models.enums import BOOKING_ROLES
from booking.repositories import bookings as booking_repo
from booking.repositories import idempotency as idempotency_repo
from booking.repositories import schools as school_repo
from booking.repositories.locks import lock_key
from booking.schemas.bookings import BookingCreate, BookingPage, BookingRead
from booking.services import seat_rules
from booking.services.actor import Actor
from booking.services.cohorts import load_cohort
from booking.services.seating import Seating, lock_cohort

LATE_CANCELLATION = seat_rules.LATE_CANCELLATION
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
        self.seating = Seating(clock)

    async def book(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort_id: str,
        data: BookingCreate,
        idempotency_key: str | None,
    ) -> BookingResult:
        """A teacher books (services.seating.Seating.book); a retry with the same
        Idempotency-Key and body gets the first answer again and changes nothing."""
        actor.require_role(*BOOKING_ROLES)
        async with unit_of_work(db_session):
            now = self.clock.now()
            if idempotency_key is not None:
                replay = await self._replay(
                    db_session, actor, cohort_id, data, key=idempotency_key, now=now
                )
                if replay is not None:
                    return replay
            cohort = await lock_cohort(db_session, cohort_id)
            school_id, approves = await school_repo.membership(db_session, actor.id)
            placed = await self.seating.book(
                db_session,
                actor.id,
                cohort,
                school_id=school_id,
                accept_clashes=data.accept_clashes,
                # A teacher's own booking at a school that approves its staff's bookings (a
                # school_lead's is theirs to make).
                needs_approval=approves and actor.role is Role.TEACHER,
                made_by_lead=actor.role is Role.SCHOOL_LEAD,
            )
            body = msgspec.structs.replace(
                self._read(placed.booking, placed.waitlist_position), clashes=placed.clashes
            )
            result = BookingResult(placed.status_code, body)
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
            waitlist_reason=booking.waitlist_reason,
            approval_expires_at=booking.approval_expires_at,
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

    async def own_active(
        self, db_session: AsyncSession, actor: Actor, cohort_id: str
    ) -> BookingRead | None:
        """The caller's confirmed, offered or waitlisted booking on a cohort, if any (a page
        shows it instead of offering a second booking)."""
        booking = await booking_repo.active_booking(db_session, actor.id, cohort_id)
        return None if booking is None else await self.read(db_session, booking)

    async def cancel(self, db_session: AsyncSession, actor: Actor, booking_id: str) -> BookingRead:
        """Owner or hub staff. `late` inside 48 hours of the first session; twice is a no-op.
        A freed seat goes to the waitlist at once."""
        async with unit_of_work(db_session):
            booking, cohort = await self._visible(db_session, actor, booking_id, lock=True)
            if booking.status in {BookingStatus.CANCELLED, BookingStatus.EXPIRED}:
                return await self.read(db_session, booking)
            if seat_rules.approval_has_run_out(booking, self.clock.now()):
                # Its time ran out before this request: it expires, as the job would have.
                await self.seating.expire_approval_locked(db_session, cohort, booking)
                return await self.read(db_session, booking)
            by = "owner" if actor.id == booking.teacher_id else "hub_staff"
            await self.seating.cancel_locked(db_session, cohort, booking, by=by)
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
            if booking.status is BookingStatus.EXPIRED:
                expired = True
            elif booking.status is not BookingStatus.OFFERED:
                raise NotOfferedError("this booking has no open offer")
            elif seat_rules.offer_has_run_out(booking, self.clock.now()):
                await self.seating.expire_locked(db_session, cohort, booking)
                expired = True
            elif accept:
                await self.seating.accept_locked(db_session, cohort, booking)
            else:
                await self.seating.decline_locked(db_session, cohort, booking)
            await db_session.flush()
            result = await self.read(db_session, booking)
        if expired:
            raise OfferExpiredError("the offer expired; the place has gone to the next person")
        return result

    async def _visible(
        self, db_session: AsyncSession, actor: Actor, booking_id: str, *, lock: bool
    ) -> tuple[Booking, Cohort]:
        """The booking and its cohort (locked when asked) if the actor owns it or staffs its hub."""
        booking = await booking_repo.get_booking(db_session, booking_id)
        if booking is None:
            raise NotFoundError("no such booking")
        cohort = (
            await lock_cohort(db_session, booking.cohort_id)
            if lock
            else await load_cohort(db_session, booking.cohort_id)
        )
        if booking.teacher_id != actor.id and not actor.manages_hub(cohort.hub_id):
            raise NotFoundError("no such booking")
        if lock:
            # Re-read under the lock: another transaction may have changed it meanwhile.
            await db_session.refresh(booking)
        return booking, cohort
