"""Subscribable calendar feeds (docs/contract.md, Calendars): personal by role, and public per
hub."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError
from booking.models import FeedToken, accessibility_words
from booking.repositories import feeds as feed_repo
from booking.schemas.common import Output
from booking.services.actor import Actor
from calendars.ical import SessionEvent, feed, session_event

WINDOW_BEFORE = timedelta(days=30)
WINDOW_AFTER = timedelta(days=366)
# A hub's public feed is everyone's: kept well under 1 MB (Google ignores larger feeds,
# docs/calendars.md, rule 28) by a shorter window and, past that, its first events only.
HUB_WINDOW_BEFORE = timedelta(days=7)
HUB_WINDOW_AFTER = timedelta(days=180)
HUB_MAX_EVENTS = 1000
# Part of every ETag: bump it when the rendering changes, so no client keeps an old body.
RENDERING = "2"


FEED_NAMES = {
    "teacher": "SEND training: my sessions",
    "trainer": "SEND training: sessions I teach",
    "hub_admin": "SEND training: my hub's sessions",
    "admin": "SEND training: all sessions",
}


class FeedUrls(Output):
    https_url: str
    webcal_url: str


@dataclass(frozen=True, slots=True)
class FeedVersion:
    """A feed as it stands: its ETag and Last-Modified, known from one query, and how to
    render its body (only when the client's copy is not current)."""

    etag: str
    last_modified: datetime | None
    render: Callable[[], Awaitable[bytes]]


class RenderedFeeds:
    """Bodies already rendered in this process, by ETag: a new poller of a feed that another
    client fetched moments ago gets the bytes without a render. The ETag names the body (it is
    made from the feed's marks, its window and the base URL), so any process that renders it
    produces the same bytes."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.entries: OrderedDict[str, bytes] = OrderedDict()

    def get(self, key: str) -> bytes | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: str, body: bytes) -> None:
        self.entries[key] = body
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose sessions a feed shows, under which name, over which window."""

    role: str
    user_id: str | None
    hub_id: str | None
    calendar_id: str
    name: str
    before: timedelta
    after: timedelta
    most: int | None


class FeedService:
    def __init__(
        self, clock: Clock, secret_key: bytes, base_url: str, rendered: RenderedFeeds
    ) -> None:
        self.clock = clock
        self.secret_key = secret_key
        self.base_url = base_url.rstrip("/")
        self.rendered = rendered

    def _token(self, user_id: str, nonce: str) -> str:
        # The URL token is derived from a random nonce with the server key: the database keeps
        # only the token's hash, so a copy of it opens no feed.
        digest = hmac.new(
            self.secret_key, f"feed:{user_id}:{nonce}".encode(), hashlib.sha256
        ).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def _urls(self, token: str) -> FeedUrls:
        https = f"{self.base_url}/feeds/{token}.ics"
        parts = urlsplit(https)
        return FeedUrls(https_url=https, webcal_url=urlunsplit(("webcal", *parts[1:])))

    async def urls(self, db_session: AsyncSession, actor: Actor) -> FeedUrls:
        async with unit_of_work(db_session):
            row = await db_session.get(FeedToken, actor.id)
            if row is None:
                row = await self._new_token(db_session, actor.id, None)
            return self._urls(self._token(actor.id, row.nonce))

    async def rotate(self, db_session: AsyncSession, actor: Actor) -> FeedUrls:
        """A new URL; the old one answers 404 from this commit on."""
        async with unit_of_work(db_session):
            row = await self._new_token(
                db_session, actor.id, await db_session.get(FeedToken, actor.id)
            )
            return self._urls(self._token(actor.id, row.nonce))

    async def _new_token(
        self, db_session: AsyncSession, user_id: str, row: FeedToken | None
    ) -> FeedToken:
        nonce = secrets.token_hex(16)
        token_hash = hashlib.sha256(self._token(user_id, nonce).encode()).hexdigest()
        if row is None:
            row = FeedToken(
                user_id=user_id, nonce=nonce, token_hash=token_hash, created_at=self.clock.now()
            )
            db_session.add(row)
        else:
            row.nonce, row.token_hash, row.created_at = nonce, token_hash, self.clock.now()
        await db_session.flush()
        return row

    async def personal(self, db_session: AsyncSession, token: str) -> FeedVersion:
        state = await feed_repo.personal_state(
            db_session, hashlib.sha256(token.encode()).hexdigest()
        )
        if state is None:
            raise NotFoundError("no such feed")
        return self._version(
            db_session,
            Scope(
                role=state.role,
                user_id=state.owner_id,
                hub_id=state.hub_id,
                calendar_id=f"feed-{state.owner_id}",
                # No personal data in the calendar itself: feed URLs get shared and pasted.
                name=FEED_NAMES[state.role],
                before=WINDOW_BEFORE,
                after=WINDOW_AFTER,
                most=None,
            ),
            state.marks,
            state.changed_at,
        )

    async def hub(self, db_session: AsyncSession, hub_id: str) -> FeedVersion:
        found = await feed_repo.hub_state(db_session, hub_id)
        if found is None:
            raise NotFoundError("no such hub")
        name, marks, changed_at = found
        scope = Scope(
            role="hub",
            user_id=None,
            hub_id=hub_id,
            calendar_id=f"hub-{hub_id}",
            name=f"SEND training: {name}",
            before=HUB_WINDOW_BEFORE,
            after=HUB_WINDOW_AFTER,
            most=HUB_MAX_EVENTS,
        )
        return self._version(db_session, scope, marks, changed_at)

    def _version(
        self,
        db_session: AsyncSession,
        scope: Scope,
        marks: tuple[object, ...],
        changed_at: datetime | None,
    ) -> FeedVersion:
        """The ETag from what the feed shows (its marks), its window (by whole days, so the
        body stays byte-identical within a day) and everything else the body is made of."""
        today = self.clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        key = repr((RENDERING, scope, self.base_url, today, marks))
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'

        async def render() -> bytes:
            cached = self.rendered.get(etag)
            if cached is None:
                cached = await self._render(db_session, scope, today)
                self.rendered.put(etag, cached)
            return cached

        return FeedVersion(etag=etag, last_modified=changed_at, render=render)

    async def cohort_calendar(self, db_session: AsyncSession, cohort_id: str) -> bytes:
        """A cohort's live sessions as a file to import: the feed's calendar and events (same
        UIDs as the invites and the feed, so importing it next to them adds no duplicates)."""
        rows = await feed_repo.cohort_rows(db_session, cohort_id)
        name = rows[0][2].title if rows else "SEND training"
        events = [self._event(row) for row in rows]
        return feed(events, calendar_id=f"cohort-{cohort_id}", name=name)

    def _event(self, row: feed_repo.FeedRow) -> SessionEvent:
        session, cohort, course, venue, trainer = row
        return session_event(
            uid=session.uid,
            sequence=session.sequence,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            course_title=course.title,
            venue_name=venue.name,
            venue_address=venue.address,
            venue_postcode=venue.postcode,
            trainer_name=trainer.name,
            accessibility=accessibility_words(venue.accessibility),
            base_url=self.base_url,
            cohort_id=cohort.id,
            last_modified=session.updated_at,
        )

    async def _render(self, db_session: AsyncSession, scope: Scope, today: datetime) -> bytes:
        rows = await feed_repo.feed_rows(
            db_session,
            role=scope.role,
            user_id=scope.user_id,
            hub_id=scope.hub_id,
            start=today - scope.before,
            end=today + scope.after,
            most=scope.most,
        )
        events = [self._event(row) for row in rows]
        return feed(events, calendar_id=scope.calendar_id, name=scope.name)
