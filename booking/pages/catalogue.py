"""The read side of the training pages: which services a page reads, in one dependency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from booking.models import CohortStatus
from booking.pages.formatting import HOME_ZONE, NEED_AREA_LABELS, session_when
from booking.pages.views import CohortView, cohort_view, venue_ids
from booking.schemas.cohorts import CohortPage
from booking.services.actor import Actor
from booking.services.cohorts import CohortService
from booking.services.courses import CourseService
from booking.services.hubs import HubService, VenueService

MAX_HUBS = 200


@dataclass(frozen=True, slots=True)
class Catalogue:
    cohorts: CohortService
    hubs: HubService
    venues: VenueService
    courses: CourseService

    async def hub_names(self, db_session: AsyncSession) -> dict[str, str]:
        page = await self.hubs.list_hubs(db_session, limit=MAX_HUBS, cursor=None)
        return {h.id: h.name for h in page.items}

    async def views(
        self, db_session: AsyncSession, found: CohortPage, hubs: dict[str, str]
    ) -> list[CohortView]:
        venues = await self.venues.venues_by_id(db_session, venue_ids(found.items))
        return [cohort_view(c, venues, hubs) for c in found.items]

    async def cohort(
        self, db_session: AsyncSession, actor: Actor | None, cohort_id: str
    ) -> dict[str, Any]:
        """What /cohorts/{id} shows; 404 for a draft the caller may not see (CohortService)."""
        cohort = await self.cohorts.get(db_session, actor, cohort_id)
        course = await self.courses.get_course(db_session, cohort.course_id)
        hub = await self.hubs.get_hub(db_session, cohort.hub_id)
        venues = await self.venues.venues_by_id(db_session, venue_ids([cohort]))
        home = venues.get(cohort.venue_id)
        return {
            "cohort": cohort_view(cohort, venues, {hub.id: hub.name}),
            "summary": course.summary,
            "need_areas": [NEED_AREA_LABELS[a] for a in course.need_areas],
            "open_for_booking": cohort.status is CohortStatus.PUBLISHED,
            "zone": home.timezone if home else HOME_ZONE,
            "hub_contact": {"name": hub.name, "email": hub.contact_email},
        }

    async def hub_contacts(self, db_session: AsyncSession) -> list[dict[str, str]]:
        page = await self.hubs.list_hubs(db_session, limit=MAX_HUBS, cursor=None)
        hubs = sorted(page.items, key=lambda h: h.name)
        return [{"name": h.name, "region": h.region, "email": h.contact_email} for h in hubs]


def provide_catalogue(
    cohort_service: NamedDependency[CohortService],
    hub_service: NamedDependency[HubService],
    venue_service: NamedDependency[VenueService],
    course_service: NamedDependency[CourseService],
) -> Catalogue:
    return Catalogue(cohort_service, hub_service, venue_service, course_service)


def clash_lines(clashes: list[dict[str, Any]], zone: str) -> list[dict[str, str]]:
    """A timetable_clash's lessons (docs/contract.md: summary and times), in the venue's time."""
    return [
        {
            "summary": str(c["summary"]),
            "when": session_when(
                datetime.fromisoformat(str(c["starts_at"])),
                datetime.fromisoformat(str(c["ends_at"])),
                zone,
            ),
        }
        for c in clashes
    ]
