"""/hub/venues/{id}: change a venue (booked teachers get updated invites when its name or address
changes: VenueService) or retire it after a confirmation step (refused while it has sessions
to come)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from booking.errors import NotFoundError, ValidationError, VenueInUseError
from booking.models import Accessibility
from booking.models.enums import ACCESSIBILITY_WORDS
from booking.pages.availability_form import ZONES
from booking.pages.catalogue import Catalogue
from booking.pages.hub import VENUE_EMPTY, VENUE_MESSAGES, chosen_hub
from booking.pages.hub_forms import checked, number, text, ticked
from booking.pages.rendering import FormErrors, page
from booking.schemas.hubs import VenueRead, VenueUpdate

Db = NamedDependency[AsyncSession]
IN_USE = "This venue has sessions still to come. Move them to another venue or cancel them first"


class HubVenuePages(Controller):
    path = "/hub/venues/{venue_id:str}"

    @get("/")
    async def venue_form(
        self,
        request: Request[Any, Any, Any],
        venue_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        _, hub_id = chosen_hub(request)
        venue = await _venue(db_session, catalogue, venue_id, hub_id)
        typed = {
            "name": venue.name,
            "address": venue.address,
            "postcode": venue.postcode,
            "capacity": str(venue.capacity),
            "timezone": venue.timezone,
            "travel_notes": venue.travel_notes or "",
            **{f"accessibility-{a}": "yes" for a in venue.accessibility},
        }
        return _venue_page(request, venue, hub_id, typed=typed)

    @post("/")
    async def change_venue(
        self,
        request: Request[Any, Any, Any],
        venue_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        actor, hub_id = chosen_hub(request)
        venue = await _venue(db_session, catalogue, venue_id, hub_id)
        form, errors = await request.form(), FormErrors()
        for field_id, message in VENUE_EMPTY.items():
            if not text(form, field_id):
                errors.add(field_id, message)
        capacity = number(text(form, "capacity"), "capacity", "capacity", errors)
        values = {
            "name": text(form, "name", 200),
            "address": text(form, "address"),
            "postcode": text(form, "postcode", 20),
            "capacity": capacity or 0,
            "timezone": text(form, "timezone", 64) or "Europe/London",
            "accessibility": ticked(form, "accessibility", [a.value for a in Accessibility]),
            "travel_notes": text(form, "travel_notes") or None,
        }
        data = None if errors else checked(values, VenueUpdate, errors, VENUE_MESSAGES)
        if data is not None and not errors:
            try:
                await catalogue.venues.update_venue(db_session, actor, venue_id, data)
            except ValidationError as exc:
                errors.add("timezone", exc.detail)
            else:
                return Redirect(f"/hub?hub={hub_id}&added=venue-changed#venues", status_code=303)
        typed = {k: v for k, v in form.items() if isinstance(v, str) and k != "_csrf_token"}
        return _venue_page(request, venue, hub_id, typed=typed, errors=errors)

    @get("/retire")
    async def confirm_retire(
        self,
        request: Request[Any, Any, Any],
        venue_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Template:
        _, hub_id = chosen_hub(request)
        venue = await _venue(db_session, catalogue, venue_id, hub_id)
        return _retire_page(request, venue, hub_id)

    @post("/retire")
    async def retire(
        self,
        request: Request[Any, Any, Any],
        venue_id: FromPath[str],
        db_session: Db,
        catalogue: NamedDependency[Catalogue],
    ) -> Response[Any]:
        """VenueService.delete_venue: past sessions keep it; future ones must move first."""
        actor, hub_id = chosen_hub(request)
        venue = await _venue(db_session, catalogue, venue_id, hub_id)
        try:
            await catalogue.venues.delete_venue(db_session, actor, venue_id)
        except VenueInUseError:
            errors = FormErrors({"retire": IN_USE})
            return _retire_page(request, venue, hub_id, errors=errors, status_code=409)
        return Redirect(f"/hub?hub={hub_id}&added=venue-retired#venues", status_code=303)


async def _venue(
    db_session: AsyncSession, catalogue: Catalogue, venue_id: str, hub_id: str
) -> VenueRead:
    venue = await catalogue.venues.get_venue(db_session, venue_id)
    if venue.hub_id != hub_id:
        raise NotFoundError("no such venue in this hub")
    return venue


def _venue_page(
    request: Request[Any, Any, Any],
    venue: VenueRead,
    hub_id: str,
    *,
    typed: dict[str, str],
    errors: FormErrors | None = None,
) -> Template:
    return page(
        request,
        "hub_venue.html",
        title=f"Change {venue.name}",
        errors=errors,
        status_code=400 if errors else 200,
        venue=venue,
        hub_id=hub_id,
        typed=typed,
        zones=[(z, z.replace("_", " ")) for z in ZONES],
        accessibility=[(a.value, w[0].upper() + w[1:]) for a, w in ACCESSIBILITY_WORDS.items()],
    )


def _retire_page(
    request: Request[Any, Any, Any],
    venue: VenueRead,
    hub_id: str,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        request,
        "hub_venue_retire.html",
        title=f"Retire {venue.name}",
        errors=errors,
        status_code=status_code,
        venue=venue,
        hub_id=hub_id,
    )
