"""The helper directory kept current by revision, and the vectors of members' words.

Every change to what matching reads (a member's profile, an offer, an ask, a vector)
takes the community's next directory revision when it commits, so each process reads
only what changed since the revision it last saw.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REVISED = ("communities", "members", "offers", "asks")


def upgrade() -> None:
    for table in _REVISED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("directory_revision", sa.BigInteger(), nullable=False, server_default="0")
            )
    for table in _REVISED[1:]:
        op.create_index(
            f"ix_{table}_community_id_directory_revision",
            table,
            ["community_id", "directory_revision"],
        )
    op.create_table(
        "text_vectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("text_hash", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("directory_revision", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_text_vectors_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_text_vectors_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_text_vectors"),
        sa.UniqueConstraint("key", name="uq_text_vectors_key"),
    )
    op.create_index(
        "ix_text_vectors_community_id_directory_revision",
        "text_vectors",
        ["community_id", "directory_revision"],
    )
    op.create_index("ix_text_vectors_member_id", "text_vectors", ["member_id"])


def downgrade() -> None:
    op.drop_table("text_vectors")
    for table in _REVISED[1:]:
        op.drop_index(f"ix_{table}_community_id_directory_revision", table_name=table)
    for table in _REVISED:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("directory_revision")
