"""A teacher's bookings (/my/bookings): offers, cancelling, the calendar file and the feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import NotFoundError, NotOfferedError, OfferExpiredError
from booking.models import BookingStatus
from booking.models.enums import ACTIVE_BOOKING_STATUSES
from booking.pages.catalogue import Catalogue
from booking.pages.feed_links import subscribe_links
from booking.pages.formatting import HOME_ZONE, clock_time, long_date
from booking.pages.rendering import FormErrors, page
from booking.pages.training import signed_in
from booking.runtime import Runtime
from booking.schemas.bookings import BookingRead
from booking.services.actor import Actor
from booking.services.bookings import LATE_CANCELLATION, BookingService
from booking.services.feeds import FeedService

Db = NamedDependency[AsyncSession]
MAX_BOOKINGS = 100
LIVE = set(ACTIVE_BOOKING_STATUSES)
DONE = {
    "accepted": "You accepted the place. Your booking is confirmed",
    "declined": "You declined the place. Your booking is cancelled",
    "cancelled": "Your booking is cancelled",
    "cancelled-late": "Your booking is cancelled. This was a late cancellation "
    "(less than 48 hours before the first session)",
    "rotated": "Your calendar link has changed. Calendars subscribed to the old link "
    "will stop updating: subscribe again with the new link",
}
OFFER_REFUSALS: dict[type[Exception], str] = {
    OfferExpiredError: "The offer of a place has expired",
    NotOfferedError: "This booking has no open offer of a place",
}
STATUS_TAGS = {
    BookingStatus.CONFIRMED: ("Confirmed", "govuk-tag--green"),
    BookingStatus.OFFERED: ("Place offered", "govuk-tag--yellow"),
    BookingStatus.WAITLISTED: ("On the waitlist", "govuk-tag--blue"),
    BookingStatus.EXPIRED: ("Offer expired", "govuk-tag--grey"),
    BookingStatus.CANCELLED: ("Cancelled", "govuk-tag--grey"),
    BookingStatus.PENDING_APPROVAL: ("Waiting for your school's approval", "govuk-tag--yellow"),
}


def at_time(moment: datetime, zone_name: str) -> str:
    """ "9am on Monday 25 January 2027", in the venue's time, the zone named outside the UK."""
    local = moment.astimezone(ZoneInfo(zone_name))
    named = "" if zone_name == HOME_ZONE else f" ({zone_name.replace('_', ' ')} time)"
    return f"{clock_time(local)} on {long_date(local)}{named}"


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def own_booking(
    db_session: AsyncSession, service: BookingService, actor: Actor, booking_id: str
) -> BookingRead:
    """The caller's own booking: hub staff may read others' through the API, not here."""
    booking = await service.get(db_session, actor, booking_id)
    if booking.teacher_id != actor.id:
        raise NotFoundError("no such booking of yours")
    return booking


class MyBookingsPages(Controller):
    @get("/my/bookings")
    async def list_bookings(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
        feed_service: NamedDependency[FeedService],
    ) -> Template:
        done = request.query_params.get("done", "")
        return await bookings_page(
            request, db_session, catalogue, booking_service, feed_service, done=DONE.get(done, "")
        )

    @post("/my/bookings/{booking_id:str}/accept")
    async def accept(
        self,
        request: Request[Any, Any, Any],
        *,
        booking_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
        feed_service: NamedDependency[FeedService],
    ) -> Response[Any]:
        """Accept an offer through BookingService; an expired offer is explained."""
        return await answer_offer(
            request,
            booking_id=booking_id,
            db_session=db_session,
            catalogue=catalogue,
            booking_service=booking_service,
            feed_service=feed_service,
            accept=True,
        )

    @post("/my/bookings/{booking_id:str}/decline")
    async def decline(
        self,
        request: Request[Any, Any, Any],
        *,
        booking_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
        feed_service: NamedDependency[FeedService],
    ) -> Response[Any]:
        return await answer_offer(
            request,
            booking_id=booking_id,
            db_session=db_session,
            catalogue=catalogue,
            booking_service=booking_service,
            feed_service=feed_service,
            accept=False,
        )

    @get("/my/bookings/{booking_id:str}/cancel")
    async def confirm_cancel(
        self,
        request: Request[Any, Any, Any],
        *,
        booking_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
        booking_service: NamedDependency[BookingService],
    ) -> Response[Any]:
        """The confirmation step: the late-cancellation rule in words, then the button."""
        actor = signed_in(request)
        booking = await own_booking(db_session, booking_service, actor, booking_id)
        if booking.status not in LIVE:
            return Redirect("/my/bookings", status_code=303)
        cohort = await catalogue.cohorts.get(db_session, actor, booking.cohort_id)
        context = await catalogue.cohort(db_session, actor, booking.cohort_id)
        live = [s.starts_at for s in cohort.sessions if s.status.value == "scheduled"]
        late_from = min(live) - LATE_CANCELLATION if live else None
        return page(
            request,
            "cancel_booking.html",
            title="Are you sure you want to cancel this booking?",
            booking=booking,
            late_from=at_time(late_from, context["zone"]) if late_from else None,
            late_now=late_from is not None and runtime_of(request).clock.now() > late_from,
            waiting=cohort.waitlist_length,
            **context,
        )

    @post("/my/bookings/{booking_id:str}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        *,
        booking_id: FromPath[str],
        db_session: Db,
        booking_service: NamedDependency[BookingService],
    ) -> Redirect:
        """Cancel through BookingService, which decides whether it is late."""
        actor = signed_in(request)
        await own_booking(db_session, booking_service, actor, booking_id)
        result = await booking_service.cancel(db_session, actor, booking_id)
        done = "cancelled-late" if result.late else "cancelled"
        return Redirect(f"/my/bookings?done={done}", status_code=303)

    @post("/my/feed/rotate")
    async def rotate_feed(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        feed_service: NamedDependency[FeedService],
    ) -> Redirect:
        await feed_service.rotate(db_session, signed_in(request))
        return Redirect("/my/bookings?done=rotated#calendar-feed", status_code=303)

    @get("/bookings/{booking_id:str}/invite.ics")
    async def invite(
        self,
        request: Request[Any, Any, Any],
        *,
        booking_id: FromPath[str],
        db_session: Db,
        booking_service: NamedDependency[BookingService],
        feed_service: NamedDependency[FeedService],
    ) -> Response[bytes]:
        """Every live session of the booked cohort as a plain calendar (no METHOD): a file to
        import, not an iTIP request, so calendar apps add the events without asking to reply
        to an organizer; the UIDs are the invites' and the feed's, so nothing is doubled."""
        actor = signed_in(request)
        booking = await own_booking(db_session, booking_service, actor, booking_id)
        if booking.status is not BookingStatus.CONFIRMED:
            raise NotFoundError("only a confirmed booking has a calendar invite")
        body = await feed_service.cohort_calendar(db_session, booking.cohort_id)
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="send-training-{booking.id}.ics"'
            },
        )


async def answer_offer(
    request: Request[Any, Any, Any],
    *,
    booking_id: str,
    db_session: AsyncSession,
    catalogue: Catalogue,
    booking_service: BookingService,
    feed_service: FeedService,
    accept: bool,
) -> Response[Any]:
    actor = signed_in(request)
    await own_booking(db_session, booking_service, actor, booking_id)
    try:
        if accept:
            await booking_service.accept(db_session, actor, booking_id)
        else:
            await booking_service.decline(db_session, actor, booking_id)
    except (OfferExpiredError, NotOfferedError) as exc:
        errors = FormErrors()
        message = next(m for t, m in OFFER_REFUSALS.items() if isinstance(exc, t))
        errors.add(f"booking-{booking_id}", message)
        return await bookings_page(
            request,
            db_session,
            catalogue,
            booking_service,
            feed_service,
            errors=errors,
            status_code=exc.status,
        )
    return Redirect(f"/my/bookings?done={'accepted' if accept else 'declined'}", status_code=303)


async def bookings_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    catalogue: Catalogue,
    booking_service: BookingService,
    feed_service: FeedService,
    *,
    done: str = "",
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Template:
    actor = signed_in(request)
    found = await booking_service.mine(db_session, actor, limit=MAX_BOOKINGS, cursor=None)
    rows = [await booking_row(db_session, catalogue, actor, b) for b in found.items]
    return page(
        request,
        "my_bookings.html",
        title="Your bookings",
        nav="my-bookings",
        errors=errors,
        status_code=status_code,
        done=done,
        current=[r for r in rows if r["booking"].status in LIVE],
        past=[r for r in rows if r["booking"].status not in LIVE],
        feed=subscribe_links(await feed_service.urls(db_session, actor)),
    )


async def booking_row(
    db_session: AsyncSession, catalogue: Catalogue, actor: Actor, booking: BookingRead
) -> dict[str, Any]:
    try:
        context = await catalogue.cohort(db_session, actor, booking.cohort_id)
    except NotFoundError:
        context = {"cohort": None, "zone": HOME_ZONE}
    label, colour = STATUS_TAGS[booking.status]
    expires = booking.offer_expires_at
    return {
        "booking": booking,
        "cohort": context["cohort"],
        "status": label,
        "colour": colour,
        "offer_expires": at_time(expires, context["zone"]) if expires else "",
    }
