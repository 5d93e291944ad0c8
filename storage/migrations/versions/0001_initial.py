"""Communities, members, offers, asks, introductions, thanks, posts, processed events,
and slack_sdk's installation and OAuth state tables.

Revision ID: 0001
Revises:
Create Date: 2024-06-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Timestamps are stored in UTC; storage.columns.UTCDateTime restores tzinfo on SQLite.
Timestamp = sa.DateTime(timezone=True)


def _community_id(table: str) -> sa.Column[int]:
    return sa.Column(
        "community_id",
        sa.Integer(),
        sa.ForeignKey(
            "communities.id",
            name=f"fk_{table}_community_id_communities",
            ondelete="CASCADE",
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
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("channel_id", sa.String(100), nullable=True),
        sa.Column("admin_ids", sa.JSON(), nullable=False),
        sa.Column("digest_weekday", sa.Integer(), nullable=False),
        sa.Column("digest_hour", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("skip_quiet_weeks", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("intro_expiry_days", sa.Integer(), nullable=False),
        sa.Column("follow_up_days", sa.Integer(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_communities"),
        sa.UniqueConstraint("key", name="uq_communities_key"),
    )

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("members"),
        sa.Column("platform_user_id", sa.String(100), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("joined_at", Timestamp, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("bio", sa.Text(), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("paused_until", Timestamp, nullable=True),
        sa.Column("public_thanks", sa.Boolean(), nullable=False),
        sa.Column("dm_closed", sa.Boolean(), nullable=False),
        sa.Column("forgotten_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        # NULL platform ids (forgotten members) may repeat: NULLs are distinct.
        sa.UniqueConstraint(
            "community_id",
            "platform_user_id",
            name="uq_members_community_id_platform_user_id",
        ),
    )

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("offers"),
        _member_id("offers", "member_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_offers"),
    )
    op.create_index("ix_offers_community_id_status", "offers", ["community_id", "status"])
    op.create_index("ix_offers_member_id", "offers", ["member_id"])

    op.create_table(
        "asks",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("asks"),
        _member_id("asks", "member_id"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("solved_at", Timestamp, nullable=True),
        sa.Column("looking_for_helper", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_asks"),
    )
    op.create_index("ix_asks_community_id_status", "asks", ["community_id", "status"])
    op.create_index("ix_asks_member_id", "asks", ["member_id"])

    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("introductions"),
        _member_id("introductions", "asker_id"),
        _member_id("introductions", "helper_id"),
        sa.Column("awaiting", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.Column(
            "ask_id",
            sa.Integer(),
            sa.ForeignKey("asks.id", name="fk_introductions_ask_id_asks", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "offer_id",
            sa.Integer(),
            sa.ForeignKey("offers.id", name="fk_introductions_offer_id_offers", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_at", Timestamp, nullable=True),
        sa.Column("follow_up_due_at", Timestamp, nullable=True),
        sa.Column("follow_up_sent_at", Timestamp, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_introductions"),
        sa.UniqueConstraint("ask_id", "helper_id", name="uq_introductions_ask_id_helper_id"),
        sa.UniqueConstraint("offer_id", "asker_id", name="uq_introductions_offer_id_asker_id"),
    )
    op.create_index("ix_introductions_community_id", "introductions", ["community_id"])
    op.create_index("ix_introductions_asker_id", "introductions", ["asker_id"])
    op.create_index("ix_introductions_helper_id", "introductions", ["helper_id"])
    op.create_index("ix_introductions_status_expires_at", "introductions", ["status", "expires_at"])
    op.create_index(
        "ix_introductions_status_follow_up_due_at",
        "introductions",
        ["status", "follow_up_due_at"],
    )

    op.create_table(
        "thanks",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("thanks"),
        _member_id("thanks", "giver_id"),
        _member_id("thanks", "receiver_id"),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column(
            "introduction_id",
            sa.Integer(),
            sa.ForeignKey(
                "introductions.id",
                name="fk_thanks_introduction_id_introductions",
                ondelete="SET NULL",
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_thanks"),
    )
    op.create_index("ix_thanks_community_id", "thanks", ["community_id"])
    op.create_index("ix_thanks_giver_id", "thanks", ["giver_id"])
    op.create_index("ix_thanks_receiver_id", "thanks", ["receiver_id"])

    op.create_table(
        "posts",
        sa.Column("id", sa.Integer(), nullable=False),
        _community_id("posts"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_posts"),
        sa.UniqueConstraint(
            "community_id",
            "channel_id",
            "message_id",
            name="uq_posts_community_id_channel_id_message_id",
        ),
    )
    op.create_index(
        "ix_posts_community_id_kind_subject_id", "posts", ["community_id", "kind", "subject_id"]
    )

    op.create_table(
        "processed_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processed_events"),
        sa.UniqueConstraint("key", name="uq_processed_events_key"),
    )

    # slack_sdk.oauth.installation_store.sqlalchemy.SQLAlchemyInstallationStore
    op.create_table(
        "slack_installations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("enterprise_name", sa.String(200), nullable=True),
        sa.Column("enterprise_url", sa.String(200), nullable=True),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("team_name", sa.String(200), nullable=True),
        sa.Column("bot_token", sa.String(200), nullable=True),
        sa.Column("bot_id", sa.String(32), nullable=True),
        sa.Column("bot_user_id", sa.String(32), nullable=True),
        sa.Column("bot_scopes", sa.String(1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200), nullable=True),
        sa.Column("user_scopes", sa.String(1000), nullable=True),
        sa.Column("user_refresh_token", sa.String(200), nullable=True),
        sa.Column("user_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("incoming_webhook_url", sa.String(200), nullable=True),
        sa.Column("incoming_webhook_channel", sa.String(200), nullable=True),
        sa.Column("incoming_webhook_channel_id", sa.String(200), nullable=True),
        sa.Column("incoming_webhook_configuration_url", sa.String(200), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("token_type", sa.String(32), nullable=True),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_installations"),
    )
    op.create_index(
        "slack_installations_idx",
        "slack_installations",
        ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"],
    )

    op.create_table(
        "slack_bots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32), nullable=True),
        sa.Column("enterprise_name", sa.String(200), nullable=True),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("team_name", sa.String(200), nullable=True),
        sa.Column("bot_token", sa.String(200), nullable=True),
        sa.Column("bot_id", sa.String(32), nullable=True),
        sa.Column("bot_user_id", sa.String(32), nullable=True),
        sa.Column("bot_scopes", sa.String(1000), nullable=True),
        sa.Column("bot_refresh_token", sa.String(200), nullable=True),
        sa.Column("bot_token_expires_at", sa.DateTime(), nullable=True),
        sa.Column("is_enterprise_install", sa.Boolean(), nullable=False),
        sa.Column("installed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_bots"),
    )
    op.create_index(
        "slack_bots_idx",
        "slack_bots",
        ["client_id", "enterprise_id", "team_id", "installed_at"],
    )

    # slack_sdk.oauth.state_store.sqlalchemy.SQLAlchemyOAuthStateStore
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_oauth_states"),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", table_name="slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", table_name="slack_installations")
    op.drop_table("slack_installations")
    op.drop_table("processed_events")
    op.drop_table("posts")
    op.drop_table("thanks")
    op.drop_table("introductions")
    op.drop_table("asks")
    op.drop_table("offers")
    op.drop_table("members")
    op.drop_table("communities")
