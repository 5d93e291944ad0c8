"""The members each outbox message names, as rows of their own.

A member who erases their data has every scheduled message not yet sent that is
addressed to them or mentions them dropped; these rows find them by member, where
before the stored messages were searched for the member's id as text.
Messages already waiting are read once to fill the table.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.message_json import from_json

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    names = op.create_table(
        "outbox_names",
        sa.Column(
            "outbox_id",
            sa.Integer(),
            sa.ForeignKey("outbox.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("user_id", sa.String(255), primary_key=True),
    )
    op.create_index("ix_outbox_names_user_id", "outbox_names", ["user_id"])
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("payload", sa.Text))
    status = sa.column("status", sa.String)
    pending = op.get_bind().execute(
        sa.select(outbox.c.id, outbox.c.payload).select_from(outbox).where(status == "pending")
    )
    rows = []
    for entry_id, payload in pending:
        try:
            named = from_json(payload).names()
        except Exception:
            continue  # a message this version cannot read cannot be sent either
        rows += [{"outbox_id": entry_id, "user_id": user_id} for user_id in sorted(named)]
    if rows:
        op.bulk_insert(names, rows)


def downgrade() -> None:
    op.drop_index("ix_outbox_names_user_id", table_name="outbox_names")
    op.drop_table("outbox_names")
