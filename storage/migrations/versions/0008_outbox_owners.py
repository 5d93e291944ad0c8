"""Outbox messages name the sender holding them, and whether they may have arrived;
processed events are found by age.

A sender renews its lease while it works and lets go of what it has not started when
it stops; a message whose lease ran out with its owner still named was interrupted
mid-send, so the next sender is told it may have reached the platform already.
Every slash command's id is now recorded with the processed events, and the old ones
are forgotten by the scheduler, hence the index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_processed_events_received_at", "processed_events", ["received_at"])
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("claimed_by", sa.String(64), nullable=True))
        outbox.add_column(
            sa.Column("maybe_delivered", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("maybe_delivered")
        outbox.drop_column("claimed_by")
    op.drop_index("ix_processed_events_received_at", table_name="processed_events")
