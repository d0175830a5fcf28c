"""People, their API tokens and their one-time sign-in codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, true
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import ID_LENGTH, Base, Timestamped, enum_column_type, id_column
from booking.models.enums import JobRole, Role, TokenKind

EMAIL_LENGTH = 254


class User(Timestamped, Base):
    __tablename__ = "user_account"
    __table_args__ = (
        # hub_admins and trainers belong to exactly one hub; admins and teachers to none.
        CheckConstraint(
            "(role IN ('hub_admin', 'trainer')) = (hub_id IS NOT NULL)",
            name="hub_matches_role",
        ),
        # A school_lead answers for one school; anyone else may or may not have a school.
        CheckConstraint(
            "role <> 'school_lead' OR school_id IS NOT NULL", name="school_lead_has_school"
        ),
    )

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(enum_column_type(Role, "user_role"))
    hub_id: Mapped[str | None] = mapped_column(
        ForeignKey("hub.id", ondelete="RESTRICT"), index=True, default=None
    )
    # v1's free text, kept as it was; school_id is what rosters, staff lists and caps use.
    school: Mapped[str | None] = mapped_column(String(200), default=None)
    school_id: Mapped[str | None] = mapped_column(
        ForeignKey("school.id", ondelete="RESTRICT"), index=True, default=None
    )
    job_role: Mapped[JobRole | None] = mapped_column(
        enum_column_type(JobRole, "job_role"), default=None
    )
    # False: deactivated by an admin (every token revoked, sign-in refused) or erased.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when the person was erased: the row stays (past bookings count) with no name or email.
    erased_at: Mapped[datetime | None] = mapped_column(default=None)


class ApiToken(Base):
    """Only a SHA-256 of the token is kept: a leaked table grants nothing. Revoking deletes the
    row; an expired row answers like a missing one and is deleted by the retention job."""

    __tablename__ = "api_token"

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[TokenKind] = mapped_column(enum_column_type(TokenKind, "token_kind"))
    created_at: Mapped[datetime] = mapped_column()
    # Written at most once a minute (services.tokens), so using a token is a read.
    last_used_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)


class EmailCode(Base):
    """A sign-in code. Only the newest per address counts; five wrong tries void it."""

    __tablename__ = "email_code"
    __table_args__ = (
        Index("ix_email_code_email_created_at", "email", "created_at"),
        # The retention job deletes by age alone.
        Index("ix_email_code_created_at", "created_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


__all__ = ["ID_LENGTH", "ApiToken", "EmailCode", "User"]
