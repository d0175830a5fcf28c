"""Subscribable calendar feeds (API.md, Calendars): personal by role, and public per hub."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError
from booking.models import FeedToken, accessibility_words
from booking.repositories import feeds as feed_repo
from booking.repositories import hubs as hub_repo
from booking.schemas.common import Output
from booking.services.actor import Actor
from calendars.ical import SessionEvent, feed, session_event

WINDOW_BEFORE = timedelta(days=30)
WINDOW_AFTER = timedelta(days=366)


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
class FeedBody:
    body: bytes
    etag: str
    last_modified: datetime | None


class RenderedFeeds:
    """Feeds already rendered in this process, by (calendar id, base URL, fingerprint).

    A poll whose fingerprint is known costs a few aggregate queries, not a render: that is what
    makes 304s cheap. Another process rendering the same data produces the same bytes (the
    output is deterministic), so its ETag matches too.
    """

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[object, ...], FeedBody] = OrderedDict()

    def get(self, key: tuple[object, ...]) -> FeedBody | None:
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
        return found

    def put(self, key: tuple[object, ...], body: FeedBody) -> None:
        self.entries[key] = body
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


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

    async def personal(self, db_session: AsyncSession, token: str) -> FeedBody:
        owner = await feed_repo.token_owner(db_session, hashlib.sha256(token.encode()).hexdigest())
        if owner is None:
            raise NotFoundError("no such feed")
        # No personal data in the calendar itself: feed URLs get shared and pasted around.
        name = FEED_NAMES[owner.role.value]
        return await self._render(
            db_session,
            role=owner.role.value,
            user_id=owner.id,
            hub_id=owner.hub_id,
            calendar_id=f"feed-{owner.id}",
            name=name,
        )

    async def hub(self, db_session: AsyncSession, hub_id: str) -> FeedBody:
        hub = await hub_repo.get_hub(db_session, hub_id)
        if hub is None:
            raise NotFoundError("no such hub")
        return await self._render(
            db_session,
            role="hub",
            user_id=None,
            hub_id=hub.id,
            calendar_id=f"hub-{hub.id}",
            name=f"SEND training: {hub.name}",
        )

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

    async def _render(
        self,
        db_session: AsyncSession,
        *,
        role: str,
        user_id: str | None,
        hub_id: str | None,
        calendar_id: str,
        name: str,
    ) -> FeedBody:
        now = self.clock.now()
        # The window moves by whole days so the body stays byte-identical within a day.
        today = now.replace(hour=0, minute=0, second=0, microsecond=0)
        start, end = today - WINDOW_BEFORE, today + WINDOW_AFTER
        aggregates, changed = await feed_repo.fingerprint(
            db_session, role=role, user_id=user_id, hub_id=hub_id, start=start, end=end
        )
        key = (calendar_id, name, self.base_url, today, *aggregates, changed)
        cached = self.rendered.get(key)
        if cached is not None:
            return cached
        rows = await feed_repo.feed_rows(
            db_session, role=role, user_id=user_id, hub_id=hub_id, start=start, end=end
        )
        events = [self._event(row) for row in rows]
        body = feed(events, calendar_id=calendar_id, name=name)
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        rendered = FeedBody(body=body, etag=etag, last_modified=changed)
        self.rendered.put(key, rendered)
        return rendered
