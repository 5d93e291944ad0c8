"""Each member keeps when they first used givefirst themselves.

The digest welcomed, and the health figures counted as newcomers, every member made
that week: the 20,000 members of an imported directory too ("Welcome: @a, @b, … and
19,997 more"), and members who were only thanked or named. Now a member arrives when
they first use givefirst; imported, thanked or named members have no date until then.
Members from before this migration keep the day they were first seen.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 00:00:03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("members") as members:
        members.add_column(sa.Column("first_used_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE members SET first_used_at = joined_at")


def downgrade() -> None:
    with op.batch_alter_table("members") as members:
        members.drop_column("first_used_at")
