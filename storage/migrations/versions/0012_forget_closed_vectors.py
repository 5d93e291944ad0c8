"""Closed asks and offers keep no vector.

An ask's or offer's vector is read only while it is open; from now on it is deleted
when the ask or offer closes, and this deletes the ones kept until now (which a
change of sentence model would otherwise leave behind, in the old model's form).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 00:00:02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys are "ask:<id>" and "offer:<id>" (bot.domain.directory.field_key).
    op.execute(
        """DELETE FROM text_vectors
        WHERE "key" IN (SELECT 'ask:' || id FROM asks WHERE status <> 'open')
        OR "key" IN (SELECT 'offer:' || id FROM offers WHERE status <> 'open')"""
    )


def downgrade() -> None:
    """Nothing to bring back: the vectors of closed asks and offers are never read."""
