"""Hubs and their venues."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import NotFoundError, VenueInUseError
from booking.models import Hub, Role, Venue
from booking.repositories import cohorts as cohort_repo
from booking.repositories import hubs as hub_repo
from booking.schemas.hubs import (
    HubCreate,
    HubPage,
    HubRead,
    HubUpdate,
    VenueCreate,
    VenuePage,
    VenueRead,
    VenueUpdate,
)
from booking.services.actor import Actor
from booking.services.sessions import location_changed
from booking.services.validation import normalise_email, normalise_postcode, zone

# What calendars show of a venue (calendars.ical.session_event). A LOCATION change may send
# people elsewhere: SEQUENCE + 1 and an updated invite (docs/calendars.md, rule 13). Accessibility
# is only in DESCRIPTION: LAST-MODIFIED moves so subscribed feeds refresh
# (docs/calendars.md, rule 14), no SEQUENCE bump and no mail (nobody has to go anywhere else).
# Capacity, timezone (calendars are in UTC) and travel notes (mails only) are in no calendar: they
# touch no session.
LOCATION_FIELDS = frozenset({"name", "address", "postcode"})
DESCRIPTION_FIELDS = frozenset({"accessibility"})


def hub_read(hub: Hub) -> HubRead:
    return HubRead(
        id=hub.id,
        name=hub.name,
        region=hub.region,
        contact_email=hub.contact_email,
        created_at=hub.created_at,
        updated_at=hub.updated_at,
    )


def venue_read(venue: Venue) -> VenueRead:
    return msgspec.convert(venue, VenueRead, from_attributes=True)


def _venue_values(data: VenueCreate | VenueUpdate) -> dict[str, Any]:
    """The given fields, normalised: postcode spacing, sorted unique accessibility, valid zone."""
    values = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "postcode" in values:
        values["postcode"] = normalise_postcode(values["postcode"])
    if "accessibility" in values:
        values["accessibility"] = sorted({a.value for a in values["accessibility"]})
    if "timezone" in values:
        zone(values["timezone"])
    if "address" in values:
        values["address"] = values["address"].strip()
    return values


async def load_hub(db_session: AsyncSession, hub_id: str) -> Hub:
    hub = await hub_repo.get_hub(db_session, hub_id)
    if hub is None:
        raise NotFoundError("no such hub")
    return hub


class HubService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create_hub(self, db_session: AsyncSession, actor: Actor, data: HubCreate) -> HubRead:
        actor.require_role(Role.ADMIN)
        now = self.clock.now()
        hub = Hub(
            name=data.name.strip(),
            region=data.region.strip(),
            contact_email=normalise_email(data.contact_email),
            created_at=now,
            updated_at=now,
        )
        async with unit_of_work(db_session):
            db_session.add(hub)
        return hub_read(hub)

    async def list_hubs(
        self, db_session: AsyncSession, *, limit: int, cursor: str | None
    ) -> HubPage:
        hubs, next_cursor = await hub_repo.list_hubs(db_session, limit=limit, cursor=cursor)
        return HubPage(items=[hub_read(h) for h in hubs], next_cursor=next_cursor)

    async def get_hub(self, db_session: AsyncSession, hub_id: str) -> HubRead:
        return hub_read(await load_hub(db_session, hub_id))

    async def update_hub(
        self, db_session: AsyncSession, actor: Actor, hub_id: str, data: HubUpdate
    ) -> HubRead:
        async with unit_of_work(db_session):
            hub = await load_hub(db_session, hub_id)
            actor.require_hub_manager(hub.id)
            for field, value in msgspec.structs.asdict(data).items():
                if value is not msgspec.UNSET:
                    setattr(
                        hub,
                        field,
                        normalise_email(value) if field == "contact_email" else value.strip(),
                    )
            hub.updated_at = self.clock.now()
        return hub_read(hub)


class VenueService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def create_venue(
        self, db_session: AsyncSession, actor: Actor, hub_id: str, data: VenueCreate
    ) -> VenueRead:
        values = _venue_values(data)
        async with unit_of_work(db_session):
            await load_hub(db_session, hub_id)
            actor.require_hub_manager(hub_id)
            now = self.clock.now()
            venue = Venue(hub_id=hub_id, created_at=now, updated_at=now, **values)
            db_session.add(venue)
        return venue_read(venue)

    async def list_venues(
        self, db_session: AsyncSession, *, hub_id: str | None, limit: int, cursor: str | None
    ) -> VenuePage:
        venues, next_cursor = await hub_repo.list_venues(
            db_session, hub_id=hub_id, limit=limit, cursor=cursor
        )
        return VenuePage(items=[venue_read(v) for v in venues], next_cursor=next_cursor)

    async def get_venue(self, db_session: AsyncSession, venue_id: str) -> VenueRead:
        return venue_read(await self._venue(db_session, venue_id))

    async def venues_by_id(
        self, db_session: AsyncSession, venue_ids: Collection[str]
    ) -> dict[str, VenueRead]:
        """The venues sessions are held at, by id, in one query (deleted ones included)."""
        venues = await hub_repo.venues_by_ids(db_session, sorted(set(venue_ids)))
        return {v.id: venue_read(v) for v in venues}

    async def update_venue(
        self, db_session: AsyncSession, actor: Actor, venue_id: str, data: VenueUpdate
    ) -> VenueRead:
        values = _venue_values(data)
        async with unit_of_work(db_session):
            venue = await self._venue(db_session, venue_id)
            actor.require_hub_manager(venue.hub_id)
            changed = {f for f, v in values.items() if getattr(venue, f) != v}
            if not changed:
                return venue_read(venue)  # the same values again: nothing to tell anyone
            before = {f"venue_{f}": getattr(venue, f) for f in LOCATION_FIELDS}
            for field in changed:
                setattr(venue, field, values[field])
            now = self.clock.now()
            venue.updated_at = now
            if changed & LOCATION_FIELDS:
                await location_changed(db_session, venue.id, before, now)
            elif changed & DESCRIPTION_FIELDS:
                await cohort_repo.touch_future_sessions(db_session, now, venue_id=venue.id)
        return venue_read(venue)

    async def delete_venue(self, db_session: AsyncSession, actor: Actor, venue_id: str) -> None:
        """A venue with future sessions cannot go (409 venue_in_use); past sessions keep it."""
        async with unit_of_work(db_session):
            venue = await self._venue(db_session, venue_id)
            actor.require_hub_manager(venue.hub_id)
            now = self.clock.now()
            if await cohort_repo.venue_has_future_sessions(db_session, venue.id, now):
                raise VenueInUseError("the venue has future sessions; move or cancel them first")
            venue.deleted_at = now
            venue.updated_at = now

    @staticmethod
    async def _venue(db_session: AsyncSession, venue_id: str) -> Venue:
        venue = await hub_repo.get_venue(db_session, venue_id)
        if venue is None:
            raise NotFoundError("no such venue")
        return venue
