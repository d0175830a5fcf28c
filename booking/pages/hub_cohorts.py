"""/hub/cohorts: create a cohort, add its sessions (a clash explained next to the field),
publish it, cancel it after a confirmation step. Every rule is the services'."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import (
    CapacityExceedsVenueError,
    CohortCancelledError,
    CohortHasNoSessionsError,
    ConflictError,
    TrainerDoubleBookedError,
    TrainerUnavailableError,
    ValidationError,
    VenueDoubleBookedError,
)
from booking.models import CohortStatus
from booking.pages import cohort_durations
from booking.pages.availability_form import read_time
from booking.pages.catalogue import Catalogue
from booking.pages.filters import read_date
from booking.pages.formatting import session_when
from booking.pages.hub import DIRECTORY, chosen_hub, hub_page, hub_staff
from booking.pages.hub_forms import checked, error_field, number, text
from booking.pages.rendering import FormErrors, page
from booking.schemas.cohorts import CohortCancel, CohortCreate, CohortRead, SessionCreate
from booking.services.actor import Actor
from booking.services.sessions import SessionService

REASON_CHARACTERS = "The reason must be text only: remove any special characters pasted in with it"

Db = NamedDependency[AsyncSession]
# The field each refusal is about, and what it means in words.
SESSION_REFUSALS: dict[type[Exception], tuple[str, str]] = {
    TrainerUnavailableError: (
        "start",
        (
            "The trainer is not available then: it is outside their weekly availability or on "
            "a day they are not available"
        ),
    ),
    TrainerDoubleBookedError: ("start", "The trainer is running another session then"),
    VenueDoubleBookedError: ("venue", "The venue has another session then"),
    CapacityExceedsVenueError: ("venue", "The venue holds fewer people than the cohort's capacity"),
    CohortCancelledError: ("date", "This cohort has been cancelled"),
}
SESSION_FIELDS = {"starts_at": "date", "ends_at": "end", "venue_id": "venue"}
COHORT_MESSAGES = {
    "course_id": "Select a course",
    "trainer_id": "Select a trainer",
    "venue_id": "Select a venue",
    "capacity": "The number of places must be between 1 and 10,000",
    "waitlist_mode": "Select how places are offered from the waitlist",
    **cohort_durations.MESSAGES,
}


class HubCohortPages(Controller):
    path = "/hub/cohorts"

    @post("/")
    async def create(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        """A draft cohort through CohortService.create."""
        actor, hub_id = chosen_hub(request)
        form, errors = await request.form(), FormErrors()
        capacity = number(
            text(form, "cohort_capacity"), "cohort_capacity", "number of places", errors
        )
        values = {
            "hub_id": hub_id,
            "course_id": text(form, "course_id", 64),
            "trainer_id": text(form, "trainer_id", 64),
            "venue_id": text(form, "venue_id", 64),
            "capacity": capacity or 0,
            "waitlist_mode": text(form, "waitlist_mode", 16),
        }
        # Chosen in words; read apart so their errors follow the fields above in the summary.
        duration_errors = FormErrors()
        values |= cohort_durations.read(form, duration_errors)
        data = checked(values, CohortCreate, errors, COHORT_MESSAGES)
        for field_id, message in duration_errors.messages.items():
            errors.add(field_id, message)
        if "capacity" in errors.messages:  # the venue form's field has that id
            errors.messages["cohort_capacity"] = errors.messages.pop("capacity")
        if data is not None and not errors:
            try:
                cohort = await catalogue.cohorts.create(db_session, actor, data)
            except CapacityExceedsVenueError:
                errors.add("cohort_capacity", "There are more places than the venue holds")
            except ValidationError as exc:
                field = error_field(exc, "course_id")
                errors.add(field, COHORT_MESSAGES.get(field, exc.detail))
            else:
                return Redirect(f"/hub/cohorts/{cohort.id}", status_code=303)
        return await hub_page(
            request, db_session, catalogue, hub_id, errors=errors, typed={"cohort": form}
        )

    @get("/{cohort_id:str}")
    async def manage(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        actor = hub_staff(request)
        return await cohort_page(request, db_session, catalogue, actor, cohort_id)

    @post("/{cohort_id:str}/sessions")
    async def add_session(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        session_service: NamedDependency[SessionService],
    ) -> Response[Any]:
        """A session through SessionService.add: the date and times are the venue's wall clock."""
        actor = hub_staff(request)
        sent, errors, status = await request.form(), FormErrors(), 400
        cohort = await catalogue.cohorts.get(db_session, actor, cohort_id)
        venue_id = text(sent, "venue", 64) or None
        venue = await catalogue.venues.get_venue(db_session, venue_id or cohort.venue_id)
        suggestions: list[dict[str, str]] = []
        form = picked_time(sent, venue.timezone) or {
            k: v for k, v in sent.items() if isinstance(v, str)
        }
        parts = {p: text(form, f"date-{p}", 8) for p in ("day", "month", "year")}
        day = read_date(parts, "Date", "date", errors)
        if day is None and "date" not in errors.messages:
            errors.add("date", "Enter the date of the session")
        start = read_time(text(form, "start", 8), "Start time", "start", errors)
        end = read_time(text(form, "end", 8), "End time", "end", errors)
        for field_id, value, label in (("start", start, "start"), ("end", end, "end")):
            if value is None and field_id not in errors.messages:
                errors.add(field_id, f"Enter the {label} time")
        if not errors and day and start and end:
            zone = ZoneInfo(venue.timezone)
            data = SessionCreate(
                starts_at=datetime.combine(day, time.fromisoformat(start), tzinfo=zone),
                ends_at=datetime.combine(day, time.fromisoformat(end), tzinfo=zone),
                venue_id=venue_id,
            )
            try:
                await session_service.add(db_session, actor, cohort_id, data)
            except ValidationError as exc:
                field = error_field(exc, "")
                errors.add(
                    SESSION_FIELDS.get(field, "date"),
                    {
                        "ends_at": "The end time must be after the start time",
                        "starts_at": "The session must start in the future",
                        "venue_id": "Select a venue of this hub",
                    }.get(field, "Check the date and times"),
                )
            except ConflictError as exc:
                field_id, message = next(
                    (v for t, v in SESSION_REFUSALS.items() if isinstance(exc, t)),
                    ("date", exc.title),
                )
                for clash_field, clash_message in (
                    clash_messages(exc, venue.timezone) or {field_id: message}
                ).items():
                    errors.add(clash_field, clash_message)
                suggestions = suggestion_choices(exc, venue.timezone)
                status = exc.status
            else:
                return Redirect(f"/hub/cohorts/{cohort_id}?done=session", status_code=303)
        return await cohort_page(
            request,
            db_session,
            catalogue,
            actor,
            cohort_id,
            errors=errors,
            typed=form,
            status_code=status,
            suggestions=suggestions,
        )

    @post("/{cohort_id:str}/publish")
    async def publish(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        actor = hub_staff(request)
        try:
            await catalogue.cohorts.publish(db_session, actor, cohort_id)
        except (CohortHasNoSessionsError, CohortCancelledError) as exc:
            message = (
                "Add a session in the future before publishing"
                if isinstance(exc, CohortHasNoSessionsError)
                else "A cancelled cohort cannot be published"
            )
            errors = FormErrors({"publish": message})
            return await cohort_page(
                request, db_session, catalogue, actor, cohort_id, errors=errors, status_code=409
            )
        return Redirect(f"/hub/cohorts/{cohort_id}?done=published", status_code=303)

    @get("/{cohort_id:str}/cancel")
    async def confirm_cancel(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        actor = hub_staff(request)
        cohort = await catalogue.cohorts.get(db_session, actor, cohort_id)
        return cancel_page(request, cohort)

    @post("/{cohort_id:str}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        """CohortService.cancel: every booking cancelled, everyone told."""
        actor = hub_staff(request)
        cohort = await catalogue.cohorts.get(db_session, actor, cohort_id)
        reason = text(await request.form(), "reason")
        errors = FormErrors()
        if not reason:
            errors.add("reason", "Enter the reason, so the people booked know why")
        # The API's own rule: a character pasted from a word processor (a vertical tab, a bell)
        # would make every cancellation mail fail to compose.
        data = checked({"reason": reason}, CohortCancel, errors, {"reason": REASON_CHARACTERS})
        if data is None or errors:
            return cancel_page(request, cohort, errors=errors)
        await catalogue.cohorts.cancel(db_session, actor, cohort_id, data)
        return Redirect(f"/hub/cohorts/{cohort_id}?done=cancelled", status_code=303)


def cancel_page(
    request: Request[Any, Any, Any],
    cohort: CohortRead,
    *,
    errors: FormErrors | None = None,
) -> Template:
    return page(
        request,
        "hub_cohort_cancel.html",
        title=f"Cancel {cohort.course_title}",
        errors=errors,
        status_code=400 if errors else 200,
        cohort=cohort,
        people=cohort.confirmed_count + cohort.offered_count + cohort.waitlist_length,
    )


async def cohort_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    catalogue: Catalogue,
    actor: Actor,
    cohort_id: str,
    *,
    errors: FormErrors | None = None,
    typed: Any = None,  # noqa: ANN401 - a FormMultiDict
    status_code: int = 200,
    suggestions: list[dict[str, str]] | None = None,
) -> Template:
    context = await catalogue.cohort(db_session, actor, cohort_id)
    read = await catalogue.cohorts.get(db_session, actor, cohort_id)
    venues = await catalogue.venues.list_venues(
        db_session, hub_id=read.hub_id, limit=200, cursor=None
    )
    form = {k: v for k, v in (typed or {}).items() if isinstance(v, str)}
    return page(
        request,
        "hub_cohort.html",
        title=f"Manage {read.course_title}",
        errors=errors,
        status_code=status_code,
        read=read,
        draft=read.status is CohortStatus.DRAFT,
        cancelled=read.status is CohortStatus.CANCELLED,
        venues=[("", "The cohort's venue"), *((v.id, v.name) for v in venues.items)],
        typed={
            "date": {p: form.get(f"date-{p}", "") for p in ("day", "month", "year")},
            "start": form.get("start", ""),
            "end": form.get("end", ""),
            "venue": form.get("venue", ""),
            "first": {p: form.get(f"first-{p}", "") for p in ("day", "month", "year")},
            "series_start": form.get("series_start", ""),
            "series_end": form.get("series_end", ""),
            "every": form.get("every", "1"),
            "count": form.get("count", ""),
            "series_venue": form.get("series_venue", ""),
            "new_trainer": form.get("new_trainer", read.trainer_id),
            "new_capacity": form.get("new_capacity", str(read.capacity)),
        },
        trainer_options=[
            (t.id, t.name or t.email)
            for t in await DIRECTORY.trainers(db_session, actor, read.hub_id)
        ],
        done=request.query_params.get("done", ""),
        suggestions=suggestions or [],
        **context,
    )


def clash_messages(exc: ConflictError, zone: str) -> dict[str, str]:
    """The sessions in the way, named by the field each is about: the trainer's by the start
    time, the venue's by the venue (docs/contract.md: clashes name the other session)."""
    found: dict[str, list[str]] = {"trainer": [], "venue": []}
    for conflict in exc.extra.get("conflicts", []):
        kind = getattr(conflict, "kind", "")
        if kind in found:
            when = session_when(conflict.starts_at, conflict.ends_at, zone)
            found[kind].append(f"{conflict.course_title}, {when}")
    messages = {}
    if found["trainer"]:
        messages["start"] = "The trainer is running another session then: " + "; ".join(
            found["trainer"]
        )
    if found["venue"]:
        messages["venue"] = "The venue has another session then: " + "; ".join(found["venue"])
    return messages


def suggestion_choices(exc: ConflictError, zone: str) -> list[dict[str, str]]:
    """The free times the refusal suggests, as radio choices (value: start|end, in UTC)."""
    return [
        {
            "value": f"{w.starts_at.isoformat()}|{w.ends_at.isoformat()}",
            "label": session_when(w.starts_at, w.ends_at, zone),
        }
        for w in exc.extra.get("suggestions", [])
    ]


def picked_time(form: Any, zone_name: str) -> dict[str, str] | None:  # noqa: ANN401
    """A suggested time picked from a refusal (see suggestion_choices) as the add-session form's
    own fields, so it goes through the same checks; None when none was picked."""
    start, _, end = text(form, "suggestion", 80).partition("|")
    try:
        starts_at, ends_at = datetime.fromisoformat(start), datetime.fromisoformat(end)
    except ValueError:
        return None
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        return None
    zone = ZoneInfo(zone_name)
    local, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    return {
        "date-day": str(local.day),
        "date-month": str(local.month),
        "date-year": str(local.year),
        "start": f"{local:%H:%M}",
        "end": f"{local_end:%H:%M}",
        "venue": text(form, "venue", 64),
    }
