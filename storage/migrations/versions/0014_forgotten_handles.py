"""Members who used forget-me keep a fingerprint of their platform id.

A member directory imported after a member asked to be forgotten brought them back:
their tombstone had no platform id left to match the file's row against, so the row
made a new member. The tombstone now keeps a fingerprint of the id (a hash, which
names nobody), and an import skips a row whose handle has it. Members forgotten
before this migration have none: nothing is left to make it from.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 00:00:02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("forgotten_handle", sa.String(64)))
    op.create_index(
        "ix_members_community_id_forgotten_handle", "members", ["community_id", "forgotten_handle"]
    )


def downgrade() -> None:
    op.drop_index("ix_members_community_id_forgotten_handle", table_name="members")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("forgotten_handle")
