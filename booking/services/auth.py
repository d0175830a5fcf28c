"""Email-code sign-in: request a code, exchange it for an API token."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from booking import ports
from booking.clock import Clock
from booking.database import unit_of_work
from booking.errors import InvalidCodeError, MailUnavailableError, RateLimitedError
from booking.limiter import RateLimits
from booking.models import EmailCode, Role, TokenKind, User
from booking.repositories import users as user_repo
from booking.repositories.locks import lock_key
from booking.schemas.users import TokenRead
from booking.security import hash_sign_in_code, new_sign_in_code, same_digest
from booking.services.tokens import TokenService
from booking.services.users import user_read
from booking.services.validation import normalise_email
from booking.settings import AccountSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignInPolicy:
    code_ttl: timedelta = timedelta(minutes=15)
    codes_per_window: int = 5
    window: timedelta = timedelta(hours=1)
    max_attempts: int = 5


class AuthService:
    def __init__(
        self,
        clock: Clock,
        mailer: ports.SignInMailer,
        accounts: AccountSettings,
        limits: RateLimits,
        policy: SignInPolicy | None = None,
    ) -> None:
        self.clock = clock
        self.mailer = mailer
        self.limits = limits
        self.policy = policy or SignInPolicy()
        self.tokens = TokenService(clock, accounts)

    async def request_code(self, db_session: AsyncSession, email: str, client: str) -> None:
        """Send a fresh code. Answers the same for known and unknown addresses (no enumeration)
        and for deactivated accounts (which get no code and no mail). At most
        BOOKING_SIGN_IN_PER_ADDRESS_PER_HOUR requests per client address, and `codes_per_window`
        codes per email address per window (a code that could not be sent is not counted),
        then 429 with Retry-After."""
        await self.limits.hit(self.limits.sign_in_per_address, client, "sign-in requests")
        email = normalise_email(email)
        code = new_sign_in_code()
        async with unit_of_work(db_session):
            now = self.clock.now()
            await lock_key(db_session, "email_code", email)
            user = await user_repo.get_user_by_email(db_session, email)
            if user is not None and not user.active:
                return
            sent = await user_repo.codes_sent_since(db_session, email, now - self.policy.window)
            if len(sent) >= self.policy.codes_per_window:
                wait = sent[0] + self.policy.window - now
                raise RateLimitedError(
                    "too many codes for this address; try again later",
                    retry_after_seconds=math.ceil(wait.total_seconds()),
                )
            row = EmailCode(
                email=email,
                code_hash=hash_sign_in_code(email, code),
                created_at=now,
                expires_at=now + self.policy.code_ttl,
            )
            db_session.add(row)
        # After the commit: the code is stored before anyone can receive it.
        try:
            await self.mailer.send_sign_in_code(
                email, code, int(self.policy.code_ttl.total_seconds() // 60)
            )
        except ports.MailUnavailableError as exc:
            # The caller only sees a 503: the reason (SMTP down, a mail directory that refuses
            # files) is for the operator, on one line. The address stays out of the log.
            log.warning("a sign-in code could not be sent: %s", exc)
            # Nobody received it: it neither counts against the address nor stays usable.
            async with unit_of_work(db_session):
                await user_repo.delete_code(db_session, row.id)
            raise MailUnavailableError(
                "the sign-in code could not be sent; try again shortly"
            ) from exc

    async def exchange_code(
        self, db_session: AsyncSession, email: str, code: str, client: str
    ) -> TokenRead:
        """A valid code (newest for the address, unused, unexpired, < max_attempts wrong tries)
        gives a new API token; unknown addresses become teachers. A client address with 30
        codes refused in the hour is refused (429) before its next code is even looked at."""
        limits = self.limits
        await limits.check(limits.wrong_codes_per_address, client, "wrong sign-in codes")
        email = normalise_email(email)
        async with unit_of_work(db_session):
            now = self.clock.now()
            await lock_key(db_session, "email_code", email)
            row = await user_repo.newest_code(db_session, email)
            usable = (
                row is not None
                and row.used_at is None
                and row.attempts < self.policy.max_attempts
                and row.expires_at > now
            )
            if row is None or not usable:
                result = None
            elif not same_digest(row.code_hash, hash_sign_in_code(email, code.strip())):
                # Counted and committed before the error is raised below.
                await user_repo.record_wrong_attempt(db_session, row.id)
                result = None
            elif not await user_repo.consume_code(
                db_session, row.id, now, self.policy.max_attempts
            ):
                result = None
            else:
                result = await self.signed_in(db_session, email)
        if result is None:
            await limits.hit(limits.wrong_codes_per_address, client, "wrong sign-in codes")
            raise InvalidCodeError("the code is wrong, used, expired or replaced by a newer one")
        return result

    async def signed_in(self, db_session: AsyncSession, email: str) -> TokenRead:
        """A new token for an address whose owner has just proved it (a valid code); unknown
        addresses become teachers. Runs inside the caller's unit of work."""
        user = await user_repo.get_user_by_email(db_session, email)
        if user is not None and not user.active:
            raise InvalidCodeError("the code is wrong, used, expired or replaced by a newer one")
        if user is None:
            now = self.clock.now()
            user = User(email=email, name="", role=Role.TEACHER, created_at=now, updated_at=now)
            db_session.add(user)
            await db_session.flush()
        token = await self.tokens.issue(db_session, user, TokenKind.SIGN_IN)
        return TokenRead(api_token=token, user=await user_read(db_session, user))
