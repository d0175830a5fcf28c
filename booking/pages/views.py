"""What a cohort looks like on a page: built from the services' reads, no rule of its own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from booking.models.enums import SessionStatus
from booking.pages.formatting import accessibility_list, places_text, session_when
from booking.schemas.cohorts import CohortRead
from booking.schemas.hubs import VenueRead


@dataclass(frozen=True, slots=True)
class VenueView:
    name: str
    address: str
    postcode: str
    accessibility: list[str]
    travel_notes: str | None


@dataclass(frozen=True, slots=True)
class SessionView:
    when: str
    venue: VenueView
    cancelled: bool
    # Whether a school must cover the teacher's class (docs/contract.md, Booking for staff).
    cover: str = ""


COVER = {True: "During the school day: cover needed", False: "After school: no cover needed"}


@dataclass(frozen=True, slots=True)
class CohortView:
    id: str
    title: str
    hub: str
    trainer: str
    sessions: list[SessionView]
    venues: list[VenueView]
    places: str
    full: bool


UNKNOWN_VENUE = VenueView(
    name="Venue to be confirmed", address="", postcode="", accessibility=[], travel_notes=None
)


def venue_view(venue: VenueRead | None) -> VenueView:
    if venue is None:
        return UNKNOWN_VENUE
    return VenueView(
        name=venue.name,
        address=venue.address,
        postcode=venue.postcode,
        accessibility=accessibility_list(list(venue.accessibility)),
        travel_notes=venue.travel_notes,
    )


def venue_ids(cohorts: Iterable[CohortRead]) -> set[str]:
    return {s.venue_id for c in cohorts for s in c.sessions} | {c.venue_id for c in cohorts}


def cohort_view(
    cohort: CohortRead, venues: Mapping[str, VenueRead], hubs: Mapping[str, str]
) -> CohortView:
    sessions = []
    for s in sorted(cohort.sessions, key=lambda s: s.starts_at):
        venue = venues.get(s.venue_id)
        zone = venue.timezone if venue else "Europe/London"
        sessions.append(
            SessionView(
                when=session_when(s.starts_at, s.ends_at, zone),
                venue=venue_view(venue),
                cancelled=s.status is SessionStatus.CANCELLED,
                cover=COVER[s.during_school_day],
            )
        )
    live = [s for s in sessions if not s.cancelled]
    unique: dict[str, VenueView] = {}
    shown = live or [SessionView("", venue_view(venues.get(cohort.venue_id)), cancelled=False)]
    for line in shown:
        unique.setdefault(line.venue.name + line.venue.postcode, line.venue)
    return CohortView(
        id=cohort.id,
        title=cohort.course_title,
        hub=hubs.get(cohort.hub_id, ""),
        trainer=cohort.trainer_name,
        sessions=sessions,
        venues=list(unique.values()),
        places=places_text(cohort.seats_left),
        full=cohort.seats_left <= 0,
    )
