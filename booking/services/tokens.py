"""API tokens people can see and end (docs/contract.md, Accounts, tokens and privacy).

A sign-in token (email code, pages) lapses after `token_ttl` unused; each use slides it. A token
from POST /users or create-admin lapses `api_token_ttl` after issue. Using a token is a read:
last_used_at (and a sign-in token's expiry with it) is written at most once a minute, by a
conditional UPDATE that only one of the requests in that minute wins, whatever the process.
Revoking deletes the row, so every process refuses the token on its next request.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking.clock import Clock
from booking.database import is_postgres, unit_of_work
from booking.errors import NotFoundError
from booking.models import ApiToken, TokenKind, User
from booking.repositories import tokens as token_repo
from booking.schemas.users import TokenInfo, TokenList
from booking.security import hash_token, new_api_token
from booking.services.actor import Actor
from booking.settings import AccountSettings

# How stale last_used_at may be: the coarseness that keeps a token's use a read.
USE_GRANULARITY = timedelta(minutes=1)


def actor_of(user: User, token: ApiToken | None = None) -> Actor:
    return Actor(
        id=user.id,
        email=user.email,
        role=user.role,
        hub_id=user.hub_id,
        token_id=None if token is None else token.id,
        school_id=user.school_id,
    )


class TokenService:
    def __init__(self, clock: Clock, accounts: AccountSettings) -> None:
        self.clock = clock
        self.accounts = accounts

    async def issue(self, db_session: AsyncSession, user: User, kind: TokenKind) -> str:
        """Add a token for `user` to the caller's unit of work; the token in clear, shown once."""
        token, now = new_api_token(), self.clock.now()
        ttl = self.accounts.token_ttl if kind is TokenKind.SIGN_IN else self.accounts.api_token_ttl
        db_session.add(
            ApiToken(
                user_id=user.id,
                token_hash=hash_token(token),
                kind=kind,
                created_at=now,
                last_used_at=now,
                expires_at=now + ttl,
            )
        )
        await db_session.flush()
        return token

    async def authenticate(self, db_session: AsyncSession, token: str) -> Actor | None:
        """Who holds this token, if it is live (unexpired, unrevoked, its holder active).

        On PostgreSQL the once-a-minute touch is written in the lookup's own transaction, which
        the caller commits (booking.auth.admit commits it with the request's count): a
        transaction of its own cost three more round trips."""
        now = self.clock.now()
        found = await token_repo.live_token(db_session, hash_token(token), now)
        if found is None:
            return None
        row, user = found
        actor = actor_of(user, row)
        if now - row.last_used_at >= USE_GRANULARITY:
            sliding = now + self.accounts.token_ttl if row.kind is TokenKind.SIGN_IN else None
            touch = token_repo.record_use(
                db_session,
                row.id,
                now=now,
                not_since=now - USE_GRANULARITY,
                expires_at=sliding or row.expires_at,
            )
            if is_postgres(db_session):
                await touch
            else:
                # A write of its own (unit_of_work: BEGIN IMMEDIATE): on SQLite a read
                # transaction that starts writing is refused at once while another process writes.
                async with unit_of_work(db_session):
                    await touch
        return actor

    async def mine(self, db_session: AsyncSession, actor: Actor) -> TokenList:
        rows = await token_repo.live_tokens_of(db_session, actor.id, self.clock.now())
        return TokenList(
            items=[
                TokenInfo(
                    id=row.id,
                    kind=row.kind,
                    created_at=row.created_at,
                    last_used_at=row.last_used_at,
                    expires_at=row.expires_at,
                    current=row.id == actor.token_id,
                )
                for row in rows
            ]
        )

    async def revoke_mine(self, db_session: AsyncSession, actor: Actor, token_id: str) -> None:
        """One of the caller's own tokens ends at once; anyone else's id is a 404."""
        async with unit_of_work(db_session):
            if not await token_repo.revoke(db_session, actor.id, token_id):
                raise NotFoundError("you have no such sign-in")

    async def revoke_others(self, db_session: AsyncSession, actor: Actor) -> None:
        """Every token of the caller but the one this request came with ends at once."""
        async with unit_of_work(db_session):
            await token_repo.revoke_all(db_session, actor.id, but=actor.token_id)

    async def sign_out(self, db_session: AsyncSession, actor: Actor) -> None:
        """The token the caller used ends at once."""
        if actor.token_id is None:
            return
        async with unit_of_work(db_session):
            await token_repo.revoke(db_session, actor.id, actor.token_id)

    async def sign_out_token(self, db_session: AsyncSession, token: str) -> None:
        """The pages' sign-out: the cookie's token ends; an unknown token changes nothing."""
        async with unit_of_work(db_session):
            await token_repo.revoke_by_hash(db_session, hash_token(token))
