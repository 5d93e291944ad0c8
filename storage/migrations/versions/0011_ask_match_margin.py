"""Each ask keeps how far its best member stood out when helpers were suggested.

What came of the introductions that followed calibrates, per community, how far the
best member must stand out to be suggested with confidence (see
``bot/matching/calibration.py``). Asks made before this have none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 00:00:01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("asks") as asks:
        asks.add_column(sa.Column("match_margin", sa.Float()))


def downgrade() -> None:
    with op.batch_alter_table("asks") as asks:
        asks.drop_column("match_margin")
