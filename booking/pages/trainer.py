"""/trainer: a trainer's cohorts, weekly availability, rosters (and their CSV) and attendance."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import AttendanceNotOpenError, ConflictError, NotFoundError, ValidationError
from booking.models import AttendanceStatus, Role
from booking.pages import availability_form as form_
from booking.pages.catalogue import Catalogue
from booking.pages.formatting import clock_time, day_off_when, long_date, session_when
from booking.pages.rendering import FormErrors, page
from booking.pages.training import signed_in
from booking.pages.views import CohortView
from booking.schemas.cohorts import AttendanceRecord, AttendanceWrite
from booking.schemas.trainers import AvailabilityRead
from booking.services.actor import Actor
from booking.services.availability import AvailabilityService
from booking.services.roster import ATTENDANCE_OPENS, RosterService
from calendars.weekly import Weekday

Db = NamedDependency[AsyncSession]
MAX_COHORT_PAGES = 10
ATTENDANCE_VALUES = frozenset(s.value for s in AttendanceStatus)


def trainer(request: Request[Any, Any, Any]) -> Actor:
    actor = signed_in(request)
    if actor.role is not Role.TRAINER or actor.hub_id is None:
        raise NotFoundError("only trainers have a trainer page")
    return actor


async def my_cohorts(
    db_session: AsyncSession, catalogue: Catalogue, actor: Actor
) -> list[CohortView]:
    """The hub's published cohorts this trainer runs (CohortService.search, then by trainer)."""
    assert actor.hub_id is not None  # noqa: S101 - trainer() checked it
    mine, cursor = [], None
    for _ in range(MAX_COHORT_PAGES):
        found = await catalogue.cohorts.search(
            db_session,
            hub_id=actor.hub_id,
            course_id=None,
            need_area=None,
            start=None,
            end=None,
            has_seats=None,
            clash_free_for=None,
            limit=200,
            cursor=cursor,
        )
        found.items[:] = [c for c in found.items if c.trainer_id == actor.id]
        mine += await catalogue.views(db_session, found, {})
        cursor = found.next_cursor
        if cursor is None:
            break
    return mine


class TrainerPages(Controller):
    path = "/trainer"

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        availability_service: NamedDependency[AvailabilityService],
    ) -> Template:
        actor = trainer(request)
        current = await availability_service.get(db_session, actor, actor.id)
        return availability_page(
            request,
            current,
            cohorts=await my_cohorts(db_session, catalogue, actor),
            weekly=form_.weekly_rows(current),
        )

    @post("/availability")
    async def save_weekly(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        availability_service: NamedDependency[AvailabilityService],
    ) -> Response[Any]:
        """The weekly rows and zone through AvailabilityService.put; exceptions kept as they are."""
        actor, errors, form = trainer(request), FormErrors(), await request.form()
        current = await availability_service.get(db_session, actor, actor.id)
        zone, weekly = form_.read_weekly(form, errors)
        if not errors:
            weekly += form_.later_blocks(current)
            write = form_.availability_write(zone, weekly, form_.exception_lines(current))
            try:
                await availability_service.put(db_session, actor, actor.id, write)
            except ValidationError as exc:
                errors.add("timezone", exc.detail)
        if errors:
            return availability_page(
                request,
                current,
                cohorts=await my_cohorts(db_session, catalogue, actor),
                weekly=form_.typed_weekly(form),
                zone=zone,
                errors=errors,
            )
        return Redirect("/trainer?saved=weekly", status_code=303)

    @post("/availability/exceptions")
    async def add_exception(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        availability_service: NamedDependency[AvailabilityService],
    ) -> Response[Any]:
        actor, errors, form = trainer(request), FormErrors(), await request.form()
        current = await availability_service.get(db_session, actor, actor.id)
        added = form_.read_exception(form, current.timezone, errors)
        if added is None:
            return availability_page(
                request,
                current,
                cohorts=await my_cohorts(db_session, catalogue, actor),
                weekly=form_.weekly_rows(current),
                errors=errors,
                typed_off={k: form_.text(form, k) for k in form_.OFF_FIELDS},
            )
        weekly = [{"day": b.day.value, "start": b.start, "end": b.end} for b in current.weekly]
        lines = [*form_.exception_lines(current), added]
        await availability_service.put(
            db_session, actor, actor.id, form_.availability_write(current.timezone, weekly, lines)
        )
        return Redirect("/trainer?saved=exception", status_code=303)

    @post("/availability/exceptions/remove")
    async def remove_exception(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        availability_service: NamedDependency[AvailabilityService],
    ) -> Response[Any]:
        actor, form = trainer(request), await request.form()
        current = await availability_service.get(db_session, actor, actor.id)
        lines = form_.exception_lines(current)
        # The exception is named by its times, not its position: a stale page removes nothing.
        kept = [
            e for e in lines if e["starts_at"] + "/" + e["ends_at"] != form_.text(form, "exception")
        ]
        weekly = [{"day": b.day.value, "start": b.start, "end": b.end} for b in current.weekly]
        await availability_service.put(
            db_session, actor, actor.id, form_.availability_write(current.timezone, weekly, kept)
        )
        return Redirect("/trainer?saved=removed", status_code=303)

    @get("/cohorts/{cohort_id:str}")
    async def roster(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        roster_service: NamedDependency[RosterService],
    ) -> Template:
        """Confirmed, offered and the waitlist in promotion order (RosterService)."""
        actor = signed_in(request)
        roster = await roster_service.roster(db_session, actor, cohort_id)
        context = await catalogue.cohort(db_session, actor, cohort_id)
        read = await catalogue.cohorts.get(db_session, actor, cohort_id)
        sessions = sorted(read.sessions, key=lambda s: s.starts_at)
        return page(
            request,
            "trainer_roster.html",
            title=f"Roster: {context['cohort'].title}",
            roster=roster,
            session_links=[
                (s.id, view.when, view.cancelled)
                for s, view in zip(sessions, context["cohort"].sessions, strict=True)
            ],
            **context,
        )

    @get("/cohorts/{cohort_id:str}/roster.csv")
    async def roster_csv(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        roster_service: NamedDependency[RosterService],
    ) -> Response[str]:
        """The same CSV as GET /api/v1/cohorts/{id}/roster.csv, for the cookie session."""
        text = await roster_service.roster_csv(db_session, signed_in(request), cohort_id)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="roster-{cohort_id[:32]}.csv"'},
        )

    @get("/cohorts/{cohort_id:str}/sessions/{session_id:str}")
    async def attendance(
        self,
        request: Request[Any, Any, Any],
        *,
        cohort_id: FromPath[str],
        session_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        roster_service: NamedDependency[RosterService],
    ) -> Template:
        actor = signed_in(request)
        return await attendance_page(
            request,
            db_session=db_session,
            catalogue=catalogue,
            roster_service=roster_service,
            actor=actor,
            cohort_id=cohort_id,
            session_id=session_id,
        )

    @post("/cohorts/{cohort_id:str}/sessions/{session_id:str}")
    async def record_attendance(
        self,
        request: Request[Any, Any, Any],
        *,
        cohort_id: FromPath[str],
        session_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        roster_service: NamedDependency[RosterService],
    ) -> Response[Any]:
        """Attended or absent per confirmed booking, through RosterService.record_attendance."""
        actor, form = signed_in(request), await request.form()
        current = await roster_service.attendance(db_session, actor, session_id)
        marks = {
            r.booking_id: form_.text(form, f"attendance-{r.booking_id}") for r in current.records
        }
        records = [
            AttendanceRecord(booking_id=b, status=AttendanceStatus(m))
            for b, m in marks.items()
            if m in ATTENDANCE_VALUES
        ]
        errors = FormErrors()
        try:
            await roster_service.record_attendance(
                db_session,
                actor,
                session_id,
                AttendanceWrite(records=records),
            )
        except AttendanceNotOpenError:
            errors.add("attendance", "Attendance opens 30 minutes before the session starts")
        except ConflictError as exc:
            errors.add("attendance", exc.title)
        if errors:
            return await attendance_page(
                request,
                db_session=db_session,
                catalogue=catalogue,
                roster_service=roster_service,
                actor=actor,
                cohort_id=cohort_id,
                session_id=session_id,
                errors=errors,
                status_code=409,
            )
        return Redirect(
            f"/trainer/cohorts/{cohort_id}/sessions/{session_id}?saved=yes", status_code=303
        )


def availability_page(
    request: Request[Any, Any, Any],
    current: AvailabilityRead,
    *,
    cohorts: list[CohortView],
    weekly: dict[str, dict[str, str]],
    zone: str | None = None,
    errors: FormErrors | None = None,
    typed_off: dict[str, str] | None = None,
) -> Template:
    titles = {c.id: c.title for c in cohorts}
    return page(
        request,
        "trainer.html",
        title="Your training",
        errors=errors,
        status_code=400 if errors else 200,
        cohorts=cohorts,
        weekly=weekly,
        days=[(d.value, name) for d, name in form_.DAY_NAMES.items()],
        later=[
            f"{form_.DAY_NAMES[Weekday(b['day'])]}, {b['start']} to {b['end']}"
            for b in form_.later_blocks(current)
        ],
        zone=zone or current.timezone,
        zones=[(z, z.replace("_", " ")) for z in form_.ZONES],
        exceptions=[
            {
                "key": e.starts_at.isoformat() + "/" + e.ends_at.isoformat(),
                "when": day_off_when(e.starts_at, e.ends_at, current.timezone),
                "reason": e.reason,
            }
            for e in current.exceptions
        ],
        typed_off=typed_off or dict.fromkeys(form_.OFF_FIELDS, ""),
        saved=request.query_params.get("saved", ""),
        # Sessions they teach inside a day off: saved all the same, and the hub is mailed.
        away=[
            {
                "title": titles.get(s.cohort_id, "A course not yet published"),
                "when": session_when(s.starts_at, s.ends_at, current.timezone),
            }
            for s in current.conflicting_sessions
        ],
    )


async def attendance_page(
    request: Request[Any, Any, Any],
    *,
    db_session: AsyncSession,
    catalogue: Catalogue,
    roster_service: RosterService,
    actor: Actor,
    cohort_id: str,
    session_id: str,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Template:
    records = await roster_service.attendance(db_session, actor, session_id)
    context = await catalogue.cohort(db_session, actor, cohort_id)
    read = await catalogue.cohorts.get(db_session, actor, cohort_id)
    session = next((s for s in read.sessions if s.id == session_id), None)
    if session is None:
        raise NotFoundError("no such session in this cohort")
    return page(
        request,
        "trainer_attendance.html",
        title=f"Attendance: {context['cohort'].title}",
        errors=errors,
        status_code=status_code,
        records=records.records,
        when=session_when(session.starts_at, session.ends_at, context["zone"]),
        # Said before anyone fills the form in, not only after submitting (services.roster).
        opens=_opens(session.starts_at, roster_service.clock.now(), context["zone"]),
        session_id=session_id,
        saved=request.query_params.get("saved", "") == "yes",
        **context,
    )


def _opens(starts_at: datetime, now: datetime, zone: str) -> str | None:
    """When the attendance form opens, in words, while it is not open yet; else None."""
    opens_at = starts_at - ATTENDANCE_OPENS
    if now >= opens_at:
        return None
    local = opens_at.astimezone(ZoneInfo(zone))
    return f"{clock_time(local)} on {long_date(local)}"
