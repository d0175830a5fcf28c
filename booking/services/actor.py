"""Who is calling, and the access rules that depend only on that."""

from __future__ import annotations

from dataclasses import dataclass

from booking.errors import ForbiddenError
from booking.models import Role


@dataclass(frozen=True, slots=True)
class Actor:
    id: str
    email: str
    role: Role
    hub_id: str | None
    # The token this request came with (GET /me/tokens marks it `current`; sign-out ends it).
    token_id: str | None = None
    # The school a school_lead answers for (any user may have one; only a lead's grants rights).
    school_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def manages_hub(self, hub_id: str) -> bool:
        """Admins manage every hub; a hub_admin manages their own."""
        return self.is_admin or (self.role is Role.HUB_ADMIN and self.hub_id == hub_id)

    def leads_school(self, school_id: str) -> bool:
        return self.role is Role.SCHOOL_LEAD and self.school_id == school_id

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise ForbiddenError(f"this needs the role {' or '.join(r.value for r in roles)}")

    def require_hub_manager(self, hub_id: str) -> None:
        if not self.manages_hub(hub_id):
            raise ForbiddenError("only admins and this hub's hub admins may do this")
