"""/hub for hub admins (admins too): venues, courses and trainers, each with its "Add" form."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import ConflictError, NotFoundError, ValidationError
from booking.models import Accessibility, JobRole, NeedArea, Role
from booking.models.enums import ACCESSIBILITY_WORDS
from booking.pages import cohort_durations
from booking.pages.availability_form import ZONES
from booking.pages.catalogue import Catalogue
from booking.pages.formatting import NEED_AREA_LABELS, accessibility_list
from booking.pages.hub_forms import checked, number, text, ticked
from booking.pages.rendering import FormErrors, page
from booking.pages.training import signed_in
from booking.schemas.courses import CourseCreate, CourseRead, CourseUpdate
from booking.schemas.hubs import VenueCreate
from booking.schemas.users import UserCreate
from booking.services.actor import Actor
from booking.services.hub_directory import HubDirectory
from booking.services.users import UserService

Db = NamedDependency[AsyncSession]
DIRECTORY = HubDirectory()
COHORT_DEFAULTS = {
    "cohort_capacity": "20",
    "waitlist_mode": "auto",
    **cohort_durations.defaults(),
}
MAX_ROWS = 200
JOB_ROLE_LABELS = {
    JobRole.TEACHER: "Teachers",
    JobRole.TEACHING_ASSISTANT: "Teaching assistants",
    JobRole.SENCO: "SENCos",
    JobRole.LEADER: "School leaders",
    JobRole.EARLY_YEARS: "Early years practitioners",
    JobRole.FURTHER_EDUCATION: "Further education staff",
}
VENUE_MESSAGES = {
    "name": "Enter the venue's name",
    "address": "Enter the venue's address",
    "postcode": "Enter a real postcode, like SW1A 1AA",
    "capacity": "The capacity must be between 1 and 10,000",
    "timezone": "Select a time zone",
    "travel_notes": "Travel notes must be 2,000 characters or fewer",
}
VENUE_EMPTY = {
    "name": "Enter the venue's name",
    "address": "Enter the venue's address",
    "postcode": "Enter the venue's postcode",
}
COURSE_MESSAGES = {
    "title": "Enter the course title",
    "summary": "Enter a summary of the course",
    "need_areas": "Select at least one need area",
    "audience": "Select at least one audience",
}
TRAINER_MESSAGES = {
    "email": "Enter an email address, like name@example.org",
    "name": "Enter the trainer's name",
}


def hub_staff(request: Request[Any, Any, Any]) -> Actor:
    """Hub admins and admins; the services check which hub each may manage."""
    actor = signed_in(request)
    if actor.role not in {Role.HUB_ADMIN, Role.ADMIN}:
        raise NotFoundError("the hub pages are for hub admins")
    return actor


def hub_manager(request: Request[Any, Any, Any]) -> tuple[Actor, str | None]:
    """The actor and the hub the page is about: a hub admin's own (`?hub=` is ignored), or
    the one an admin chose with `?hub=` (None until they choose)."""
    actor = hub_staff(request)
    if actor.role is Role.HUB_ADMIN:
        if actor.hub_id is None:
            raise NotFoundError("a hub admin without a hub")
        return actor, actor.hub_id
    chosen = request.query_params.get("hub")
    return actor, chosen if isinstance(chosen, str) and chosen.isalnum() else None


def chosen_hub(request: Request[Any, Any, Any]) -> tuple[Actor, str]:
    actor, hub_id = hub_manager(request)
    if hub_id is None:
        raise NotFoundError("choose a hub first")
    return actor, hub_id


class HubPages(Controller):
    path = "/hub"

    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Template:
        _, hub_id = hub_manager(request)
        if hub_id is None:  # an admin: which hub?
            hubs = sorted((await catalogue.hub_names(db_session)).items(), key=lambda h: h[1])
            return page(request, "hub_choose.html", title="Choose a hub", hubs=hubs)
        return await hub_page(request, db_session, catalogue, hub_id)

    @post("/venues")
    async def add_venue(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Response[Any]:
        """A venue through VenueService.create_venue (the same checks as the API)."""
        actor, hub_id = chosen_hub(request)
        form, errors = await request.form(), FormErrors()
        # Every empty answer at once, in the form's order (the schema stops at its first).
        for field_id, message in VENUE_EMPTY.items():
            if not text(form, field_id):
                errors.add(field_id, message)
        capacity = number(text(form, "capacity"), "capacity", "capacity", errors)
        values = {
            "name": text(form, "name", 200),
            "address": text(form, "address"),
            "postcode": text(form, "postcode", 20),
            "capacity": capacity or 0,
            "timezone": text(form, "timezone", 64) or "Europe/London",
            "accessibility": ticked(form, "accessibility", [a.value for a in Accessibility]),
            "travel_notes": text(form, "travel_notes") or None,
        }
        data = None if errors else checked(values, VenueCreate, errors, VENUE_MESSAGES)
        if data is not None and not errors:
            try:
                await catalogue.venues.create_venue(db_session, actor, hub_id, data)
            except ValidationError as exc:
                errors.add("name", exc.detail)
        if errors:
            return await hub_page(
                request, db_session, catalogue, hub_id, errors=errors, typed={"venue": form}
            )
        return Redirect(f"/hub?hub={hub_id}&added=venue#venues", status_code=303)

    @post("/courses")
    async def add_course(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Response[Any]:
        """A course through CourseService.create_course."""
        actor, hub_id = chosen_hub(request)
        form, errors = await request.form(), FormErrors()
        values = {
            "title": text(form, "title", 200),
            "summary": text(form, "summary"),
            "need_areas": ticked(form, "need_areas", [a.value for a in NeedArea]),
            "audience": ticked(form, "audience", [r.value for r in JobRole]),
        }
        data = checked(values, CourseCreate, errors, COURSE_MESSAGES)
        if data is not None:
            await catalogue.courses.create_course(db_session, actor, data)
            return Redirect(f"/hub?hub={hub_id}&added=course#courses", status_code=303)
        return await hub_page(
            request, db_session, catalogue, hub_id, errors=errors, typed={"course": form}
        )

    @get("/courses/{course_id:str}")
    async def course_form(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        """Change a course's title and summary."""
        _, hub_id = chosen_hub(request)
        course = await catalogue.courses.get_course(db_session, course_id)
        return _course_page(request, course, hub_id)

    @post("/courses/{course_id:str}")
    async def change_course(
        self,
        request: Request[Any, Any, Any],
        course_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        """Through CourseService.update_course: a new title re-sends booked teachers' invites."""
        actor, hub_id = chosen_hub(request)
        course = await catalogue.courses.get_course(db_session, course_id)
        form, errors = await request.form(), FormErrors()
        values = {"title": text(form, "title", 200), "summary": text(form, "summary")}
        if not values["summary"]:
            # The API allows an empty summary; a course page without one says nothing.
            errors.add("summary", COURSE_MESSAGES["summary"])
        data = checked(values, CourseUpdate, errors, COURSE_MESSAGES)
        if data is None or errors:
            return _course_page(request, course, hub_id, errors=errors, typed=form)
        await catalogue.courses.update_course(db_session, actor, course_id, data)
        return Redirect(f"/hub?hub={hub_id}&added=course-changed#courses", status_code=303)

    @post("/trainers")
    async def add_trainer(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        user_service: NamedDependency[UserService],
    ) -> Response[Any]:
        """A trainer of this hub through UserService.create; they sign in with an email code."""
        actor, hub_id = chosen_hub(request)
        form, errors = await request.form(), FormErrors()
        values = {
            "email": text(form, "email", 320),
            "name": text(form, "trainer_name", 200),
            "role": Role.TRAINER.value,
            "hub_id": hub_id,
        }
        data = checked(values, UserCreate, errors, TRAINER_MESSAGES)
        if data is not None:
            try:
                created = await user_service.create(db_session, actor, data)
            except ConflictError:
                errors.add("email", "This email address already has an account")
            else:
                return page(
                    request,
                    "hub_trainer_added.html",
                    title="Trainer added",
                    trainer=created.user,
                )
        if "name" in errors.messages:
            errors.messages["trainer_name"] = errors.messages.pop("name")
        return await hub_page(
            request, db_session, catalogue, hub_id, errors=errors, typed={"trainer": form}
        )


async def hub_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    catalogue: Catalogue,
    hub_id: str,
    *,
    errors: FormErrors | None = None,
    typed: dict[str, Any] | None = None,
) -> Template:
    hub = await catalogue.hubs.get_hub(db_session, hub_id)
    venues = await catalogue.venues.list_venues(
        db_session, hub_id=hub_id, limit=MAX_ROWS, cursor=None
    )
    courses = await catalogue.courses.list_courses(
        db_session, need_area=None, limit=MAX_ROWS, cursor=None
    )
    typed = typed or {}
    actor = signed_in(request)
    trainers = await DIRECTORY.trainers(db_session, actor, hub_id)
    cohorts = await DIRECTORY.cohorts(db_session, actor, hub_id)
    return page(
        request,
        "hub.html",
        title=hub.name,
        errors=errors,
        status_code=400 if errors else 200,
        hub=hub,
        venues=[(v, accessibility_list(list(v.accessibility))) for v in venues.items],
        courses=[(c, [NEED_AREA_LABELS[a] for a in c.need_areas]) for c in courses.items],
        zones=[(z, z.replace("_", " ")) for z in ZONES],
        accessibility=[(a.value, w[0].upper() + w[1:]) for a, w in ACCESSIBILITY_WORDS.items()],
        need_areas=[(a.value, w) for a, w in NEED_AREA_LABELS.items()],
        audiences=[(r.value, w) for r, w in JOB_ROLE_LABELS.items()],
        venue=_typed(typed.get("venue")),
        course=_typed(typed.get("course")),
        trainer=_typed(typed.get("trainer")),
        trainers=trainers,
        cohorts=cohorts,
        cohort_form=_typed(typed.get("cohort")) or COHORT_DEFAULTS,
        course_options=[("", "Select a course"), *((c.id, c.title) for c in courses.items)],
        trainer_options=[("", "Select a trainer"), *((t.id, t.name) for t in trainers)],
        venue_options=[
            ("", "Select a venue"),
            *((v.id, f"{v.name} (holds {v.capacity})") for v in venues.items),
        ],
        offer_ttl_options=cohort_durations.options(cohort_durations.OFFER_TTL),
        promotion_cutoff_options=cohort_durations.options(cohort_durations.PROMOTION_CUTOFF),
        reminder_options=cohort_durations.options(cohort_durations.REMINDER_OFFSETS),
        approval_ttl_options=cohort_durations.options(cohort_durations.APPROVAL_TTL),
        added=request.query_params.get("added", ""),
    )


def _course_page(
    request: Request[Any, Any, Any],
    course: CourseRead,
    hub_id: str,
    *,
    errors: FormErrors | None = None,
    typed: Any = None,  # noqa: ANN401 - a FormMultiDict or None
) -> Template:
    return page(
        request,
        "hub_course.html",
        title=f"Change {course.title}",
        errors=errors,
        status_code=400 if errors else 200,
        course=course,
        hub_id=hub_id,
        typed=_typed(typed),
    )


def _typed(form: Any) -> dict[str, str]:  # noqa: ANN401 - a FormMultiDict or None
    """What was typed, to show again; checkboxes as "<name>-<value>": "yes"."""
    if form is None:
        return {}
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "_csrf_token"}
