"""Hubs and venues."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit
from booking.api.problems import problems
from booking.auth import requires_role
from booking.models import Role
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
from booking.services.hubs import HubService, VenueService

HubManagers = [requires_role(Role.ADMIN, Role.HUB_ADMIN)]
WRITE_PROBLEMS = problems(400, 401, 403, 404, 413, 415)


class HubController(Controller):
    path = "/api/v1/hubs"
    tags = ["hubs and venues"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "", operation_id="createHub", guards=[requires_role(Role.ADMIN)], responses=WRITE_PROBLEMS
    )
    async def create_hub(
        self,
        data: JSONBody[HubCreate],
        actor: CurrentActor,
        db_session: DbSession,
        hub_service: NamedDependency[HubService],
    ) -> HubRead:
        return await hub_service.create_hub(db_session, actor, data)

    @get("", operation_id="listHubs", responses=problems(400, 401))
    async def list_hubs(
        self,
        db_session: DbSession,
        hub_service: NamedDependency[HubService],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> HubPage:
        return await hub_service.list_hubs(db_session, limit=limit, cursor=cursor)

    @get("/{hub_id:str}", operation_id="getHub", responses=problems(401, 404))
    async def get_hub(
        self, hub_id: FromPath[str], db_session: DbSession, hub_service: NamedDependency[HubService]
    ) -> HubRead:
        return await hub_service.get_hub(db_session, hub_id)

    @patch("/{hub_id:str}", operation_id="updateHub", guards=HubManagers, responses=WRITE_PROBLEMS)
    async def update_hub(
        self,
        hub_id: FromPath[str],
        data: JSONBody[HubUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        hub_service: NamedDependency[HubService],
    ) -> HubRead:
        return await hub_service.update_hub(db_session, actor, hub_id, data)

    @post(
        "/{hub_id:str}/venues",
        operation_id="createVenue",
        guards=HubManagers,
        responses=WRITE_PROBLEMS,
    )
    async def create_venue(
        self,
        hub_id: FromPath[str],
        data: JSONBody[VenueCreate],
        actor: CurrentActor,
        db_session: DbSession,
        venue_service: NamedDependency[VenueService],
    ) -> VenueRead:
        return await venue_service.create_venue(db_session, actor, hub_id, data)


class VenueController(Controller):
    path = "/api/v1/venues"
    tags = ["hubs and venues"]  # noqa: RUF012 - Litestar's declared attribute

    @get("", operation_id="listVenues", responses=problems(400, 401))
    async def list_venues(
        self,
        db_session: DbSession,
        venue_service: NamedDependency[VenueService],
        hub_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> VenuePage:
        return await venue_service.list_venues(
            db_session, hub_id=hub_id, limit=limit, cursor=cursor
        )

    @get("/{venue_id:str}", operation_id="getVenue", responses=problems(401, 404))
    async def get_venue(
        self,
        venue_id: FromPath[str],
        db_session: DbSession,
        venue_service: NamedDependency[VenueService],
    ) -> VenueRead:
        return await venue_service.get_venue(db_session, venue_id)

    @patch(
        "/{venue_id:str}", operation_id="updateVenue", guards=HubManagers, responses=WRITE_PROBLEMS
    )
    async def update_venue(
        self,
        venue_id: FromPath[str],
        data: JSONBody[VenueUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        venue_service: NamedDependency[VenueService],
    ) -> VenueRead:
        return await venue_service.update_venue(db_session, actor, venue_id, data)

    @delete(
        "/{venue_id:str}",
        operation_id="deleteVenue",
        guards=HubManagers,
        responses=problems(401, 403, 404, 409),
    )
    async def delete_venue(
        self,
        venue_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        venue_service: NamedDependency[VenueService],
    ) -> None:
        """204; 409 venue_in_use while the venue has future sessions."""
        await venue_service.delete_venue(db_session, actor, venue_id)
