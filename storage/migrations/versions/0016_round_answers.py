"""Each member's answer to "did you meet?" in a give-first round is kept.

A group kept one answer: when one member said "We met" and the other "Not this time",
both members' exports said they met. Groups answered before this keep their one
answer, with no member's own.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 00:00:04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("round_groups") as groups:
        groups.add_column(sa.Column("answers", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("round_groups") as groups:
        groups.drop_column("answers")
