"""Timetables stored as entries: one row per occurrence in a moving window, so reading a
timetable, checking a booking for clashes and fits_my_timetable never parse a calendar again.
Feed marks: what a feed's ETag is made from, so a poll is answered 304 from one query.

Timetables saved before this have no entries yet (expanded_until is NULL); the timetable job
expands them as soon as a process runs it.

Revision ID: 7b1e4d2c9a60
Revises: d9e994a6515d
Create Date: 2026-12-07 03:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b1e4d2c9a60"
down_revision: str | None = "d9e994a6515d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("timetable", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expanded_from", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expanded_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expanding_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_timetable_expanded_until"), ["expanded_until"], unique=False
        )
    op.create_table(
        "timetable_entry",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False),
        sa.Column("transparent", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_timetable_entry_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["timetable.user_id"],
            name=op.f("fk_timetable_entry_user_id_timetable"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timetable_entry")),
    )
    op.create_index(
        "ix_timetable_entry_user_id_starts_at",
        "timetable_entry",
        ["user_id", "starts_at"],
        unique=False,
    )

    op.create_table(
        "feed_mark",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_feed_mark")),
    )


def downgrade() -> None:
    op.drop_table("feed_mark")
    op.drop_index("ix_timetable_entry_user_id_starts_at", table_name="timetable_entry")
    op.drop_table("timetable_entry")
    with op.batch_alter_table("timetable", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timetable_expanded_until"))
        batch_op.drop_column("expanding_until")
        batch_op.drop_column("expanded_until")
        batch_op.drop_column("expanded_from")
