"""Users and their API tokens."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import EmailTakenError, ForbiddenError, NotFoundError, ValidationError
from booking.models import Role, School, TokenKind, User
from booking.models.enums import HUB_ROLES
from booking.repositories import cohorts as cohort_repo
from booking.repositories import hubs as hub_repo
from booking.repositories import schools as school_repo
from booking.repositories import tokens as token_repo
from booking.repositories import users as user_repo
from booking.schemas.users import MeUpdate, UserCreate, UserCreated, UserRead, UserSchool
from booking.services.actor import Actor
from booking.services.tokens import TokenService
from booking.services.validation import normalise_email
from booking.settings import AccountSettings


def user_read_with(user: User, school: School | None) -> UserRead:
    """`school` is the row of user.school_id (None when there is none)."""
    return UserRead(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        hub_id=user.hub_id,
        school=None
        if school is None
        else UserSchool(id=school.id, urn=school.urn, name=school.name),
        school_name=user.school,
        school_id=user.school_id,
        job_role=user.job_role,
        profile_complete=bool(user.name.strip())
        and user.job_role is not None
        and school is not None,
        active=user.active,
        created_at=user.created_at,
    )


async def user_read(db_session: AsyncSession, user: User) -> UserRead:
    school = None
    if user.school_id is not None:
        # Usually already in the session's identity map (checked on write): no extra query.
        school = await school_repo.get_school(db_session, user.school_id)
    return user_read_with(user, school)


async def user_reads(db_session: AsyncSession, users: Sequence[User]) -> list[UserRead]:
    """Many users with one query for their schools."""
    schools = await school_repo.by_ids(db_session, {u.school_id for u in users if u.school_id})
    return [
        user_read_with(u, None if u.school_id is None else schools.get(u.school_id)) for u in users
    ]


async def trainer_renamed(db_session: AsyncSession, user: User) -> None:
    """The trainer's name is in the DESCRIPTION of the sessions they teach: LAST-MODIFIED of the
    future ones moves so subscribed feeds refresh (docs/calendars.md, rule 14). No SEQUENCE bump and
    no mail: nobody's time or place changed (docs/calendars.md, rule 13). A name only shows as a
    trainer's, so any user's rename is checked (none of theirs for someone who teaches nothing)."""
    await cohort_repo.touch_future_sessions(db_session, user.updated_at, trainer_id=user.id)


class UserService:
    def __init__(self, clock: Clock, accounts: AccountSettings | None = None) -> None:
        self.clock = clock
        self.tokens = TokenService(clock, accounts or AccountSettings())

    async def create(self, db_session: AsyncSession, actor: Actor, data: UserCreate) -> UserCreated:
        """admin: any role; hub_admin: trainers of their own hub, and school_leads of a school
        whose hub is theirs (any other role: 403)."""
        hub_id = data.hub_id
        if actor.role is Role.HUB_ADMIN:
            if data.role not in {Role.TRAINER, Role.SCHOOL_LEAD}:
                # The request is well formed; this caller may not do it
                # (docs/contract.md, Identity: 403).
                raise ForbiddenError(
                    "hub admins may only add trainers to their own hub and leads of its schools"
                )
            if data.role is Role.TRAINER:
                hub_id = hub_id or actor.hub_id
            if hub_id is not None:
                actor.require_hub_manager(hub_id)
        else:
            actor.require_role(Role.ADMIN)
        email = normalise_email(data.email)
        async with unit_of_work(db_session):
            await self.check_hub(db_session, data.role, hub_id)
            school = await self.check_school(db_session, data.role, data.school_id)
            if (
                data.role is Role.SCHOOL_LEAD
                and school is not None
                and actor.role is Role.HUB_ADMIN
                and (school.hub_id is None or not actor.manages_hub(school.hub_id))
            ):
                raise ForbiddenError("hub admins add leads only for schools of their own hub")
            if await user_repo.get_user_by_email(db_session, email) is not None:
                raise EmailTakenError(f"{email} already has an account")
            now = self.clock.now()
            user = User(
                email=email,
                name=data.name,
                role=data.role,
                hub_id=hub_id,
                school_id=data.school_id,
                created_at=now,
                updated_at=now,
            )
            db_session.add(user)
            await db_session.flush()
            token = await self.tokens.issue(db_session, user, TokenKind.API)
        return UserCreated(user=await user_read(db_session, user), api_token=token)

    @staticmethod
    async def check_hub(db_session: AsyncSession, role: Role, hub_id: str | None) -> None:
        if role in HUB_ROLES and hub_id is None:
            raise ValidationError.field("hub_id", f"a {role.value} belongs to a hub")
        if role not in HUB_ROLES and hub_id is not None:
            raise ValidationError.field("hub_id", f"a {role.value} belongs to no hub")
        if hub_id is not None and not await hub_repo.hub_exists(db_session, hub_id):
            raise ValidationError.field("hub_id", "no such hub")

    @staticmethod
    async def check_school(
        db_session: AsyncSession, role: Role, school_id: str | None
    ) -> School | None:
        """A school_lead needs a school; anyone else may have one."""
        if role is Role.SCHOOL_LEAD and school_id is None:
            raise ValidationError.field("school_id", "a school_lead belongs to a school")
        if school_id is None:
            return None
        school = await school_repo.get_school(db_session, school_id)
        if school is None:
            raise ValidationError.field("school_id", "no such school")
        return school

    async def me(self, db_session: AsyncSession, actor: Actor) -> UserRead:
        user = await user_repo.get_user(db_session, actor.id)
        if user is None:
            raise NotFoundError("your account no longer exists")
        return await user_read(db_session, user)

    async def update_me(self, db_session: AsyncSession, actor: Actor, data: MeUpdate) -> UserRead:
        async with unit_of_work(db_session):
            user = await user_repo.get_user(db_session, actor.id)
            if user is None:
                raise NotFoundError("your account no longer exists")
            renamed = data.name is not msgspec.UNSET and data.name != user.name
            if data.school_id is not msgspec.UNSET:
                if data.school_id is None and user.role is Role.SCHOOL_LEAD:
                    raise ValidationError.field("school_id", "a school_lead belongs to a school")
                if data.school_id != user.school_id and user.role is Role.SCHOOL_LEAD:
                    # A lead's school is what their rights are over: an admin moves them.
                    raise ValidationError.field(
                        "school_id", "a school lead's school is changed by an admin"
                    )
                await self.check_school(db_session, user.role, data.school_id)
            for field, value in msgspec.structs.asdict(data).items():
                if value is not msgspec.UNSET:
                    setattr(user, field, value)
            user.updated_at = self.clock.now()
            if renamed:
                await trainer_renamed(db_session, user)
        return await user_read(db_session, user)

    async def ensure_admin(
        self, db_session: AsyncSession, email: str, name: str | None
    ) -> tuple[UserRead, str]:
        """The operator's way in: make `email` an active admin (creating it if needed) with a new
        token; the admin's earlier tokens are revoked, so a lost one stops working."""
        email = normalise_email(email)
        async with unit_of_work(db_session):
            now = self.clock.now()
            user = await user_repo.get_user_by_email(db_session, email)
            if user is None:
                user = User(
                    email=email, name=name or "", role=Role.ADMIN, created_at=now, updated_at=now
                )
                db_session.add(user)
            else:
                user.role, user.hub_id, user.active, user.updated_at = Role.ADMIN, None, True, now
                if name and name != user.name:
                    user.name = name
                    await trainer_renamed(db_session, user)
                await token_repo.revoke_all(db_session, user.id)
            await db_session.flush()
            token = await self.tokens.issue(db_session, user, TokenKind.API)
        return await user_read(db_session, user), token
