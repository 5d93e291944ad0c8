"""A helper's load this week is read by helper and date.

The count of a few helpers' introductions since a date used the index on the
community, reading its whole history; an index on (helper, date) reads only those
introductions.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:00:01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_introductions_helper_id", table_name="introductions")
    op.create_index(
        "ix_introductions_helper_id_requested_at", "introductions", ["helper_id", "requested_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_introductions_helper_id_requested_at", table_name="introductions")
    op.create_index("ix_introductions_helper_id", "introductions", ["helper_id"])
