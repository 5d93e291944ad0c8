"""Community health: what givefirst suggested for each ask, and its own signing keys.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 00:00:00

Asks made before this revision keep NULL in both new columns: whether anyone was
suggested for them was not recorded, and the health figures say so rather than guess.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("asks") as asks:
        asks.add_column(sa.Column("suggested_count", sa.Integer()))
        asks.add_column(sa.Column("first_suggested_at", Timestamp))
    op.create_table(
        "signing_keys",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_signing_keys"),
    )


def downgrade() -> None:
    op.drop_table("signing_keys")
    with op.batch_alter_table("asks") as asks:
        asks.drop_column("first_suggested_at")
        asks.drop_column("suggested_count")
