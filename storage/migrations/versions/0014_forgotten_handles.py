"""Members who used forget-me are kept out of later imports, by a fingerprint alone.

A member directory imported after a member asked to be forgotten brought them back:
their tombstone had no platform id left to match the file's row against, so the row
made a new member. A table of their platform ids' fingerprints (hashes), with no member
id or date that could join one to a tombstone, now lets an import leave them out.
Members forgotten before this migration have none: nothing is left to make it from.

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
    op.create_table(
        "forgotten_handles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "community_id",
            sa.Integer(),
            sa.ForeignKey(
                "communities.id",
                name="fk_forgotten_handles_community_id_communities",
                ondelete="CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_forgotten_handles"),
        sa.UniqueConstraint(
            "community_id", "fingerprint", name="uq_forgotten_handles_community_id_fingerprint"
        ),
    )


def downgrade() -> None:
    op.drop_table("forgotten_handles")
