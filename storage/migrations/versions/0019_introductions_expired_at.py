"""When an introduction request expired, kept when it is made again.

A request that expired unanswered and was then made again (the helper volunteered,
or the asker asked them once more) is one row, whose status no longer said it had
expired: the health figures lost the expiry ("expired 0" where two requests had
expired). Each row now keeps when it last expired; rows that are expired now get
their decision time.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:00:01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("introductions") as introductions:
        introductions.add_column(sa.Column("expired_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE introductions SET expired_at = decided_at WHERE status = 'expired'")


def downgrade() -> None:
    with op.batch_alter_table("introductions") as introductions:
        introductions.drop_column("expired_at")
