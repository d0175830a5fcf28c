"""Sign-in and out, the caller's own account (tokens, export, erasure), and managing users."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from booking.api.deps import CurrentActor, Cursor, DbSession, Limit, TokenServiceDep
from booking.api.problems import problems
from booking.auth import client_address, requires_role, requires_user
from booking.models import Role
from booking.schemas.accounts import AccountExport
from booking.schemas.common import Output
from booking.schemas.users import (
    EmailCodeRequest,
    MeUpdate,
    TokenList,
    TokenRead,
    TokenRequest,
    UserAdminUpdate,
    UserCreate,
    UserCreated,
    UserPage,
    UserRead,
)
from booking.services.auth import AuthService
from booking.services.privacy import PrivacyService
from booking.services.user_admin import UserAdminService
from booking.services.users import UserService

Privacy = NamedDependency[PrivacyService]
UserAdmin = NamedDependency[UserAdminService]
RoleFilter = Annotated[Role | None, QueryParameter(description="Only people with this role")]
IdFilter = Annotated[str | None, QueryParameter(max_length=64)]
TextFilter = Annotated[
    str | None, QueryParameter(max_length=200, description="Part of a name or email address")
]


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
        request: Request[Any, Any, Any],
        data: JSONBody[EmailCodeRequest],
        db_session: DbSession,
        auth_service: NamedDependency[AuthService],
    ) -> CodeSent:
        """Email a 6-digit sign-in code (same answer for every well-formed address)."""
        await auth_service.request_code(db_session, data.email, client_address(request))
        return CodeSent(detail="If this address can receive mail, a sign-in code is on its way.")

    @post(
        "/token",
        status_code=200,
        operation_id="exchangeEmailCode",
        exclude_from_auth=True,
        responses=problems(400, 413, 415, 429),
    )
    async def token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenRequest],
        db_session: DbSession,
        auth_service: NamedDependency[AuthService],
    ) -> TokenRead:
        """Exchange a code for an API token; unknown addresses become teachers."""
        return await auth_service.exchange_code(
            db_session, data.email, data.code, client_address(request)
        )

    @post(
        "/sign-out",
        status_code=204,
        operation_id="signOut",
        guards=[requires_user],
        responses=problems(401, 429),
    )
    async def sign_out(
        self, actor: CurrentActor, db_session: DbSession, token_service: TokenServiceDep
    ) -> None:
        """The token this request came with stops working, in every process at once."""
        await token_service.sign_out(db_session, actor)


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

    @delete("", status_code=204, operation_id="eraseMe", responses=problems(401, 409))
    async def erase_me(
        self, actor: CurrentActor, db_session: DbSession, privacy_service: Privacy
    ) -> None:
        """Erase the caller: bookings cancelled, personal data deleted, name and email gone."""
        await privacy_service.erase(db_session, actor, actor.id)

    @get("/export", operation_id="exportMe", responses=problems(401))
    async def export(
        self, actor: CurrentActor, db_session: DbSession, privacy_service: Privacy
    ) -> AccountExport:
        """Everything held about the caller, as one JSON document."""
        return await privacy_service.export(db_session, actor)

    @get("/tokens", operation_id="listMyTokens", responses=problems(401))
    async def tokens(
        self, actor: CurrentActor, db_session: DbSession, token_service: TokenServiceDep
    ) -> TokenList:
        """The caller's live sign-ins and API tokens (no secrets); `current` is this one."""
        return await token_service.mine(db_session, actor)

    @delete(
        "/tokens/{token_id:str}",
        status_code=204,
        operation_id="revokeMyToken",
        responses=problems(401, 404),
    )
    async def revoke_token(
        self,
        token_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        token_service: TokenServiceDep,
    ) -> None:
        await token_service.revoke_mine(db_session, actor, token_id)


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

    @get(
        "",
        operation_id="listUsers",
        guards=[requires_role(Role.ADMIN, Role.HUB_ADMIN)],
        responses=problems(400, 401, 403),
    )
    async def list_users(  # noqa: PLR0917 - the four filters and the two list parameters
        self,
        actor: CurrentActor,
        db_session: DbSession,
        user_admin_service: UserAdmin,
        role: RoleFilter = None,
        hub_id: IdFilter = None,
        school_id: IdFilter = None,
        q: TextFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> UserPage:
        """admin: everyone; hub_admin: their hub's trainers."""
        return await user_admin_service.list(
            db_session,
            actor,
            role=role,
            hub_id=hub_id,
            school_id=school_id,
            q=q,
            limit=limit,
            cursor=cursor,
        )

    @patch(
        "/{user_id:str}",
        operation_id="updateUser",
        guards=[requires_role(Role.ADMIN)],
        responses=problems(400, 401, 403, 404, 409, 413, 415),
    )
    async def update_user(
        self,
        user_id: FromPath[str],
        data: JSONBody[UserAdminUpdate],
        actor: CurrentActor,
        db_session: DbSession,
        user_admin_service: UserAdmin,
    ) -> UserRead:
        """name, role and hub, active; `active: false` revokes every token of the user."""
        return await user_admin_service.update(db_session, actor, user_id, data)

    @delete(
        "/{user_id:str}",
        status_code=204,
        operation_id="eraseUser",
        guards=[requires_role(Role.ADMIN)],
        responses=problems(401, 403, 404, 409),
    )
    async def erase_user(
        self,
        user_id: FromPath[str],
        actor: CurrentActor,
        db_session: DbSession,
        privacy_service: Privacy,
    ) -> None:
        """Erase a person (as DELETE /me does); the last active admin: 409 last_admin."""
        await privacy_service.erase(db_session, actor, user_id)
