"""Scheduled messages that were delivered, or given up on, no longer keep their text.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Kept only as a record that they went out (or could not), so that what a member
    # erases (offers, asks, thank-you notes quoted in digests) is gone from here too.
    op.execute("UPDATE outbox SET payload = '' WHERE status IN ('sent', 'failed')")


def downgrade() -> None:
    """The texts are gone; there is nothing to restore."""
