"""A teacher's timetable (/my/timetable): an .ics file, a calendar address, or weekly times.

Each form calls the TimetableService method `PUT /api/v1/me/timetable` calls for that body, and
the page shows what was understood as `GET /api/v1/me/busy` would for the next two weeks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import (
    InvalidCalendarError,
    UrlNotAllowedError,
    UrlUnreachableError,
    ValidationError,
)
from booking.pages.formatting import HOME_ZONE, session_when
from booking.pages.my_bookings import runtime_of
from booking.pages.rendering import FormErrors, page
from booking.pages.timetable_form import DAYS, WEEKS, read_weekly, saved_typed, service_errors
from booking.pages.training import signed_in
from booking.schemas.timetables import LinkedTimetable
from booking.services.timetables import TimetableService

Db = NamedDependency[AsyncSession]
Timetables = NamedDependency[TimetableService]
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
ICS_LIMIT = 1024 * 1024
# Room for the form around a file just over the limit, so it is refused by the field in words.
UPLOAD_BODY_LIMIT = 2 * ICS_LIMIT
BUSY_WINDOW = timedelta(days=14)
DONE = {
    "saved": "Your timetable is saved",
    "removed": "Your timetable is removed",
}
SOURCES = {
    "ics": "An uploaded calendar file",
    "url": "A linked calendar",
    "weekly": "Weekly teaching times",
}
CALENDAR_ERRORS: dict[type[Exception], str] = {
    UrlNotAllowedError: "Enter a public web address of a calendar, starting with https://",
    UrlUnreachableError: "The calendar at this address could not be fetched. Check the address",
    InvalidCalendarError: "The calendar at this address is not an iCalendar (.ics) calendar",
}


class MyTimetablePages(Controller):
    @get("/my/timetable")
    async def show(
        self, request: Request[Any, Any, Any], db_session: Db, timetable_service: Timetables
    ) -> Template:
        done = DONE.get(request.query_params.get("done", ""), "")
        return await timetable_page(request, db_session, timetable_service, done=done)

    @post("/my/timetable/upload", request_max_body_size=UPLOAD_BODY_LIMIT)
    async def upload(
        self,
        request: Request[Any, Any, Any],
        db_session: Db,
        timetable_service: Timetables,
        data: Form,
    ) -> Template | Redirect:
        """The same as PUT /api/v1/me/timetable with a text/calendar body (at most 1 MiB)."""
        actor, errors = signed_in(request), FormErrors()
        upload = data.get("ics_file")
        content = await upload.read() if isinstance(upload, UploadFile) else b""
        if not content:
            errors.add("ics_file", "Select a calendar file")
        elif len(content) > ICS_LIMIT:
            errors.add("ics_file", "The selected file must be smaller than 1 MB")
        else:
            try:
                await timetable_service.put_ics(db_session, actor, content)
            except InvalidCalendarError:
                errors.add("ics_file", "The selected file must be an iCalendar (.ics) file")
        if errors:
            return await timetable_page(request, db_session, timetable_service, errors=errors)
        return Redirect("/my/timetable?done=saved", status_code=303)

    @post("/my/timetable/link")
    async def link(
        self, request: Request[Any, Any, Any], db_session: Db, timetable_service: Timetables
    ) -> Template | Redirect:
        """The same as PUT /api/v1/me/timetable with {url}: fetched now, refreshed later."""
        actor, errors = signed_in(request), FormErrors()
        url = (await request.form()).get("calendar_url", "")
        url = url.strip() if isinstance(url, str) else ""
        linked = linked_timetable(url)
        if linked is None:
            errors.add("calendar_url", "Enter the web address of your calendar")
        else:
            allow = runtime_of(request).settings.timetable.allow_private_urls
            try:
                await timetable_service.put_url(db_session, actor, linked, allow_private=allow)
            except (UrlNotAllowedError, UrlUnreachableError, InvalidCalendarError) as exc:
                message = next(m for t, m in CALENDAR_ERRORS.items() if isinstance(exc, t))
                errors.add("calendar_url", message)
        if errors:
            return await timetable_page(
                request, db_session, timetable_service, errors=errors, calendar_url=url
            )
        return Redirect("/my/timetable?done=saved", status_code=303)

    @post("/my/timetable/weekly")
    async def weekly(
        self, request: Request[Any, Any, Any], db_session: Db, timetable_service: Timetables
    ) -> Template | Redirect:
        """The same as PUT /api/v1/me/timetable with {weekly, timezone, terms}."""
        actor, errors = signed_in(request), FormErrors()
        form = read_weekly(await request.form(), errors)
        if form.timetable is not None:
            try:
                await timetable_service.put_weekly(db_session, actor, form.timetable)
            except ValidationError as exc:
                service_errors(exc, form, errors)
        if errors:
            return await timetable_page(
                request, db_session, timetable_service, errors=errors, typed=form.typed
            )
        return Redirect("/my/timetable?done=saved", status_code=303)

    @post("/my/timetable/remove")
    async def remove(
        self, request: Request[Any, Any, Any], db_session: Db, timetable_service: Timetables
    ) -> Redirect:
        await timetable_service.delete(db_session, signed_in(request))
        return Redirect("/my/timetable?done=removed", status_code=303)


async def timetable_page(
    request: Request[Any, Any, Any],
    db_session: AsyncSession,
    timetable_service: TimetableService,
    *,
    done: str = "",
    errors: FormErrors | None = None,
    typed: dict[str, Any] | None = None,
    calendar_url: str = "",
) -> Template:
    actor = signed_in(request)
    summary = await timetable_service.get(db_session, actor)
    now = runtime_of(request).clock.now()
    busy = await timetable_service.busy(db_session, actor, now, now + BUSY_WINDOW)
    # What was typed after an error; otherwise the saved weekly timetable, to change.
    typed = typed or saved_typed(summary)
    return page(
        request,
        "my_timetable.html",
        title="Your timetable",
        nav="my-timetable",
        errors=errors,
        status_code=400 if errors else 200,
        done=done,
        summary=summary,
        source=SOURCES.get(summary.source or "", ""),
        busy=[
            {
                "when": session_when(i.starts_at, i.ends_at, HOME_ZONE),
                "summary": i.summary,
                "source": "Your timetable" if i.source == "timetable" else "Training you booked",
            }
            for i in busy.items
        ],
        typed=typed,
        calendar_url=calendar_url or summary.url or "",
        days=DAYS,
        weeks=WEEKS,
        rows=range(1, typed["rows"] + 1),
        terms=range(1, typed["terms"] + 1),
    )


def linked_timetable(url: str) -> LinkedTimetable | None:
    """The address as the API takes it (one line, no control character), or None."""
    try:
        return msgspec.convert({"url": url}, LinkedTimetable)
    except msgspec.ValidationError:
        return None
