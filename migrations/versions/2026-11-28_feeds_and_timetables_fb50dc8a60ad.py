"""Calendars: personal feed tokens (hashed) and teachers timetables.

Revision ID: fb50dc8a60ad
Revises: 1a503069a8af
Create Date: 2026-11-28 09:59:50.726104
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fb50dc8a60ad"
down_revision: str | None = "1a503069a8af"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_token",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_feed_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_feed_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_token_token_hash")),
    )
    op.create_table(
        "timetable",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ics", sa.LargeBinary(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("weekly", sa.JSON(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_refresh_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_timetable_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_timetable")),
    )
    with op.batch_alter_table("timetable", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_timetable_next_refresh_at"), ["next_refresh_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("timetable", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timetable_next_refresh_at"))

    op.drop_table("timetable")
    op.drop_table("feed_token")
