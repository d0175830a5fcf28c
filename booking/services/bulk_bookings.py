"""A school lead (or an admin) booking several staff on a cohort at once
(docs/contract.md, Booking for staff, approval, fairness).

Each teacher is booked by services.seating exactly as their own booking would be, in request
order, inside one unit of work that holds the cohort lock throughout: so a bulk booking is
under the same invariants as single ones and costs one lock per request, not per person. A rule
about one person (already booked, a clash, not of the lead's school...) fails that person only:
Seating.book checks every such rule before it writes anything. The cohort being closed or
missing fails the whole request, as it would a single booking.
"""

from __future__ import annotations

import hashlib

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import (
    AlreadyBookedError,
    BookingClashError,
    DomainError,
    IdempotencyKeyReuseError,
    TimetableClashError,
    WaitlistFullError,
)
from booking.events import BulkBooked, BulkOutcome
from booking.models import Cohort, IdempotencyRecord, Role, User
from booking.models.enums import BOOKING_ROLES
from booking.repositories import cohorts as cohort_repo
from booking.repositories import idempotency as idempotency_repo
from booking.repositories import users as user_repo
from booking.repositories.locks import lock_key
from booking.repositories.outbox import add_event
from booking.schemas.bookings import BulkBookingCreate, BulkBookingRead, BulkProblem, BulkResult
from booking.services import seat_rules
from booking.services.actor import Actor
from booking.services.bookings import IDEMPOTENCY_WINDOW, BookingService
from booking.services.seating import TEACHER_LOCK, Seating, lock_cohort

# What fails one person and not the request.
PER_TEACHER = (AlreadyBookedError, BookingClashError, TimetableClashError, WaitlistFullError)


def bulk_request_hash(cohort_id: str, data: BulkBookingCreate) -> str:
    return hashlib.sha256(
        b"bulk\0" + cohort_id.encode() + b"\0" + msgspec.json.encode(data)
    ).hexdigest()


def _problem(code: str, detail: str) -> BulkProblem:
    return BulkProblem(code=code, detail=detail)


class BulkBookingService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.seating = Seating(clock)

    async def book(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort_id: str,
        data: BulkBookingCreate,
        idempotency_key: str | None,
    ) -> BulkBookingRead:
        actor.require_role(Role.ADMIN, Role.SCHOOL_LEAD)
        async with unit_of_work(db_session):
            now = self.clock.now()
            if idempotency_key is not None:
                replay = await self._replay(db_session, actor, cohort_id, data, idempotency_key)
                if replay is not None:
                    return replay
            cohort = await lock_cohort(db_session, cohort_id)
            sessions = (await cohort_repo.sessions_of(db_session, [cohort.id]))[cohort.id]
            seat_rules.check_open(cohort, sessions, now)
            people = await user_repo.users_by_ids(db_session, data.teacher_ids)
            # Every teacher lock up front, in one order for every request: two bulk bookings
            # sharing staff cannot each hold one lock and wait for the other's.
            for teacher_id in sorted(set(people)):
                await lock_key(db_session, TEACHER_LOCK, teacher_id)
            results = [
                await self._one(
                    db_session,
                    actor,
                    cohort,
                    teacher=people.get(teacher_id),
                    teacher_id=teacher_id,
                    accept_clashes=data.accept_clashes,
                )
                for teacher_id in data.teacher_ids
            ]
            outcomes = [
                BulkOutcome(
                    teacher_id=r.teacher_id,
                    status=None if r.booking is None else r.booking.status.value,
                    code=None if r.problem is None else r.problem.code,
                )
                for r in results
            ]
            add_event(
                db_session,
                BulkBooked(cohort_id=cohort.id, booked_by=actor.id, outcomes=outcomes),
                now,
            )
            body = BulkBookingRead(results=results)
            if idempotency_key is not None:
                db_session.add(
                    IdempotencyRecord(
                        user_id=actor.id,
                        key=idempotency_key,
                        request_hash=bulk_request_hash(cohort_id, data),
                        status_code=200,
                        body=msgspec.to_builtins(body),
                        created_at=now,
                    )
                )
            return body

    async def _one(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort: Cohort,
        *,
        teacher: User | None,
        teacher_id: str,
        accept_clashes: bool,
    ) -> BulkResult:
        if teacher is None or teacher.erased_at is not None or not teacher.active:
            return BulkResult(
                teacher_id=teacher_id, booking=None, problem=_problem("not_found", "no such person")
            )
        if teacher.role not in BOOKING_ROLES or not (
            actor.is_admin
            or (teacher.school_id is not None and actor.leads_school(teacher.school_id))
        ):
            return BulkResult(
                teacher_id=teacher_id,
                booking=None,
                problem=_problem("forbidden", "not one of your school's staff"),
            )
        try:
            placed = await self.seating.book(
                db_session,
                teacher.id,
                cohort,
                school_id=teacher.school_id,
                accept_clashes=accept_clashes,
                # Made for them by a lead (or an admin): never waits for approval.
                made_by_lead=True,
            )
        except PER_TEACHER as exc:
            return BulkResult(teacher_id=teacher_id, booking=None, problem=_from(exc))
        read = msgspec.structs.replace(
            BookingService._read(placed.booking, placed.waitlist_position),  # noqa: SLF001
            clashes=placed.clashes,
        )
        return BulkResult(teacher_id=teacher_id, booking=read, problem=None)

    async def _replay(
        self,
        db_session: AsyncSession,
        actor: Actor,
        cohort_id: str,
        data: BulkBookingCreate,
        key: str,
    ) -> BulkBookingRead | None:
        await lock_key(db_session, "idempotency", f"{actor.id}:{key}")
        record = await idempotency_repo.find(
            db_session, actor.id, key, self.clock.now() - IDEMPOTENCY_WINDOW
        )
        if record is None:
            return None
        if record.request_hash != bulk_request_hash(cohort_id, data):
            raise IdempotencyKeyReuseError("this Idempotency-Key was used with another request")
        return msgspec.convert(record.body, BulkBookingRead)


def _from(exc: DomainError) -> BulkProblem:
    return _problem(exc.code, str(exc))
