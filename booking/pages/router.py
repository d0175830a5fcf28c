"""The pages as one Router, and the static files they need."""

from __future__ import annotations

from litestar import Router
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.di import Provide
from litestar.middleware.base import DefineMiddleware
from litestar.static_files import create_static_files_router

from booking.pages.about import AboutPages
from booking.pages.about_you import AboutYouPages
from booking.pages.account import AccountPages
from booking.pages.admin_users import AdminUserPages
from booking.pages.catalogue import provide_catalogue
from booking.pages.csrf import CsrfMiddleware
from booking.pages.errors import EXCEPTION_HANDLERS
from booking.pages.hub import HubPages
from booking.pages.hub_cohort_changes import HubCohortChangePages
from booking.pages.hub_cohorts import HubCohortPages
from booking.pages.hub_series import HubSeriesPages
from booking.pages.hub_sessions import HubSessionPages
from booking.pages.hub_venues import HubVenuePages
from booking.pages.my_bookings import MyBookingsPages
from booking.pages.my_timetable import MyTimetablePages
from booking.pages.rendering import STATIC
from booking.pages.school import SchoolPages
from booking.pages.session import EXCLUDE_KEY, SessionCookieMiddleware
from booking.pages.sign_in import SignInPages
from booking.pages.trainer import TrainerPages
from booking.pages.training import TrainingPages

FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def pages_router() -> Router:
    return Router(
        path="/",
        route_handlers=[
            SignInPages,
            TrainingPages,
            TrainerPages,
            HubPages,
            HubCohortPages,
            HubSeriesPages,
            HubSessionPages,
            HubCohortChangePages,
            HubVenuePages,
            MyBookingsPages,
            MyTimetablePages,
            AccountPages,
            AboutYouPages,
            AdminUserPages,
            AboutPages,
            SchoolPages,
        ],
        dependencies={"catalogue": Provide(provide_catalogue, sync_to_thread=False)},
        middleware=[
            DefineMiddleware(SessionCookieMiddleware, exclude_from_auth_key=EXCLUDE_KEY),
            CsrfMiddleware,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        # Pages, their redirects and CSV downloads carry personal details and form tokens: never
        # kept by a shared cache. The security headers (CSP and the rest) are added to every
        # response by booking.app (booking/http_headers.py), error pages included.
        response_headers=[ResponseHeader(name="Cache-Control", value="no-store")],
        include_in_schema=False,
        # exclude_from_auth: the API's Bearer middleware leaves the pages to the cookie.
        # media_types: booking.app's body check lets form posts through to these handlers.
        opt={"exclude_from_auth": True, "media_types": FORM_MEDIA_TYPES},
    )


def static_router() -> Router:
    """GOV.UK Frontend's built CSS and JS (vendored: see static/govuk/README.md)."""
    return create_static_files_router(
        path="/static",
        directories=[STATIC],
        cache_control=CacheControlHeader(max_age=86400, public=True),
        include_in_schema=False,
        opt={"exclude_from_auth": True},
    )
