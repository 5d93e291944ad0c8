"""The schema, as SQLAlchemy Core tables.

The migrations in ``storage/migrations`` create exactly these tables; a test
compares the two so they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
)

from bot.domain import (
    AskStatus,
    IntroStatus,
    OfferStatus,
    Outcome,
    Party,
    RoundOutcome,
    SubjectKind,
)
from storage.columns import StrEnumType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _community_id() -> Column[int]:
    return Column(
        "community_id",
        Integer,
        ForeignKey("communities.id", ondelete="CASCADE"),
        nullable=False,
    )


def _member_id(name: str) -> Column[int]:
    return Column(name, Integer, ForeignKey("members.id", ondelete="CASCADE"), nullable=False)


communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("channel_id", String(100)),
    Column("admin_ids", JSON, nullable=False),
    Column("digest_weekday", Integer, nullable=False),
    Column("digest_hour", Integer, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("skip_quiet_weeks", Boolean, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("intro_expiry_days", Integer, nullable=False),
    Column("follow_up_days", Integer, nullable=False),
    Column("stale_after_days", Integer, nullable=False, server_default="30"),
    Column("aliases", JSON, nullable=False),
    Column("created_at", UTCDateTime),
    Column("rounds_every_weeks", Integer, nullable=False, server_default="0"),
    Column("rounds_weekday", Integer, nullable=False, server_default="0"),
    Column("rounds_hour", Integer, nullable=False, server_default="10"),
    Column("rounds_size", Integer, nullable=False, server_default="2"),
    Column("rounds_window", Integer, nullable=False, server_default="6"),
    Column("rounds_since", UTCDateTime),
    Column("directory_revision", BigInteger, nullable=False, server_default="0"),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    # NULL once the member has used forget-me: the row stays as an anonymous tombstone.
    Column("platform_user_id", String(100)),
    Column("display_name", String(200)),
    Column("joined_at", UTCDateTime, nullable=False),
    # When the member first used givefirst themselves: NULL for members imported,
    # thanked or named who have not yet.
    Column("first_used_at", UTCDateTime),
    Column("timezone", String(64)),
    Column("bio", Text),
    Column("skills", JSON, nullable=False),
    Column("paused_until", UTCDateTime),
    Column("public_thanks", Boolean, nullable=False),
    Column("dm_closed", Boolean, nullable=False),
    Column("dm_checked_at", UTCDateTime),
    Column("forgotten_at", UTCDateTime),
    Column("directory_revision", BigInteger, nullable=False, server_default="0"),
    UniqueConstraint("community_id", "platform_user_id"),
    Index(None, "community_id", "directory_revision"),
    Index(None, "community_id", "id"),  # a community read a page at a time, in order
    Index(None, "paused_until"),  # breaks that ran out, found hourly
)

# Members who used forget-me, as fingerprints of their platform ids alone (see
# bot.domain.handle_fingerprint), so that a member directory imported later leaves
# them out: with no member id or date, nothing joins a fingerprint to a tombstone.
forgotten_handles = Table(
    "forgotten_handles",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    Column("fingerprint", String(64), nullable=False),
    UniqueConstraint("community_id", "fingerprint"),
)

offers = Table(
    "offers",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("member_id"),
    Column("text", Text, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", StrEnumType(OfferStatus), nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("relevance_asked_at", UTCDateTime),
    # Brought in by a member directory import, not made in the community.
    Column("imported", Boolean, nullable=False, server_default=false()),
    Column("directory_revision", BigInteger, nullable=False, server_default="0"),
    Index(None, "community_id", "status"),
    Index(None, "member_id"),
    Index(None, "community_id", "directory_revision"),
)

asks = Table(
    "asks",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("member_id"),
    Column("text", Text, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("private", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", StrEnumType(AskStatus), nullable=False),
    Column("solved_at", UTCDateTime),
    Column("looking_for_helper", Boolean, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("relevance_asked_at", UTCDateTime),
    Column("directory_revision", BigInteger, nullable=False, server_default="0"),
    # NULL for asks made before givefirst kept count (see bot.health).
    Column("suggested_count", Integer),
    Column("first_suggested_at", UTCDateTime),
    # How far the best member stood out when helpers were last suggested (see
    # bot.matching.calibration); NULL by words alone and before givefirst kept it.
    Column("match_margin", Float),
    Index(None, "community_id", "status"),
    Index(None, "member_id"),
    Index(None, "community_id", "directory_revision"),
)

introductions = Table(
    "introductions",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("asker_id"),
    _member_id("helper_id"),
    Column("awaiting", StrEnumType(Party), nullable=False),
    Column("reason", Text, nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("ask_id", Integer, ForeignKey("asks.id", ondelete="CASCADE")),
    Column("offer_id", Integer, ForeignKey("offers.id", ondelete="CASCADE")),
    Column("status", StrEnumType(IntroStatus), nullable=False),
    Column("decided_at", UTCDateTime),
    Column("follow_up_due_at", UTCDateTime),
    Column("follow_up_sent_at", UTCDateTime),
    Column("outcome", StrEnumType(Outcome)),
    Column("outcome_at", UTCDateTime),
    Column("reminded_at", UTCDateTime),
    Column("expired_at", UTCDateTime),
    # One helper is proposed for an ask once; one asker requests an offer once.
    UniqueConstraint("ask_id", "helper_id"),
    UniqueConstraint("offer_id", "asker_id"),
    Index(None, "community_id"),
    Index(None, "asker_id"),
    Index(None, "helper_id", "requested_at"),  # a helper's load this week
    Index(None, "status", "expires_at"),
    Index(None, "status", "follow_up_due_at"),
)

thanks = Table(
    "thanks",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("giver_id"),
    _member_id("receiver_id"),
    Column("note", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column(
        "introduction_id",
        Integer,
        ForeignKey("introductions.id", ondelete="SET NULL"),
    ),
    Index(None, "community_id"),
    Index(None, "giver_id"),
    Index(None, "receiver_id"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    Column("kind", StrEnumType(SubjectKind), nullable=False),
    # Points at an offer, ask, introduction or thanks depending on ``kind``: no foreign key.
    Column("subject_id", Integer, nullable=False),
    Column("channel_id", String(100), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("community_id", "channel_id", "message_id"),
    Index(None, "community_id", "kind", "subject_id"),
)

# The members a weekly digest post names, by platform id, so that forget-me finds the
# digests that quote them; gone with the post.
post_names = Table(
    "post_names",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(255), primary_key=True),
    Index(None, "user_id"),
)

round_participants = Table(
    "round_participants",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("member_id"),
    Column("joined_at", UTCDateTime, nullable=False),
    Column("skip_next", Boolean, nullable=False),
    Column("told_paused_until", UTCDateTime),
    UniqueConstraint("member_id"),
    Index(None, "community_id"),
)

# One member's private wish never to be paired with another in a round.
round_never_pairs = Table(
    "round_never_pairs",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("member_id"),
    _member_id("other_id"),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("member_id", "other_id"),
    Index(None, "community_id"),
    Index(None, "other_id"),
)

rounds = Table(
    "rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    Column("slot", UTCDateTime, nullable=False),
    Column("planned_at", UTCDateTime, nullable=False),
    Column("joined", Integer, nullable=False),
    Column("follow_up_due_at", UTCDateTime, nullable=False),
    Column("follow_up_sent_at", UTCDateTime),
    UniqueConstraint("community_id", "slot"),
    Index(None, "follow_up_sent_at", "follow_up_due_at"),
)

round_groups = Table(
    "round_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    Column("round_id", Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False),
    # Member ids only: a member who is forgotten stays an anonymous tombstone.
    Column("member_ids", JSON, nullable=False),
    Column("outcome", StrEnumType(RoundOutcome)),
    Column("outcome_at", UTCDateTime),
    # Each member's last answer, {member id: outcome}; NULL for groups answered before.
    Column("answers", JSON),
    Index(None, "round_id"),
)

# What members wrote, as vectors of the sentence model named in ``model``: one row per
# field (``skills:<member>``, ``bio:<member>``, ``offer:<offer>``, ``ask:<ask>``), kept
# as int8 components with one scale each. ``text_hash`` is of the text as the model read
# it (with what the community's aliases stand for): it tells whether that changed.
text_vectors = Table(
    "text_vectors",
    metadata,
    Column("id", Integer, primary_key=True),
    _community_id(),
    _member_id("member_id"),
    Column("key", String(40), nullable=False, unique=True),
    Column("model", String(100), nullable=False),
    Column("text_hash", String(32), nullable=False),
    Column("vector", LargeBinary, nullable=False),
    Column("scale", Float, nullable=False),
    Column("directory_revision", BigInteger, nullable=False, server_default="0"),
    Index(None, "community_id", "directory_revision"),
    Index(None, "member_id"),
)

processed_events = Table(
    "processed_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(255), nullable=False, unique=True),
    Column("received_at", UTCDateTime, nullable=False),
    Index(None, "received_at"),  # old ones are forgotten (see bot.scheduler)
)

# Keys givefirst makes for itself, such as the one signing dashboard sign-in links,
# shared by every process on the database.
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("secret", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# The tables slack_sdk's SQLAlchemy installation and OAuth state stores use, so a
# multi-workspace Slack app can keep its installations in our database. They follow
# slack_sdk's own definitions (naive DateTime columns included) and are not mapped.
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)
