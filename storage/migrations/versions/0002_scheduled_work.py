"""Scheduled work: claims, the outbox, reminder and still-relevant bookkeeping.

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-08 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduled_claims",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("claimed_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_scheduled_claims"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column(
            "community_id",
            sa.Integer(),
            sa.ForeignKey(
                "communities.id", name="fk_outbox_community_id_communities", ondelete="CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("claimed_until", Timestamp, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", Timestamp),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    op.create_index("ix_outbox_status_claimed_until", "outbox", ["status", "claimed_until"])
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("stale_after_days", sa.Integer(), nullable=False, server_default="30")
        )
    for table in ("offers", "asks"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("confirmed_at", Timestamp))
            batch.add_column(sa.Column("relevance_asked_at", Timestamp))
    with op.batch_alter_table("introductions") as batch:
        batch.add_column(sa.Column("reminded_at", Timestamp))


def downgrade() -> None:
    with op.batch_alter_table("introductions") as batch:
        batch.drop_column("reminded_at")
    for table in ("asks", "offers"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("relevance_asked_at")
            batch.drop_column("confirmed_at")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("stale_after_days")
    op.drop_index("ix_outbox_status_claimed_until", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("scheduled_claims")
