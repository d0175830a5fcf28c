"""/hub/cohorts/{id}/sessions/{id}: reschedule one session (a clash named, free times offered)
or cancel it after a confirmation step, through SessionService."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ConflictError, NotFoundError, ValidationError
from booking.models import SessionStatus
from booking.pages.availability_form import read_time
from booking.pages.catalogue import Catalogue
from booking.pages.filters import read_date
from booking.pages.formatting import session_when
from booking.pages.hub import hub_staff
from booking.pages.hub_cohorts import (
    SESSION_REFUSALS,
    clash_messages,
    picked_time,
    suggestion_choices,
)
from booking.pages.hub_forms import error_field, text
from booking.pages.rendering import FormErrors, page
from booking.schemas.cohorts import CohortRead, SessionRead, SessionUpdate
from booking.services.actor import Actor
from booking.services.sessions import SessionService

Db = NamedDependency[AsyncSession]
FIELD_MESSAGES = {
    "ends_at": ("end", "The end time must be after the start time"),
    "starts_at": ("date", "The session must start in the future"),
    "venue_id": ("venue", "Select a venue of this hub"),
}


class HubSessionPages(Controller):
    path = "/hub/cohorts/{cohort_id:str}/sessions/{session_id:str}"

    @get("/change")
    async def change_form(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        session_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        actor = hub_staff(request)
        read, session = await _session(db_session, catalogue, actor, cohort_id, session_id)
        zone = await _zone(db_session, catalogue, session.venue_id)
        start, end = session.starts_at.astimezone(zone), session.ends_at.astimezone(zone)
        typed = {
            "date-day": str(start.day),
            "date-month": str(start.month),
            "date-year": str(start.year),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "venue": session.venue_id,
        }
        return await change_page(request, db_session, catalogue, read, session, typed=typed)

    @post("/change")
    async def change(
        self,
        request: Request[Any, Any, Any],
        *,
        cohort_id: FromPath[str],
        session_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        session_service: NamedDependency[SessionService],
    ) -> Response[Any]:
        """SessionService.reschedule: the same checks as adding; booked teachers are sent the
        updated invite."""
        actor = hub_staff(request)
        read, session = await _session(db_session, catalogue, actor, cohort_id, session_id)
        sent, errors, status = await request.form(), FormErrors(), 400
        venue_id = text(sent, "venue", 64) or session.venue_id
        zone_name = str(await _zone(db_session, catalogue, venue_id))
        form = picked_time(sent, zone_name) or {k: v for k, v in sent.items() if isinstance(v, str)}
        form["venue"] = venue_id
        parts = {p: text(form, f"date-{p}", 8) for p in ("day", "month", "year")}
        day = read_date(parts, "Date", "date", errors)
        if day is None and "date" not in errors.messages:
            errors.add("date", "Enter the date of the session")
        start = read_time(text(form, "start", 8), "Start time", "start", errors)
        end = read_time(text(form, "end", 8), "End time", "end", errors)
        for field_id, value, label in (("start", start, "start"), ("end", end, "end")):
            if value is None and field_id not in errors.messages:
                errors.add(field_id, f"Enter the {label} time")
        suggestions: list[dict[str, str]] = []
        if not errors and day and start and end:
            zone = ZoneInfo(zone_name)
            data = SessionUpdate(
                starts_at=datetime.combine(day, time.fromisoformat(start), tzinfo=zone),
                ends_at=datetime.combine(day, time.fromisoformat(end), tzinfo=zone),
                venue_id=venue_id,
            )
            try:
                await session_service.reschedule(db_session, actor, session_id, data)
            except ValidationError as exc:
                field_id, message = FIELD_MESSAGES.get(
                    error_field(exc, ""), ("date", "Check the date and times")
                )
                errors.add(field_id, message)
            except ConflictError as exc:
                fallback = next(
                    (v for t, v in SESSION_REFUSALS.items() if isinstance(exc, t)),
                    ("date", exc.title),
                )
                for field_id, message in (
                    clash_messages(exc, zone_name) or dict([fallback])
                ).items():
                    errors.add(field_id, message)
                suggestions = suggestion_choices(exc, zone_name)
                status = exc.status
            else:
                return Redirect(f"/hub/cohorts/{cohort_id}?done=rescheduled", status_code=303)
        return await change_page(
            request,
            db_session,
            catalogue,
            read,
            session,
            typed=form,
            errors=errors,
            status_code=status,
            suggestions=suggestions,
        )

    @get("/cancel")
    async def confirm_cancel(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        session_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        actor = hub_staff(request)
        read, session = await _session(db_session, catalogue, actor, cohort_id, session_id)
        zone = await _zone(db_session, catalogue, session.venue_id)
        return page(
            request,
            "hub_session_cancel.html",
            title=f"Cancel a session of {read.course_title}",
            read=read,
            session_id=session.id,
            when=session_when(session.starts_at, session.ends_at, str(zone)),
        )

    @post("/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        *,
        cohort_id: FromPath[str],
        session_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        session_service: NamedDependency[SessionService],
    ) -> Response[Any]:
        """SessionService.cancel: booked teachers are sent the cancellation."""
        actor = hub_staff(request)
        await _session(db_session, catalogue, actor, cohort_id, session_id)
        await session_service.cancel(db_session, actor, session_id)
        return Redirect(f"/hub/cohorts/{cohort_id}?done=session-cancelled", status_code=303)


async def _session(
    db_session: AsyncSession, catalogue: Catalogue, actor: Actor, cohort_id: str, session_id: str
) -> tuple[CohortRead, SessionRead]:
    """The cohort and its live session, for the cohort's hub staff (404 otherwise)."""
    read = await catalogue.cohorts.get(db_session, actor, cohort_id)
    actor.require_hub_manager(read.hub_id)
    session = next((s for s in read.sessions if s.id == session_id), None)
    if session is None or session.status is SessionStatus.CANCELLED:
        raise NotFoundError("no such session in this cohort")
    return read, session


async def _zone(db_session: AsyncSession, catalogue: Catalogue, venue_id: str) -> ZoneInfo:
    try:
        venue = await catalogue.venues.get_venue(db_session, venue_id)
    except NotFoundError:
        return ZoneInfo("Europe/London")
    return ZoneInfo(venue.timezone)


async def change_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    catalogue: Catalogue,
    read: CohortRead,
    session: SessionRead,
    *,
    typed: dict[str, str],
    errors: FormErrors | None = None,
    status_code: int = 200,
    suggestions: list[dict[str, str]] | None = None,
) -> Template:
    venues = await catalogue.venues.list_venues(
        db_session, hub_id=read.hub_id, limit=200, cursor=None
    )
    zone = await _zone(db_session, catalogue, session.venue_id)
    return page(
        request,
        "hub_session.html",
        title=f"Change a session of {read.course_title}",
        errors=errors,
        status_code=status_code,
        read=read,
        session_id=session.id,
        when=session_when(session.starts_at, session.ends_at, str(zone)),
        venues=[(v.id, v.name) for v in venues.items],
        typed={
            "date": {p: typed.get(f"date-{p}", "") for p in ("day", "month", "year")},
            "start": typed.get("start", ""),
            "end": typed.get("end", ""),
            "venue": typed.get("venue", ""),
        },
        suggestions=suggestions or [],
    )
