"""Find training (/), a cohort (/cohorts/{id}), booking it, and the booking it made."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.auth import current_actor
from booking.errors import (
    AlreadyBookedError,
    BookingClashError,
    BookingClosedError,
    ConflictError,
    ForbiddenError,
    TimetableClashError,
    WaitlistFullError,
)
from booking.models import BookingStatus, Role
from booking.models.enums import BOOKING_ROLES
from booking.pages.catalogue import Catalogue, clash_lines
from booking.pages.errors import SignInRequired
from booking.pages.feed_links import subscribe_links
from booking.pages.filters import read_filters
from booking.pages.formatting import NEED_AREA_LABELS, own_booking_text
from booking.pages.profile_prompt import about_you_url, should_ask
from booking.pages.rendering import FormErrors, page
from booking.schemas.bookings import BookingCreate
from booking.services.actor import Actor
from booking.services.bookings import BookingService
from booking.services.feeds import FeedService
from booking.services.users import UserService

PAGE_SIZE = 50
MAX_KEY_LENGTH = 64
BOOKING_REFUSALS: dict[type[Exception], str] = {
    AlreadyBookedError: "You already have a booking for this course",
    BookingClashError: "A session of this course overlaps a course you are already booked on",
    BookingClosedError: "This course is no longer open for booking",
    WaitlistFullError: "This course and its waitlist are full",
    ForbiddenError: "Only teachers can book a place. You are signed in with a staff account",
}
BOOKING_TITLES = {
    BookingStatus.CONFIRMED: "Booking confirmed",
    BookingStatus.WAITLISTED: "You are on the waitlist",
    BookingStatus.OFFERED: "You have been offered a place",
    BookingStatus.PENDING_APPROVAL: "Your place is waiting for your school's approval",
}
Db = NamedDependency[AsyncSession]


def signed_in(request: Request[Any, Any, Any]) -> Actor:
    actor = current_actor(request)
    if actor is None:
        raise SignInRequired
    return actor


class TrainingPages(Controller):
    @get("/")
    async def find(
        self, request: Request[Any, Any, Any], db_session: Db, catalogue: NamedDependency[Catalogue]
    ) -> Template:
        """Published cohorts, filtered as GET /api/v1/cohorts filters them."""
        actor, errors = current_actor(request), FormErrors()
        filters = read_filters(request.query_params, errors)
        teacher = actor if actor is not None and actor.role in BOOKING_ROLES else None
        hubs = await catalogue.hub_names(db_session)
        cohorts, next_link = [], None
        if not errors:
            found = await catalogue.cohorts.search(
                db_session,
                hub_id=filters.hub_id,
                course_id=None,
                need_area=filters.need_area,
                start=filters.start,
                end=filters.end,
                has_seats=True if filters.has_places else None,
                clash_free_for=teacher.id if teacher and filters.fits_my_timetable else None,
                limit=PAGE_SIZE,
                cursor=filters.cursor,
                # Soonest first across pages (cohorts with no session yet last): the database
                # orders and pages by first session, so "Next page" carries on from here.
                soonest_first=True,
            )
            cohorts = await catalogue.views(db_session, found, hubs)
            if found.next_cursor is not None:
                query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
                next_link = "/?" + urlencode([*query, ("cursor", found.next_cursor)])
        return page(
            request,
            "find.html",
            title="Find training",
            nav="find",
            errors=errors,
            status_code=400 if errors else 200,
            filters=filters.typed,
            teacher=teacher is not None,
            need_areas=[
                ("", "Any need area"),
                *((a.value, t) for a, t in NEED_AREA_LABELS.items()),
            ],
            hubs=[("", "Any hub"), *sorted(hubs.items(), key=lambda h: h[1])],
            cohorts=cohorts,
            next_link=next_link,
        )

    @get("/cohorts/{cohort_id:str}")
    async def cohort(
        self,
        request: Request[Any, Any, Any],
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
    ) -> Template:
        actor = current_actor(request)
        context = await catalogue.cohort(db_session, actor, cohort_id)
        return cohort_page(
            request, context, mine=await own_booking(booking_service, db_session, actor, cohort_id)
        )

    @post("/cohorts/{cohort_id:str}")
    async def book(
        self,
        request: Request[Any, Any, Any],
        *,
        cohort_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
        user_service: NamedDependency[UserService],
    ) -> Response[Any]:
        """Book through BookingService; a refusal is explained on the cohort page."""
        actor = signed_in(request)
        if await first_booking_needs_details(
            request, db_session, booking_service, user_service, actor
        ):
            return Redirect(about_you_url(f"/cohorts/{cohort_id}"), status_code=303)
        form = await request.form()
        key = form.get("idempotency_key")
        try:
            result = await booking_service.book(
                db_session,
                actor,
                cohort_id,
                BookingCreate(accept_clashes=form.get("accept_clashes") == "yes"),
                key
                if isinstance(key, str) and key.isalnum() and len(key) <= MAX_KEY_LENGTH
                else None,
            )
        except TimetableClashError as exc:
            context = await catalogue.cohort(db_session, actor, cohort_id)
            clashes = clash_lines(exc.extra.get("clashes", []), context["zone"])
            return cohort_page(request, context, clashes=clashes, status_code=exc.status)
        except (ConflictError, ForbiddenError) as exc:
            message = next(
                (m for t, m in BOOKING_REFUSALS.items() if isinstance(exc, t)), exc.title
            )
            context = await catalogue.cohort(db_session, actor, cohort_id)
            errors = FormErrors({"book": message})
            mine = await own_booking(booking_service, db_session, actor, cohort_id)
            return cohort_page(request, context, errors=errors, status_code=exc.status, mine=mine)
        return Redirect(f"/bookings/{result.body.id}", status_code=303)

    @get("/bookings/{booking_id:str}")
    async def booking(
        self,
        request: Request[Any, Any, Any],
        *,
        booking_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
        feed_service: NamedDependency[FeedService],
    ) -> Template:
        """The booking just made (or any of the caller's): confirmed, waitlisted or offered."""
        actor = signed_in(request)
        booking = await booking_service.get(db_session, actor, booking_id)
        context = await catalogue.cohort(db_session, actor, booking.cohort_id)
        return page(
            request,
            "booking.html",
            title=BOOKING_TITLES.get(booking.status, "Your booking"),
            booking=booking,
            own=(own := booking.teacher_id == actor.id),
            feed=subscribe_links(await feed_service.urls(db_session, actor)) if own else None,
            **context,
        )


async def first_booking_needs_details(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    booking_service: BookingService,
    user_service: UserService,
    actor: Actor,
) -> bool:
    """Before someone's first booking, "Tell us about you" once if their details are missing
    (booking.pages.profile_prompt); they come back here and book as usual."""
    if actor.role is not Role.TEACHER:
        return False
    me = await user_service.me(db_session, actor)
    if not should_ask(request, me):
        return False
    return not (await booking_service.mine(db_session, actor, limit=1, cursor=None)).items


async def own_booking(
    booking_service: BookingService, db_session: AsyncSession, actor: Actor | None, cohort_id: str
) -> dict[str, str] | None:
    """The signed-in teacher's active booking on the cohort, as the page words it."""
    if actor is None or actor.role not in BOOKING_ROLES:
        return None
    booking = await booking_service.own_active(db_session, actor, cohort_id)
    if booking is None:
        return None
    return {
        "id": booking.id,
        "status": booking.status.value,
        "text": own_booking_text(booking.status.value, booking.waitlist_position),
    }


def cohort_page(
    request: Request[Any, Any, Any],
    context: dict[str, Any],
    *,
    errors: FormErrors | None = None,
    clashes: list[dict[str, str]] | None = None,
    status_code: int = 200,
    mine: dict[str, str] | None = None,
) -> Template:
    return page(
        request,
        "cohort.html",
        title=context["cohort"].title,
        errors=errors,
        status_code=status_code,
        clashes=clashes or [],
        mine=mine,
        # A fresh key per form: a second press of the same button replays the first booking.
        idempotency_key=secrets.token_hex(16),
        **context,
    )
