"""The composition root of the HTTP app: settings, database, ports and routes wired together
(booking.background is the other half: the timer and what it runs)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from booking import log_redaction
from booking.api.admin import AdminNotificationController
from booking.api.approvals import ApprovalController
from booking.api.audit import AuditController
from booking.api.bookings import BookingController
from booking.api.bulk_bookings import BulkBookingController
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
from booking.api.progress import HubProgressController, SchoolProgressController
from booking.api.query_params import applies_to, rejects_unknown_query
from booking.api.schools import SchoolController
from booking.api.sessions import SessionController
from booking.api.timetables import TimetableController
from booking.api.trainers import TrainerController
from booking.audit import audited_session_class
from booking.auth import BearerTokenMiddleware
from booking.background import Background, mail_context
from booking.clock import Clock, SystemClock
from booking.database import create_engine, create_sessionmaker
from booking.errors import ValidationError
from booking.http_headers import security_headers
from booking.limiter import RateLimits
from booking.migrate import head_revision
from booking.pages.errors import http_error as page_http_error
from booking.pages.rendering import template_config
from booking.pages.router import pages_router, static_router
from booking.ports import SignInMailer
from booking.repositories.feed_changes import track_feed_changes
from booking.repositories.mail_facts import MailFactsReader
from booking.runtime import Runtime
from booking.secret_key import load_secret_key
from booking.services import calendar_import
from booking.settings import Settings, SettingsError, load_settings
from notifications.admin import DeliveryRows
from notifications.mailer import Mailer
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


@dataclass(frozen=True, slots=True)
class Wiring:
    """What an app runs with besides its routes; its lifespan builds the runtime from this.

    Tests pass their own clock, mailer or transport, and may run without the timer
    (`background=False`): then nothing happens in the background and a test drives
    `app.state.background.run_once()` itself.
    """

    settings: Settings
    clock: Clock | None = None
    mailer: SignInMailer | None = None
    transport: MailTransport | None = None
    background: bool = True


@asynccontextmanager
async def running(wiring: Wiring) -> AsyncIterator[tuple[Runtime, Background]]:
    """The runtime and background of one process, closed on leaving."""
    settings = wiring.settings
    clock = wiring.clock or SystemClock()
    mail_transport = wiring.transport or build_mail_transport(settings)
    engine = create_engine(settings.database)
    session_info: dict[str, object] = {}
    background: Background | None = None

    def wake() -> None:
        if background is not None:
            background.wake()

    session_class = audited_session_class(waking_session_class(wake))
    track_feed_changes(session_class)
    secret_key = load_secret_key(settings.server)
    runtime = Runtime(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(
            engine, sync_session_class=session_class, info=session_info
        ),
        clock=clock,
        mailer=wiring.mailer or build_mailer(settings, mail_transport),
        deliveries=DeliveryRows(facts=MailFactsReader(), context=mail_context(settings, clock)),
        head_revision=head_revision(),
        secret_key=secret_key,
        limits=RateLimits(engine, clock, settings.limits, secret_key),
        session_info=session_info,
    )
    background = Background(runtime, mail_transport)
    if wiring.background:
        background.start()
    try:
        yield runtime, background
    finally:
        await background.stop()
        runtime.calendar_import.close()
        await engine.dispose()


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


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Runs after the guards of every layer (401/403 come first), before the arguments are read.
    A coroutine, so that Litestar does not run it in a worker thread on every request."""
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


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    mailer: SignInMailer | None = None,
    transport: MailTransport | None = None,
    background: bool = True,
) -> Litestar:
    """Build the application; see Wiring for what tests may pass."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        log_redaction.install()
        async with running(app.state.wiring) as (runtime, jobs):
            app.state.runtime, app.state.background = runtime, jobs
            yield

    return Litestar(
        route_handlers=[
            health,
            ready,
            AuthController,
            MeController,
            UsersController,
            HubController,
            VenueController,
            SchoolController,
            SchoolProgressController,
            HubProgressController,
            CourseController,
            TrainerController,
            CohortController,
            SessionController,
            BookingController,
            BulkBookingController,
            ApprovalController,
            MyFeedController,
            FeedController,
            TimetableController,
            AdminNotificationController,
            AuditController,
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
        state=State({"wiring": Wiring(settings, clock, mailer, transport, background=background)}),
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
    """Factory for `uvicorn --factory` (several HTTP processes each build their own app)."""
    settings = load_settings(os.environ)
    calendar_import.prepare()
    return create_app(settings, background=settings.server.run_worker)
