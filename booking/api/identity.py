"""Sign-in, the caller's own account, and creating users."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from booking.api.deps import CurrentActor, DbSession
from booking.api.problems import problems
from booking.auth import requires_role
from booking.models import Role
from booking.schemas.common import Output
from booking.schemas.users import (
    EmailCodeRequest,
    MeUpdate,
    TokenRead,
    TokenRequest,
    UserCreate,
    UserCreated,
    UserRead,
)
from booking.services.auth import AuthService
from booking.services.users import UserService


class CodeSent(Output):
    detail: str


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["identity"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "/email-code",
        status_code=202,
        operation_id="requestEmailCode",
        exclude_from_auth=True,
        responses=problems(400, 413, 415, 429, 503),
    )
    async def request_code(
        self,
        data: JSONBody[EmailCodeRequest],
        db_session: DbSession,
        auth_service: NamedDependency[AuthService],
    ) -> CodeSent:
        """Email a 6-digit sign-in code (same answer for every well-formed address)."""
        await auth_service.request_code(db_session, data.email)
        return CodeSent(detail="If this address can receive mail, a sign-in code is on its way.")

    @post(
        "/token",
        status_code=200,
        operation_id="exchangeEmailCode",
        exclude_from_auth=True,
        responses=problems(400, 413, 415),
    )
    async def token(
        self,
        data: JSONBody[TokenRequest],
        db_session: DbSession,
        auth_service: NamedDependency[AuthService],
    ) -> TokenRead:
        """Exchange a code for an API token; unknown addresses become teachers."""
        return await auth_service.exchange_code(db_session, data.email, data.code)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["identity"]  # noqa: RUF012 - Litestar's declared attribute

    @get("", operation_id="getMe", responses=problems(401))
    async def get_me(
        self, actor: CurrentActor, db_session: DbSession, user_service: NamedDependency[UserService]
    ) -> UserRead:
        return await user_service.me(db_session, actor)

    @patch("", operation_id="updateMe", responses=problems(400, 401, 413, 415))
    async def update_me(
        self,
        data: JSONBody[MeUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        user_service: NamedDependency[UserService],
    ) -> UserRead:
        return await user_service.update_me(db_session, actor, data)


class UsersController(Controller):
    path = "/api/v1/users"
    tags = ["identity"]  # noqa: RUF012 - Litestar's declared attribute

    @post(
        "",
        operation_id="createUser",
        guards=[requires_role(Role.ADMIN, Role.HUB_ADMIN)],
        responses=problems(400, 401, 403, 409, 413, 415),
    )
    async def create_user(
        self,
        data: JSONBody[UserCreate],
        actor: CurrentActor,
        db_session: DbSession,
        user_service: NamedDependency[UserService],
    ) -> UserCreated:
        """admin: any role; hub_admin: trainers of their own hub. The token is shown once."""
        return await user_service.create(db_session, actor, data)
