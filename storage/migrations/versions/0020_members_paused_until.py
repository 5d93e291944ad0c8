"""Members indexed by the end of their break.

The scheduler looks for breaks that ran out every hour, to bring those members back
as `/givefirst resume` does; without an index that read every member of every
community.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 00:00:01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_members_paused_until", "members", ["paused_until"])


def downgrade() -> None:
    op.drop_index("ix_members_paused_until", table_name="members")
