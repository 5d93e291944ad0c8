"""The community's vocabulary: members, offers, asks, introductions and thanks.

These are plain dataclasses with their rules as methods; :mod:`bot.domain.pairing`
decides who may be introduced. Storage maps them to tables; nothing here knows about
a database or a chat platform.
"""

from bot.domain.community import (
    DEFAULT_CAPACITY,
    DEFAULT_FOLLOW_UP_DAYS,
    DEFAULT_INTRO_EXPIRY_DAYS,
    DEFAULT_STALE_AFTER_DAYS,
    RELEVANCE_ANSWER_DAYS,
    Community,
)
from bot.domain.introductions import Introduction, IntroStatus, Outcome, Party
from bot.domain.members import (
    FORMER_MEMBER,
    Member,
    handle_fingerprint,
    member_name,
    was_forgotten,
)
from bot.domain.offers_and_asks import (
    Ask,
    AskStatus,
    Offer,
    OfferStatus,
    due_relevance_check,
)
from bot.domain.records import (
    OutboxMessage,
    OutboxStatus,
    Post,
    Subject,
    SubjectKind,
    Thanks,
)
from bot.domain.rounds import (
    NeverPair,
    Round,
    RoundGroup,
    RoundOutcome,
    RoundParticipant,
)

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_FOLLOW_UP_DAYS",
    "DEFAULT_INTRO_EXPIRY_DAYS",
    "DEFAULT_STALE_AFTER_DAYS",
    "FORMER_MEMBER",
    "RELEVANCE_ANSWER_DAYS",
    "Ask",
    "AskStatus",
    "Community",
    "IntroStatus",
    "Introduction",
    "Member",
    "NeverPair",
    "Offer",
    "OfferStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Outcome",
    "Party",
    "Post",
    "Round",
    "RoundGroup",
    "RoundOutcome",
    "RoundParticipant",
    "Subject",
    "SubjectKind",
    "Thanks",
    "due_relevance_check",
    "handle_fingerprint",
    "member_name",
    "was_forgotten",
]
