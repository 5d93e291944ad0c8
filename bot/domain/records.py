"""What the bot keeps besides the community's own story: thanks, where its posts
landed, and scheduled messages waiting in the outbox."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


@dataclass(eq=False)
class Thanks:
    community_id: int
    giver_id: int
    receiver_id: int
    note: str
    created_at: datetime
    introduction_id: int | None = None
    id: int | None = None


class SubjectKind(enum.StrEnum):
    OFFER = "offer"
    ASK = "ask"
    INTRODUCTION = "introduction"
    THANKS = "thanks"
    DIGEST = "digest"


@dataclass(frozen=True)
class Subject:
    """What a bot post is about, so reactions and updates find their way back."""

    kind: SubjectKind
    id: int


@dataclass(eq=False)
class Post:
    """Where the bot published something on a platform."""

    community_id: int
    kind: SubjectKind
    subject_id: int
    channel_id: str
    message_id: str
    created_at: datetime
    id: int | None = None

    @property
    def subject(self) -> Subject:
        return Subject(self.kind, self.subject_id)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(eq=False)
class OutboxMessage:
    """A message decided on by scheduled work, waiting for any process to deliver it.

    It is written in the same transaction as the decision (the digest claimed, the
    request expired), so a decision is never lost or taken twice. ``claimed_until``
    keeps other senders away while ``claimed_by`` is delivering it (renewing it as it
    goes), or after a transient failure; ``payload`` is the message as
    :mod:`bot.message_json` stores it. ``maybe_delivered``: an earlier attempt may
    have reached the platform (its sender died or lost the answer mid-send).
    """

    key: str
    community_id: int
    payload: str
    created_at: datetime
    claimed_until: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    sent_at: datetime | None = None
    last_error: str | None = None
    claimed_by: str | None = None
    maybe_delivered: bool = False
    id: int | None = None
