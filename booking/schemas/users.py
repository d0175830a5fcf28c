from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.models.enums import JobRole, Role, TokenKind
from booking.schemas.common import PRINTABLE_PATTERN, Email, Id, Input, Output, SingleLine


class EmailCodeRequest(Input):
    email: Email


class TokenRequest(Input):
    email: Email
    # Any other text is simply a wrong code (400 invalid_code); control characters are refused.
    code: Annotated[str, msgspec.Meta(max_length=64, pattern=PRINTABLE_PATTERN)]


class UserSchool(Output):
    id: str
    urn: int
    name: str


class UserRead(Output):
    id: str
    email: str
    name: str
    role: Role
    hub_id: str | None
    # The school chosen from the register (from school_id); v1's free text is `school_name`.
    school: UserSchool | None
    school_name: str | None
    school_id: str | None
    job_role: JobRole | None
    # Name, job role and school all set: the pages stop asking "Tell us about you".
    profile_complete: bool
    active: bool
    created_at: datetime


class TokenRead(Output):
    api_token: str
    user: UserRead


class UserCreate(Input):
    email: Email
    name: SingleLine
    role: Role
    hub_id: Id | None = None
    # A school_lead's school (required for that role); a teacher's, optionally.
    school_id: Id | None = None


class UserCreated(Output):
    user: UserRead
    api_token: str


class MeUpdate(Input):
    name: SingleLine | msgspec.UnsetType = msgspec.UNSET
    school: SingleLine | msgspec.UnsetType | None = msgspec.UNSET
    school_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    job_role: JobRole | msgspec.UnsetType | None = msgspec.UNSET


class TokenInfo(Output):
    id: str
    kind: TokenKind
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    current: bool


class TokenList(Output):
    items: list[TokenInfo]


class UserPage(Output):
    items: list[UserRead]
    next_cursor: str | None


class UserAdminUpdate(Input):
    """PATCH /users/{id} (admin). `active: false` revokes every token of the user at once."""

    name: SingleLine | msgspec.UnsetType = msgspec.UNSET
    role: Role | msgspec.UnsetType = msgspec.UNSET
    hub_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    school_id: Id | msgspec.UnsetType | None = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET
