"""Give-first rounds: each community's schedule, who joined, never lists, rounds and
their groups.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = sa.DateTime(timezone=True)


def _community_id(table: str) -> sa.Column[int]:
    return sa.Column(
        "community_id",
        sa.Integer(),
        sa.ForeignKey(
            "communities.id", name=f"fk_{table}_community_id_communities", ondelete="CASCADE"
        ),
        nullable=False,
    )


def _member_id(table: str, column: str) -> sa.Column[int]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey("members.id", name=f"fk_{table}_{column}_members", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    with op.batch_alter_table("communities") as communities:
        for name, default in (
            ("rounds_every_weeks", "0"),
            ("rounds_weekday", "0"),
            ("rounds_hour", "10"),
            ("rounds_size", "2"),
            ("rounds_window", "6"),
        ):
            communities.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=default)
            )
        communities.add_column(sa.Column("rounds_since", Timestamp))
    op.create_table(
        "round_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("round_participants"),
        _member_id("round_participants", "member_id"),
        sa.Column("joined_at", Timestamp, nullable=False),
        sa.Column("skip_next", sa.Boolean(), nullable=False),
        sa.Column("told_paused_until", Timestamp),
        sa.PrimaryKeyConstraint("id", name="pk_round_participants"),
        sa.UniqueConstraint("member_id", name="uq_round_participants_member_id"),
    )
    op.create_index("ix_round_participants_community_id", "round_participants", ["community_id"])
    op.create_table(
        "round_never_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("round_never_pairs"),
        _member_id("round_never_pairs", "member_id"),
        _member_id("round_never_pairs", "other_id"),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_round_never_pairs"),
        sa.UniqueConstraint(
            "member_id", "other_id", name="uq_round_never_pairs_member_id_other_id"
        ),
    )
    op.create_index("ix_round_never_pairs_community_id", "round_never_pairs", ["community_id"])
    op.create_index("ix_round_never_pairs_other_id", "round_never_pairs", ["other_id"])
    op.create_table(
        "rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("rounds"),
        sa.Column("slot", Timestamp, nullable=False),
        sa.Column("planned_at", Timestamp, nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("follow_up_due_at", Timestamp, nullable=False),
        sa.Column("follow_up_sent_at", Timestamp),
        sa.PrimaryKeyConstraint("id", name="pk_rounds"),
        sa.UniqueConstraint("community_id", "slot", name="uq_rounds_community_id_slot"),
    )
    op.create_index(
        "ix_rounds_follow_up_sent_at_follow_up_due_at",
        "rounds",
        ["follow_up_sent_at", "follow_up_due_at"],
    )
    op.create_table(
        "round_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("round_groups"),
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("rounds.id", name="fk_round_groups_round_id_rounds", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("member_ids", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(16)),
        sa.Column("outcome_at", Timestamp),
        sa.PrimaryKeyConstraint("id", name="pk_round_groups"),
    )
    op.create_index("ix_round_groups_round_id", "round_groups", ["round_id"])


def downgrade() -> None:
    op.drop_index("ix_round_groups_round_id", table_name="round_groups")
    op.drop_table("round_groups")
    op.drop_index("ix_rounds_follow_up_sent_at_follow_up_due_at", table_name="rounds")
    op.drop_table("rounds")
    op.drop_index("ix_round_never_pairs_other_id", table_name="round_never_pairs")
    op.drop_index("ix_round_never_pairs_community_id", table_name="round_never_pairs")
    op.drop_table("round_never_pairs")
    op.drop_index("ix_round_participants_community_id", table_name="round_participants")
    op.drop_table("round_participants")
    with op.batch_alter_table("communities") as communities:
        for name in (
            "rounds_since",
            "rounds_window",
            "rounds_size",
            "rounds_hour",
            "rounds_weekday",
            "rounds_every_weeks",
        ):
            communities.drop_column(name)
