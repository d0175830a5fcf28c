"""Personal feed tokens and teachers' timetables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking.models.base import Base, id_column


class FeedToken(Base):
    """One live feed URL per user. The token itself is never stored: only its SHA-256 (to find
    the user) and the nonce it was derived from. Rotating replaces both, so the old URL stops
    working at once."""

    __tablename__ = "feed_token"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    # Random; with the server key it derives the URL token (booking.services.feeds).
    nonce: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column()


class Timetable(Base):
    """A teacher's teaching times: an uploaded .ics, a linked calendar URL, or weekly blocks."""

    __tablename__ = "timetable"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(16))  # "ics", "url" or "weekly"
    ics: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    # The weekly form as given: timezone, weekly blocks (day, start, end, label) and terms.
    weekly: Mapped[dict[str, object] | None] = mapped_column(JSON, default=None)
    fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    # Validators of the last successful fetch of `url`, sent back on refresh
    # (docs/calendars.md, rule 40).
    etag: Mapped[str | None] = mapped_column(Text, default=None)
    last_modified: Mapped[str | None] = mapped_column(Text, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_refresh_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # The entries below cover [expanded_from, expanded_until); NULL: not expanded yet (the
    # refresh job expands it). The job moves the window along as the months pass.
    expanded_from: Mapped[datetime | None] = mapped_column(default=None)
    expanded_until: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # While in the future, one process is reading this timetable for a new window (a lease).
    expanding_until: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column()


class TimetableEntry(Base):
    """One occurrence of a teacher's timetable, written when the timetable is saved (or its
    window moves on), so that reading it, a booking's clash check and fits_my_timetable are an
    indexed query and never parse a calendar again."""

    __tablename__ = "timetable_entry"
    __table_args__ = (
        Index("ix_timetable_entry_user_id_starts_at", "user_id", "starts_at"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("timetable.user_id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    summary: Mapped[str] = mapped_column(Text)
    # All-day and transparent entries are shown, but are not busy time (calendars.clashes).
    all_day: Mapped[bool] = mapped_column(default=False)
    transparent: Mapped[bool] = mapped_column(default=False)


class FeedMark(Base):
    """A mark on everything one feed scope shows, moved on whenever any of it changes: the
    scopes are `hub:<id>` (a hub's feeds), `user:<id>` (a trainer's sessions, a teacher's booked
    cohorts) and `all` (the admins' feed). A feed's ETag is made from its marks, so a poll is
    answered from one indexed query, without rendering (services.feeds)."""

    __tablename__ = "feed_mark"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    # +1 on every change, so two changes in one instant (one clock tick) still differ.
    version: Mapped[int] = mapped_column(default=0)
    # The latest change's time: the feed's Last-Modified.
    changed_at: Mapped[datetime] = mapped_column()
