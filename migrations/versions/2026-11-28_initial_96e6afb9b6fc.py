"""Initial schema: users, tokens, sign-in codes, hubs, venues, courses, trainer availability.

Revision ID: 96e6afb9b6fc
Revises:
Create Date: 2026-11-28 09:00:23.398244
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "96e6afb9b6fc"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
    )
    op.create_table(
        "email_code",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_email_code_attempts_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_code")),
    )
    with op.batch_alter_table("email_code", schema=None) as batch_op:
        batch_op.create_index(
            "ix_email_code_email_created_at", ["email", "created_at"], unique=False
        )

    op.create_table(
        "hub",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hub")),
    )
    op.create_table(
        "course_need_area",
        sa.Column("course_id", sa.String(length=32), nullable=False),
        sa.Column(
            "need_area",
            sa.Enum(
                "communication_and_interaction",
                "speech_language_communication",
                "cognition_and_learning",
                "social_emotional_mental_health",
                "sensory_and_physical",
                "visual_impairment",
                "hearing_impairment",
                "assistive_technology",
                "working_with_parents",
                "early_identification",
                name="need_area",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_need_area_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "need_area", name=op.f("pk_course_need_area")),
    )
    with op.batch_alter_table("course_need_area", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_course_need_area_need_area"), ["need_area"], unique=False
        )

    op.create_table(
        "user_account",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "hub_admin",
                "trainer",
                "teacher",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("hub_id", sa.String(length=32), nullable=True),
        sa.Column("school", sa.String(length=200), nullable=True),
        sa.Column(
            "job_role",
            sa.Enum(
                "teacher",
                "teaching_assistant",
                "senco",
                "leader",
                "early_years",
                "further_education",
                name="job_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role IN ('hub_admin', 'trainer')) = (hub_id IS NOT NULL)",
            name=op.f("ck_user_account_hub_matches_role"),
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hub.id"], name=op.f("fk_user_account_hub_id_hub"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_hub_id"), ["hub_id"], unique=False)

    op.create_table(
        "venue",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("hub_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("travel_notes", sa.Text(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_venue_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hub.id"], name=op.f("fk_venue_hub_id_hub"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_venue")),
    )
    with op.batch_alter_table("venue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_venue_hub_id"), ["hub_id"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_api_token_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "availability_exception",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("trainer_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_availability_exception_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["user_account.id"],
            name=op.f("fk_availability_exception_trainer_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exception")),
    )
    with op.batch_alter_table("availability_exception", schema=None) as batch_op:
        batch_op.create_index(
            "ix_availability_exception_trainer_id_starts_at",
            ["trainer_id", "starts_at"],
            unique=False,
        )

    op.create_table(
        "trainer_availability",
        sa.Column("trainer_id", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("weekly", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["user_account.id"],
            name=op.f("fk_trainer_availability_trainer_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("trainer_id", name=op.f("pk_trainer_availability")),
    )


def downgrade() -> None:
    op.drop_table("trainer_availability")
    with op.batch_alter_table("availability_exception", schema=None) as batch_op:
        batch_op.drop_index("ix_availability_exception_trainer_id_starts_at")

    op.drop_table("availability_exception")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("venue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_venue_hub_id"))

    op.drop_table("venue")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_account_hub_id"))

    op.drop_table("user_account")
    with op.batch_alter_table("course_need_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_need_area_need_area"))

    op.drop_table("course_need_area")
    op.drop_table("hub")
    with op.batch_alter_table("email_code", schema=None) as batch_op:
        batch_op.drop_index("ix_email_code_email_created_at")

    op.drop_table("email_code")
    op.drop_table("course")
