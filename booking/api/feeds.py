"""Calendar feeds: the caller's feed URLs, and the .ics feeds calendar apps poll."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from booking.api.deps import CurrentActor, DbSession
from booking.api.problems import problems
from booking.auth import requires_user
from booking.errors import NotFoundError
from booking.services.feeds import FeedService, FeedUrls, FeedVersion

# Litestar adds "; charset=utf-8" to text/* types.
ICS = "text/calendar"
PERSONAL_HEADERS = {
    # A personal feed URL is a credential: keep it out of shared caches, referrers and indexes.
    "Cache-Control": "private, max-age=0, must-revalidate",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
PUBLIC_HEADERS = {"Cache-Control": "public, max-age=300"}


class MyFeedController(Controller):
    path = "/api/v1/me/feed"
    tags = ["calendars"]  # noqa: RUF012 - Litestar's declared attribute
    guards = [requires_user]  # noqa: RUF012 - Litestar's declared attribute

    @get("", operation_id="getMyFeed", responses=problems(401))
    async def urls(
        self, actor: CurrentActor, db_session: DbSession, feed_service: NamedDependency[FeedService]
    ) -> FeedUrls:
        return await feed_service.urls(db_session, actor)

    @post("/rotate", status_code=200, operation_id="rotateMyFeed", responses=problems(401))
    async def rotate(
        self, actor: CurrentActor, db_session: DbSession, feed_service: NamedDependency[FeedService]
    ) -> FeedUrls:
        """New URLs; the old one answers 404 at once."""
        return await feed_service.rotate(db_session, actor)


class FeedController(Controller):
    path = "/feeds"
    tags = ["calendars"]  # noqa: RUF012 - Litestar's declared attribute

    @get(
        "/{name:str}",
        operation_id="personalFeed",
        exclude_from_auth=True,
        media_type=ICS,
        responses=problems(404),
    )
    async def personal(
        self,
        name: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: DbSession,
        feed_service: NamedDependency[FeedService],
    ) -> Response[bytes]:
        token = _ics_name(name)
        return await _respond(
            request, await feed_service.personal(db_session, token), PERSONAL_HEADERS
        )

    @get(
        "/hubs/{name:str}",
        operation_id="hubFeed",
        exclude_from_auth=True,
        media_type=ICS,
        responses=problems(404),
    )
    async def hub(
        self,
        name: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: DbSession,
        feed_service: NamedDependency[FeedService],
    ) -> Response[bytes]:
        return await _respond(
            request, await feed_service.hub(db_session, _ics_name(name)), PUBLIC_HEADERS
        )


def _ics_name(name: str) -> str:
    if not name.endswith(".ics") or len(name) > 200:  # noqa: PLR2004 - no real name is that long
        raise NotFoundError("no such feed")
    return name.removesuffix(".ics")


async def _respond(
    request: Request[Any, Any, Any], feed: FeedVersion, extra: dict[str, str]
) -> Response[bytes]:
    """text/calendar whatever the Accept header; 304 when the client's copy is current, known
    without rendering the body."""
    headers = {"ETag": feed.etag, **extra}
    if feed.last_modified is not None:
        headers["Last-Modified"] = format_datetime(feed.last_modified, usegmt=True)
    if _not_modified(request, feed):
        return Response(b"", status_code=304, headers=headers, media_type=ICS)
    return Response(await feed.render(), status_code=200, headers=headers, media_type=ICS)


def _not_modified(request: Request[Any, Any, Any], feed: FeedVersion) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or feed.etag in tags
    since = request.headers.get("if-modified-since")
    if since and feed.last_modified is not None:
        try:
            return feed.last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False
