"""Reads for the people who run a hub: its trainers, and its cohorts including drafts."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from booking.repositories import hub_directory as directory_repo
from booking.schemas.cohorts import CohortRead
from booking.schemas.users import UserRead
from booking.services.actor import Actor
from booking.services.cohort_views import cohort_reads
from booking.services.users import user_reads

MAX_ROWS = 500


class HubDirectory:
    async def trainers(self, db_session: AsyncSession, actor: Actor, hub_id: str) -> list[UserRead]:
        """The hub's trainers, by name (admins and that hub's hub admins)."""
        actor.require_hub_manager(hub_id)
        rows = await directory_repo.trainers_of_hub(db_session, hub_id, MAX_ROWS)
        return await user_reads(db_session, rows)

    async def cohorts(
        self, db_session: AsyncSession, actor: Actor, hub_id: str
    ) -> list[CohortRead]:
        """Every cohort of the hub, drafts too, newest first (admins and that hub's hub admins)."""
        actor.require_hub_manager(hub_id)
        rows = await directory_repo.cohorts_of_hub(db_session, hub_id, MAX_ROWS)
        return await cohort_reads(db_session, list(rows))
