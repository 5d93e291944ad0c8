"""Each offer says whether a member directory import brought it in.

Importing a directory of 5,000 members, a third of them with offers, made the weekly
digest announce 1,667 "new offers" and the health figures count 1,667 givers and
active members that week. Offers imported from now on are marked, and are neither;
offers from before this migration count as they did.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:00:05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("offers") as offers:
        offers.add_column(
            sa.Column("imported", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("offers") as offers:
        offers.drop_column("imported")
