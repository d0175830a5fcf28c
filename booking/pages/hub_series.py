"""/hub/cohorts/{id}/series: a weekly or fortnightly run of sessions in one form (a six-week
course is one form, not six), through SessionSeriesService: all or nothing, and every session
that cannot be had is named."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ConflictError, ValidationError
from booking.pages.availability_form import read_time
from booking.pages.catalogue import Catalogue
from booking.pages.filters import read_date
from booking.pages.formatting import long_date
from booking.pages.hub import hub_staff
from booking.pages.hub_cohorts import cohort_page
from booking.pages.hub_forms import error_field, text
from booking.pages.rendering import FormErrors
from booking.schemas.cohorts import SessionSeriesCreate
from booking.services.session_series import SessionSeriesService

Db = NamedDependency[AsyncSession]
EVERY = {"1": "P1W", "2": "P2W"}
MAX_COUNT = 20
# Why one occurrence cannot be had, in words (the codes of booking.services.slot_checks).
REASONS = {
    "trainer_unavailable": "the trainer is not available then",
    "trainer_double_booked": "the trainer is running another session then",
    "venue_double_booked": "the venue has another session then",
}
FIELDS = {"first_starts_at": "first", "first_ends_at": "series_end", "venue_id": "series_venue"}


class HubSeriesPages(Controller):
    path = "/hub/cohorts"

    @post("/{cohort_id:str}/series")
    async def add_series(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        session_series_service: NamedDependency[SessionSeriesService],
    ) -> Response[Any]:
        """Dates and times are the venue's wall clock, and stay so across the clock changes."""
        actor = hub_staff(request)
        form, errors, status = await request.form(), FormErrors(), 400
        cohort = await catalogue.cohorts.get(db_session, actor, cohort_id)
        venue_id = text(form, "series_venue", 64) or None
        venue = await catalogue.venues.get_venue(db_session, venue_id or cohort.venue_id)
        parts = {p: text(form, f"first-{p}", 8) for p in ("day", "month", "year")}
        day = read_date(parts, "Date of the first session", "first", errors)
        if day is None and "first" not in errors.messages:
            errors.add("first", "Enter the date of the first session")
        start = read_time(text(form, "series_start", 8), "Start time", "series_start", errors)
        end = read_time(text(form, "series_end", 8), "End time", "series_end", errors)
        for field_id, value, label in (
            ("series_start", start, "start"),
            ("series_end", end, "end"),
        ):
            if value is None and field_id not in errors.messages:
                errors.add(field_id, f"Enter the {label} time")
        every = EVERY.get(text(form, "every", 2))
        if every is None:
            errors.add("every", "Select how often the sessions are")
        count_text = text(form, "count", 4)
        if not count_text.isdigit() or not 1 <= int(count_text) <= MAX_COUNT:
            errors.add("count", f"Enter how many sessions, from 1 to {MAX_COUNT}")
        if not errors and day and start and end and every:
            zone = ZoneInfo(venue.timezone)
            data = SessionSeriesCreate(
                first_starts_at=datetime.combine(day, time.fromisoformat(start), tzinfo=zone),
                first_ends_at=datetime.combine(day, time.fromisoformat(end), tzinfo=zone),
                every="P1W" if every == "P1W" else "P2W",
                count=int(count_text),
                venue_id=venue_id,
            )
            try:
                await session_series_service.add_series(db_session, actor, cohort_id, data)
            except ValidationError as exc:
                field = error_field(exc, "")
                errors.add(
                    FIELDS.get(field, "first"),
                    {
                        "first_ends_at": "The end time must be after the start time, and each "
                        "session shorter than the gap between them",
                        "first_starts_at": "The first session must start in the future",
                        "venue_id": "Select a venue of this hub",
                    }.get(field, "Check the date and times"),
                )
            except ConflictError as exc:
                errors.add("first", series_refusal(exc, venue.timezone))
                status = exc.status
            else:
                return Redirect(f"/hub/cohorts/{cohort_id}?done=series", status_code=303)
        return await cohort_page(
            request,
            db_session,
            catalogue,
            actor,
            cohort_id,
            errors=errors,
            typed=form,
            status_code=status,
        )


def series_refusal(exc: ConflictError, zone: str) -> str:
    """Every session of the series that cannot be had, by its number and date; or the rule."""
    conflicts = exc.extra.get("conflicts", [])
    if not conflicts:
        return exc.title
    named = [
        f"session {c.index + 1} ({long_date(c.starts_at.astimezone(ZoneInfo(zone)))}): "
        f"{REASONS.get(c.code, 'it cannot be scheduled')}"
        for c in conflicts
    ]
    return "No sessions were added: " + "; ".join(named)
