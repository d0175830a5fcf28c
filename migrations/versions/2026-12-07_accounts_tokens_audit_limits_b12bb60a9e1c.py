"""Accounts people control: token kinds and expiry, deactivated and erased users, the audit
log, shared rate-limit counters, mail bodies that can be deleted, and codes deleted by age.

Tokens issued before this revision cannot be told apart, so each becomes a sign-in token that
expires 30 days from the upgrade unless used (the safe choice: an unused token lapses; a used
one slides on). Operators re-run `booking create-admin` for a long-lived admin token.

Revision ID: b12bb60a9e1c
Revises: 7b1e4d2c9a60
Create Date: 2026-12-07 02:52:04.206948
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "b12bb60a9e1c"
down_revision: str | None = "7b1e4d2c9a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_KIND = sa.Enum(
    "sign_in", "api", name="token_kind", native_enum=False, create_constraint=True, length=32
)


def upgrade() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=True),
        sa.Column("hub_id", sa.String(length=32), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_actor_id_id", ["actor_id", "id"], unique=False)
        batch_op.create_index("ix_audit_event_at", ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_event_entity_entity_id_id", ["entity", "entity_id", "id"], unique=False
        )
        batch_op.create_index("ix_audit_event_hub_id_id", ["hub_id", "id"], unique=False)

    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
    )
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rate_limit_counter_expires_at"), ["expires_at"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        # Counters need no crash safety (a crash starts fresh windows), and without WAL each
        # request's upsert commits without waiting for a flush: measured here, the upsert went
        # from about twice a `SELECT 1` to the same.
        op.execute("ALTER TABLE rate_limit_counter SET UNLOGGED")

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", TOKEN_KIND, nullable=True))
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    _expire_existing_tokens()
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=TOKEN_KIND, nullable=False)
        batch_op.alter_column(
            "last_used_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )
        batch_op.create_index(batch_op.f("ix_api_token_expires_at"), ["expires_at"], unique=False)

    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("message", existing_type=sa.LargeBinary(), nullable=True)

    with op.batch_alter_table("email_code", schema=None) as batch_op:
        batch_op.create_index("ix_email_code_created_at", ["created_at"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def _expire_existing_tokens() -> None:
    expires = datetime.now(UTC) + timedelta(days=30)
    if op.get_bind().dialect.name == "sqlite":
        expires = expires.replace(tzinfo=None)  # stored naive, in UTC (models.base.UTCDateTime)
    token = sa.table(
        "api_token",
        sa.column("kind", sa.String()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("last_used_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
    )
    op.execute(
        token.update().values(kind="sign_in", last_used_at=token.c.created_at, expires_at=expires)
    )


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.drop_column("active")

    with op.batch_alter_table("email_code", schema=None) as batch_op:
        batch_op.drop_index("ix_email_code_created_at")

    # Bodies deleted meanwhile cannot come back: an empty body reads as "never composed".
    op.execute("UPDATE delivery SET message = '' WHERE message IS NULL")
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.alter_column("message", existing_type=sa.LargeBinary(), nullable=False)

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_expires_at"))
        batch_op.drop_constraint(batch_op.f("ck_api_token_token_kind"), type_="check")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("kind")

    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_limit_counter_expires_at"))
    op.drop_table("rate_limit_counter")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_hub_id_id")
        batch_op.drop_index("ix_audit_event_entity_entity_id_id")
        batch_op.drop_index("ix_audit_event_at")
        batch_op.drop_index("ix_audit_event_actor_id_id")
    op.drop_table("audit_event")
