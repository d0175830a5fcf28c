"""The composition root: the only place that wires settings, database, ports and HTTP together."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.exceptions import HTTPException, NotFoundException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from booking import log_redaction
from booking.api.admin import AdminNotificationController
from booking.api.bookings import BookingController
from booking.api.cohorts import CohortController
from booking.api.courses import CourseController
from booking.api.deps import DEPENDENCIES
from booking.api.docs import VendoredSwaggerUI
from booking.api.feeds import FeedController, MyFeedController
from booking.api.health import health, ready
from booking.api.hubs import HubController, VenueController
from booking.api.identity import AuthController, MeController, UsersController
from booking.api.json_body import JsonObjectRequest
from booking.api.problems import EXCEPTION_HANDLERS, http_error_handler
from booking.api.query_params import applies_to, rejects_unknown_query
from booking.api.sessions import SessionController
from booking.api.timetables import TimetableController
from booking.api.trainers import TrainerController
from booking.auth import BearerTokenMiddleware
from booking.clock import Clock, SystemClock
from booking.database import create_engine, create_sessionmaker
from booking.errors import ValidationError
from booking.http_headers import security_headers
from booking.migrate import head_revision
from booking.pages.errors import http_error as page_http_error
from booking.pages.rendering import template_config
from booking.pages.router import pages_router, static_router
from booking.ports import SignInMailer
from booking.runtime import Runtime
from booking.secret_key import load_secret_key
from booking.services.bookings import BookingService
from booking.services.timetables import TimetableService
from booking.settings import Settings, SettingsError, load_settings
from notifications.addresses import parse_mailbox
from notifications.content import MailContext
from notifications.dispatcher import Dispatcher
from notifications.mailer import Mailer, message_id_domain
from notifications.messages import DEFAULT_SERVICE_NAME
from notifications.recompose import recompose
from notifications.scheduler import Ticker
from notifications.transports import MailTransport, build_transport, parse_security
from notifications.wakeup import waking_session_class

JSON_MEDIA_TYPES = ("application/json",)
# Addresses that answer machines: an unknown one there is problem+json, elsewhere a page.
MACHINE_PREFIXES = ("/api/", "/feeds/", "/schema/", "/health/", "/ready/", "/static/")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def build_mail_transport(settings: Settings) -> MailTransport:
    mail = settings.mail
    return build_transport(
        smtp_host=mail.smtp_host,
        smtp_port=mail.smtp_port,
        security=parse_security(mail.smtp_security.value),
        username=mail.smtp_username,
        password=mail.smtp_password,
        mail_dir=mail.mail_dir,
    )


def build_mailer(settings: Settings, transport: MailTransport) -> SignInMailer:
    return Mailer(transport, sender=settings.mail.mail_from, base_url=settings.server.base_url)


def mail_context(settings: Settings, clock: Clock) -> Callable[[], MailContext]:
    """What every notification mail of this process is sent with; `now` taken per pass."""
    sender = parse_mailbox(settings.mail.mail_from, "BOOKING_MAIL_FROM")
    base_url = settings.server.base_url.rstrip("/")
    domain = message_id_domain(base_url)

    def context() -> MailContext:
        return MailContext(
            sender_email=sender.addr_spec,
            sender_name=sender.display_name or DEFAULT_SERVICE_NAME,
            base_url=base_url,
            message_id_domain=domain,
            service_name=DEFAULT_SERVICE_NAME,
            now=clock.now(),
        )

    return context


def check_mail_settings(settings: Settings) -> None:
    """What the lifespan would find wrong with the mail settings (BOOKING_MAIL_FROM...), as a
    SettingsError before anything is served rather than a traceback after."""
    try:
        mail_context(settings, SystemClock())
        build_mailer(settings, build_mail_transport(settings))
    except ValueError as exc:
        raise SettingsError(str(exc)) from None


def not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
    """An address no handler serves: the pages' HTML 404 unless a machine asked for it."""
    if f"{request.url.path}/".startswith(MACHINE_PREFIXES):
        return http_error_handler(request, exc)
    return page_http_error(request, exc)


def check_request(request: Request[Any, Any, Any]) -> None:
    """Runs after the guards of every layer (401/403 come first), before the arguments are read."""
    refuse_nul_characters(request)
    if applies_to(request.scope["path"]):
        rejects_unknown_query(request, request.route_handler)
    require_json_body(request)


def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """400 for a NUL in the path or the query: no id or filter has one, and PostgreSQL cannot
    even compare a text value holding it (the lookup would fail as a 500)."""
    query = request.scope.get("query_string", b"")
    if "\x00" in request.scope["path"] or b"%00" in query or b"\x00" in query:
        raise ValidationError("the address contains a NUL character")


def require_json_body(request: Request[Any, Any, Any]) -> None:
    """415 for a body that is not JSON, unless the handler names other media types in its opt."""
    if request.method not in BODY_METHODS:
        return
    has_body = (
        request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers
    )
    if not has_body:
        return
    accepted = request.route_handler.opt.get("media_types", JSON_MEDIA_TYPES)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in accepted and not (
        media_type.endswith("+json") and "application/json" in accepted
    ):
        raise HTTPException(
            status_code=415,
            detail=f"send the body as {' or '.join(accepted)}, not {media_type or 'nothing'}",
        )


# How often every process looks for work left by others (offers to expire, events, reminders,
# retries); the timer also wakes it after each commit with events and at the next due time.
DISPATCH_POLL_SECONDS = 2.0


async def expire_offers(runtime: Runtime) -> int:
    """Offers past their time, then promotions left for a teacher who was busy."""
    service = BookingService(runtime.clock)
    async with runtime.sessionmaker() as db_session:
        done = await service.expire_due_offers(db_session)
        return done + await service.retry_deferred_promotions(db_session)


async def dispatch(runtime: Runtime, dispatcher: Dispatcher, ticker: Ticker) -> int:
    """One pass of time-based work, then the timer set for the next due moment."""
    done = await expire_offers(runtime)
    done += await dispatcher.run()
    due = await dispatcher.next_due()
    if due is not None:
        ticker.wake_in("dispatch", (due - runtime.clock.now()).total_seconds())
    return done


# Linked timetables are refreshed every few hours; this is only how often we look for due ones.
TIMETABLE_POLL_SECONDS = 60.0


async def refresh_timetables(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as db_session:
        return await TimetableService(runtime.clock).refresh_due(
            db_session, allow_private=runtime.settings.timetable.allow_private_urls
        )


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    mailer: SignInMailer | None = None,
    transport: MailTransport | None = None,
) -> Litestar:
    """Build the application. Tests pass their own clock, mailer or transport; the CLI none."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        log_redaction.install()
        the_clock = clock or SystemClock()
        mail_transport = transport or build_mail_transport(settings)
        engine = create_engine(settings.database)

        def wake() -> None:
            ticker.kick("dispatch")

        sessionmaker = create_sessionmaker(engine, sync_session_class=waking_session_class(wake))
        runtime = Runtime(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            clock=the_clock,
            mailer=mailer or build_mailer(settings, mail_transport),
            head_revision=head_revision(),
            secret_key=load_secret_key(settings.server),
            recompose_mail=partial(recompose, context=mail_context(settings, the_clock)),
        )
        dispatcher = Dispatcher(
            sessionmaker,
            mail_transport,
            the_clock,
            settings.mail,
            mail_context(settings, the_clock),
        )
        app.state.runtime, app.state.dispatcher = runtime, dispatcher

        async def dispatch_job() -> int:
            return await dispatch(runtime, dispatcher, ticker)

        ticker = Ticker(
            {
                "dispatch": (dispatch_job, DISPATCH_POLL_SECONDS),
                "refresh_timetables": (
                    partial(refresh_timetables, runtime),
                    TIMETABLE_POLL_SECONDS,
                ),
            }
        )
        ticker.start()
        # Work that came due while no process was running (reminders, retries) goes out now.
        ticker.kick("dispatch")
        try:
            yield
        finally:
            await ticker.stop()
            await engine.dispose()

    return Litestar(
        route_handlers=[
            health,
            ready,
            AuthController,
            MeController,
            UsersController,
            HubController,
            VenueController,
            CourseController,
            TrainerController,
            CohortController,
            SessionController,
            BookingController,
            MyFeedController,
            FeedController,
            TimetableController,
            AdminNotificationController,
            pages_router(),
            static_router(),
        ],
        template_config=template_config(),
        dependencies=DEPENDENCIES,
        exception_handlers={**EXCEPTION_HANDLERS, NotFoundException: not_found},
        middleware=[DefineMiddleware(BearerTokenMiddleware, exclude=["^/schema"])],
        before_request=check_request,
        before_send=[security_headers(settings.server.base_url)],
        request_class=JsonObjectRequest,
        lifespan=[lifespan],
        request_max_body_size=settings.server.max_json_body,
        cors_config=CORSConfig(allow_origins=[_origin(settings.server.base_url)]),
        openapi_config=OpenAPIConfig(
            title="Book SEND training",
            version="1.0.0",
            description="In-person SEND training: hubs, venues, trainers, courses and cohorts.",
            path="/schema",
            render_plugins=[VendoredSwaggerUI()],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="API token")
                }
            ),
            security=[{"bearer": []}],
        ),
        debug=False,
    )


def _origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def create_app_from_environment() -> Litestar:
    """Factory for `uvicorn --factory` (several workers each build their own app)."""
    return create_app(load_settings(os.environ))
