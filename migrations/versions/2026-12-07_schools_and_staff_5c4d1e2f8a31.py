"""Schools (from the DfE's Get Information about Schools), the people at them, and school leads.

Additive: a `school` table, `user_account.school_id`, and the `school_lead` role (who must have
a school). The v1 free-text `user_account.school` stays as it was. Cohorts gain
`max_per_school`, `approval_ttl` and a count of seats held pending approval; bookings the
school they count for, why one waits, and the `pending_approval` status with its expiry.

Revision ID: 5c4d1e2f8a31
Revises: b12bb60a9e1c
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5c4d1e2f8a31"
down_revision: str | None = "b12bb60a9e1c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLES_BEFORE = ("admin", "hub_admin", "trainer", "teacher")
ROLES_AFTER = (*ROLES_BEFORE, "school_lead")


STATUSES_BEFORE = ("confirmed", "waitlisted", "offered", "expired", "cancelled")
STATUSES_AFTER = (*STATUSES_BEFORE, "pending_approval")
ACTIVE_BEFORE = "status IN ('confirmed', 'offered', 'waitlisted')"
ACTIVE_AFTER = "status IN ('confirmed', 'offered', 'waitlisted', 'pending_approval')"
SEATS_BEFORE = "confirmed_count + offered_count <= capacity"
SEATS_AFTER = "confirmed_count + offered_count + pending_count <= capacity"


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _active_index(batch_op: object, where: str) -> None:
    batch_op.create_index(  # type: ignore[attr-defined]
        "uq_booking_active_teacher_cohort",
        ["teacher_id", "cohort_id"],
        unique=True,
        postgresql_where=sa.text(where),
        sqlite_where=sa.text(where),
    )


def _role_check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("urn", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("search_name", sa.String(length=300), nullable=False),
        sa.Column("local_authority", sa.String(length=100), nullable=False),
        sa.Column("phase", sa.String(length=100), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=60), nullable=False),
        sa.Column("approval_required", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hub_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"], ["hub.id"], name=op.f("fk_school_hub_id_hub"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_school")),
        sa.UniqueConstraint("urn", name=op.f("uq_school_urn")),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index(
            "ix_school_local_authority_name", ["local_authority", "name"], unique=False
        )

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_account_school_id"), ["school_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_user_account_school_id_school"),
            "school",
            ["school_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.drop_constraint(batch_op.f("ck_user_account_user_role"), type_="check")
        batch_op.create_check_constraint("user_role", _role_check(ROLES_AFTER))
        batch_op.create_check_constraint(
            "school_lead_has_school",
            "role <> 'school_lead' OR school_id IS NOT NULL",
        )

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_per_school", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("approval_ttl", sa.String(length=32), server_default="P3D", nullable=False)
        )
        batch_op.add_column(
            sa.Column("pending_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            "max_per_school_positive", "max_per_school IS NULL OR max_per_school >= 1"
        )
        batch_op.create_check_constraint("pending_not_negative", "pending_count >= 0")
        batch_op.drop_constraint(batch_op.f("ck_cohort_seats_within_capacity"), type_="check")
        batch_op.create_check_constraint("seats_within_capacity", SEATS_AFTER)

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("school_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("waitlist_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("made_by_lead", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_booking_school_id_school"),
            "school",
            ["school_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_booking_cohort_id_school_id", ["cohort_id", "school_id"], unique=False
        )
        batch_op.add_column(
            sa.Column("approval_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_check_constraint(
            "pending_has_expiry",
            "(status = 'pending_approval') = (approval_expires_at IS NOT NULL)",
        )
        batch_op.drop_constraint(batch_op.f("ck_booking_booking_status"), type_="check")
        batch_op.create_check_constraint("booking_status", _status_check(STATUSES_AFTER))
        batch_op.drop_index("uq_booking_active_teacher_cohort")
        _active_index(batch_op, ACTIVE_AFTER)


def downgrade() -> None:
    # A booking waiting for approval cannot stay so: it is cancelled, and its seat with it.
    op.execute(
        "UPDATE booking SET status = 'cancelled', approval_expires_at = NULL"
        " WHERE status = 'pending_approval'"
    )
    op.execute("UPDATE cohort SET pending_count = 0")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_index("uq_booking_active_teacher_cohort")
        _active_index(batch_op, ACTIVE_BEFORE)
        batch_op.drop_constraint(batch_op.f("ck_booking_booking_status"), type_="check")
        batch_op.create_check_constraint("booking_status", _status_check(STATUSES_BEFORE))
        batch_op.drop_constraint(batch_op.f("ck_booking_pending_has_expiry"), type_="check")
        batch_op.drop_column("approval_expires_at")
        batch_op.drop_index("ix_booking_cohort_id_school_id")
        batch_op.drop_constraint(batch_op.f("fk_booking_school_id_school"), type_="foreignkey")
        batch_op.drop_column("made_by_lead")
        batch_op.drop_column("waitlist_reason")
        batch_op.drop_column("school_id")

    with op.batch_alter_table("cohort", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_cohort_seats_within_capacity"), type_="check")
        batch_op.create_check_constraint("seats_within_capacity", SEATS_BEFORE)
        batch_op.drop_constraint(batch_op.f("ck_cohort_pending_not_negative"), type_="check")
        batch_op.drop_column("pending_count")
        batch_op.drop_constraint(batch_op.f("ck_cohort_max_per_school_positive"), type_="check")
        batch_op.drop_column("approval_ttl")
        batch_op.drop_column("max_per_school")

    # A school lead goes back to being a teacher: the role did not exist before.
    op.execute("UPDATE user_account SET role = 'teacher' WHERE role = 'school_lead'")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_user_account_school_lead_has_school"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_user_account_user_role"), type_="check")
        batch_op.create_check_constraint("user_role", _role_check(ROLES_BEFORE))
        batch_op.drop_constraint(batch_op.f("fk_user_account_school_id_school"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_user_account_school_id"))
        batch_op.drop_column("school_id")

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index("ix_school_local_authority_name")
        batch_op.drop_index(batch_op.f("ix_school_hub_id"))
    op.drop_table("school")
