"""Admins managing people (docs/contract.md, Accounts, tokens and privacy): list, change,
deactivate.

Deactivating revokes every token of the person in the same transaction, so every process
refuses them on their next request, and their sign-in is refused from then on. The service
always keeps one active admin: the last one can be neither demoted, deactivated nor erased.
"""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import ConflictError, ForbiddenError, NotFoundError
from booking.models import Role, User
from booking.repositories import tokens as token_repo
from booking.repositories import users as user_repo
from booking.repositories.locks import lock_key
from booking.schemas.users import UserAdminUpdate, UserPage, UserRead
from booking.services.actor import Actor
from booking.services.users import UserService, trainer_renamed, user_read, user_reads


class LastAdminError(ConflictError):
    code = "last_admin"
    title = "The service would have no active admin"


async def keep_an_admin(db_session: AsyncSession, user: User) -> None:
    """Refuse to take away the last active admin. Everyone taking an admin away queues on one
    lock first, so two admins removing each other cannot both pass the count."""
    if user.role is not Role.ADMIN or not user.active:
        return
    await lock_key(db_session, "admins", "last_admin")
    if await user_repo.count_active_admins(db_session) <= 1:
        raise LastAdminError("this is the last active admin; make another admin first")


class UserAdminService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def list(
        self,
        db_session: AsyncSession,
        actor: Actor,
        *,
        role: Role | None,
        hub_id: str | None,
        school_id: str | None,
        q: str | None,
        limit: int,
        cursor: str | None,
    ) -> UserPage:
        """Admins see everyone; a hub admin sees their own hub's trainers and asks for nothing
        else (403)."""
        if actor.role is Role.HUB_ADMIN:
            if role not in {None, Role.TRAINER} or hub_id not in {None, actor.hub_id}:
                raise ForbiddenError("hub admins see their own hub's trainers only")
            role, hub_id = Role.TRAINER, actor.hub_id
        else:
            actor.require_role(Role.ADMIN)
        rows, next_cursor = await user_repo.list_users(
            db_session,
            role=role,
            hub_id=hub_id,
            school_id=school_id,
            q=q,
            limit=limit,
            cursor=cursor,
        )
        return UserPage(items=await user_reads(db_session, rows), next_cursor=next_cursor)

    async def get(self, db_session: AsyncSession, actor: Actor, user_id: str) -> UserRead:
        actor.require_role(Role.ADMIN)
        user = await user_repo.get_user(db_session, user_id)
        if user is None or user.erased_at is not None:
            raise NotFoundError("no such user")
        return await user_read(db_session, user)

    async def update(
        self, db_session: AsyncSession, actor: Actor, user_id: str, data: UserAdminUpdate
    ) -> UserRead:
        """name, role (with hub_id and school_id as the role needs), active. Deactivating
        revokes every token at once; reactivating lets the person sign in again (no token
        comes back)."""
        actor.require_role(Role.ADMIN)
        async with unit_of_work(db_session):
            user = await user_repo.get_user_for_update(db_session, user_id)
            if user is None or user.erased_at is not None:
                raise NotFoundError("no such user")
            role = user.role if data.role is msgspec.UNSET else data.role
            hub_id = user.hub_id if data.hub_id is msgspec.UNSET else data.hub_id
            if data.role is not msgspec.UNSET and data.hub_id is msgspec.UNSET:
                hub_id = user.hub_id if role in {Role.HUB_ADMIN, Role.TRAINER} else None
            await UserService.check_hub(db_session, role, hub_id)
            school_id = user.school_id if data.school_id is msgspec.UNSET else data.school_id
            await UserService.check_school(db_session, role, school_id)
            active = user.active if data.active is msgspec.UNSET else data.active
            if role is not Role.ADMIN or not active:
                await keep_an_admin(db_session, user)
            if user.active and not active:
                await token_repo.revoke_all(db_session, user.id)
            renamed = data.name is not msgspec.UNSET and data.name != user.name
            if renamed:
                user.name = data.name  # type: ignore[assignment]  # checked just above
            user.role, user.hub_id, user.school_id, user.active = role, hub_id, school_id, active
            user.updated_at = self.clock.now()
            if renamed:
                await trainer_renamed(db_session, user)
            await db_session.flush()
        return await user_read(db_session, user)
