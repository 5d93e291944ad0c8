"""The members each weekly digest post names, so that forget-me can take it down.

A member who used forget-me stayed quoted in the digests already posted in the
channel (their offers, asks and thanks, and their name among the week's newcomers):
digest posts were not recorded. From now on each one is, with the platform ids of the
members it names; forget-me deletes those that name the member. Digests posted before
this migration are not known and stay as they are.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_names",
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("posts.id", name="fk_post_names_post_id_posts", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("post_id", "user_id", name="pk_post_names"),
    )
    op.create_index("ix_post_names_user_id", "post_names", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_post_names_user_id", table_name="post_names")
    op.drop_table("post_names")
