"""Booking engine: cohorts, training sessions, bookings, attendance, idempotency, outbox, due work.

Revision ID: 1a503069a8af
Revises: 96e6afb9b6fc
Create Date: 2026-11-28 09:49:18.877817
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1a503069a8af"
down_revision: str | None = "96e6afb9b6fc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
    )
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_event_dispatched_at_id", ["dispatched_at", "id"], unique=False
        )

    op.create_table(
        "cohort",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("hub_id", sa.String(length=32), nullable=False),
        sa.Column("course_id", sa.String(length=32), nullable=False),
        sa.Column("trainer_id", sa.String(length=32), nullable=False),
        sa.Column("venue_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "cancelled",
                name="cohort_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column(
            "waitlist_mode",
            sa.Enum(
                "auto",
                "offer",
                name="waitlist_mode",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("offer_ttl", sa.String(length=32), nullable=False),
        sa.Column("promotion_cutoff", sa.String(length=32), nullable=False),
        sa.Column("reminder_offsets", sa.JSON(), nullable=False),
        sa.Column("waitlist_capacity", sa.Integer(), nullable=True),
        sa.Column("confirmed_count", sa.Integer(), nullable=False),
        sa.Column("offered_count", sa.Integer(), nullable=False),
        sa.Column("waitlist_seq", sa.Integer(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_cohort_capacity_positive")),
        sa.CheckConstraint(
            "confirmed_count + offered_count <= capacity",
            name=op.f("ck_cohort_seats_within_capacity"),
        ),
        sa.CheckConstraint(
            "confirmed_count >= 0 AND offered_count >= 0",
            name=op.f("ck_cohort_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "waitlist_capacity IS NULL OR waitlist_capacity >= 0",
            name=op.f("ck_cohort_waitlist_capacity_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_cohort_course_id_course"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hub.id"], name=op.f("fk_cohort_hub_id_hub"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["user_account.id"],
            name=op.f("fk_cohort_trainer_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"], ["venue.id"], name=op.f("fk_cohort_venue_id_venue"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort")),
    )
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cohort_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohort_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohort_trainer_id"), ["trainer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cohort_venue_id"), ["venue_id"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_idempotency_record_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_record")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_record_created_at", ["created_at"], unique=False)

    op.create_table(
        "booking",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=32), nullable=False),
        sa.Column("teacher_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "waitlisted",
                "offered",
                "expired",
                "cancelled",
                name="booking_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("waitlist_seq", sa.Integer(), nullable=True),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'offered') = (offer_expires_at IS NOT NULL)",
            name=op.f("ck_booking_offered_has_expiry"),
        ),
        sa.CheckConstraint(
            "(status = 'waitlisted') = (waitlist_seq IS NOT NULL)",
            name=op.f("ck_booking_waitlisted_has_seq"),
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_booking_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["teacher_id"],
            ["user_account.id"],
            name=op.f("fk_booking_teacher_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.create_index(
            "ix_booking_cohort_id_status_waitlist_seq",
            ["cohort_id", "status", "waitlist_seq"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_booking_teacher_id"), ["teacher_id"], unique=False)
        batch_op.create_index(
            "uq_booking_active_teacher_cohort",
            ["teacher_id", "cohort_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('confirmed', 'offered', 'waitlisted')"),
            sqlite_where=sa.text("status IN ('confirmed', 'offered', 'waitlisted')"),
        )

    op.create_table(
        "training_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=32), nullable=False),
        sa.Column("venue_id", sa.String(length=32), nullable=False),
        sa.Column("trainer_id", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "scheduled",
                "cancelled",
                name="session_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_training_session_ends_after_start")
        ),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_training_session_sequence_not_negative")),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohort.id"],
            name=op.f("fk_training_session_cohort_id_cohort"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["user_account.id"],
            name=op.f("fk_training_session_trainer_id_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["venue_id"],
            ["venue.id"],
            name=op.f("fk_training_session_venue_id_venue"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
        sa.UniqueConstraint("uid", name=op.f("uq_training_session_uid")),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_session_cohort_id_starts_at", ["cohort_id", "starts_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_session_trainer_id"), ["trainer_id"], unique=False
        )
        batch_op.create_index(
            "ix_training_session_venue_id_starts_at", ["venue_id", "starts_at"], unique=False
        )

    op.create_table(
        "attendance",
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "attended",
                "absent",
                name="attendance_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_attendance_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_attendance_recorded_by_user_account"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_session.id"],
            name=op.f("fk_attendance_session_id_training_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "booking_id", name=op.f("pk_attendance")),
    )
    op.create_table(
        "due_work",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("booking_id", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_due_work_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_work")),
        sa.UniqueConstraint(
            "kind", "booking_id", "due_at", name=op.f("uq_due_work_kind_booking_id_due_at")
        ),
    )
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.create_index("ix_due_work_done_at_due_at", ["done_at", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("due_work", schema=None) as batch_op:
        batch_op.drop_index("ix_due_work_done_at_due_at")

    op.drop_table("due_work")
    op.drop_table("attendance")
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index("ix_training_session_venue_id_starts_at")
        batch_op.drop_index(batch_op.f("ix_training_session_trainer_id"))
        batch_op.drop_index("ix_training_session_cohort_id_starts_at")

    op.drop_table("training_session")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_booking_active_teacher_cohort",
            postgresql_where=sa.text("status IN ('confirmed', 'offered', 'waitlisted')"),
            sqlite_where=sa.text("status IN ('confirmed', 'offered', 'waitlisted')"),
        )
        batch_op.drop_index(batch_op.f("ix_booking_teacher_id"))
        batch_op.drop_index("ix_booking_cohort_id_status_waitlist_seq")

    op.drop_table("booking")
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_record_created_at")

    op.drop_table("idempotency_record")
    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cohort_venue_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_trainer_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_hub_id"))
        batch_op.drop_index(batch_op.f("ix_cohort_course_id"))

    op.drop_table("cohort")
    with op.batch_alter_table("outbox_event", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_event_dispatched_at_id")

    op.drop_table("outbox_event")
