from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from booking.models.enums import JobRole, Role
from booking.schemas.common import PRINTABLE_PATTERN, Email, Id, Input, Output, SingleLine


class EmailCodeRequest(Input):
    email: Email


class TokenRequest(Input):
    email: Email
    # Any other text is simply a wrong code (400 invalid_code); control characters are refused.
    code: Annotated[str, msgspec.Meta(max_length=64, pattern=PRINTABLE_PATTERN)]


class UserRead(Output):
    id: str
    email: str
    name: str
    role: Role
    hub_id: str | None
    school: str | None
    job_role: JobRole | None
    created_at: datetime


class TokenRead(Output):
    api_token: str
    user: UserRead


class UserCreate(Input):
    email: Email
    name: SingleLine
    role: Role
    hub_id: Id | None = None


class UserCreated(Output):
    user: UserRead
    api_token: str


class MeUpdate(Input):
    name: SingleLine | msgspec.UnsetType = msgspec.UNSET
    school: SingleLine | msgspec.UnsetType | None = msgspec.UNSET
    job_role: JobRole | msgspec.UnsetType | None = msgspec.UNSET
