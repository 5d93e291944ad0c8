"""The community's vocabulary: members, offers, asks, introductions and thanks.

These are plain dataclasses with their rules as methods. Storage maps them to
tables; nothing here knows about a database or a chat platform.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import NotAllowed, NotPossible

DEFAULT_CAPACITY = 2
DEFAULT_INTRO_EXPIRY_DAYS = 3
DEFAULT_FOLLOW_UP_DAYS = 7
DEFAULT_STALE_AFTER_DAYS = 30
RELEVANCE_ANSWER_DAYS = 7


@dataclass(eq=False)
class Community:
    """One Slack workspace, Discord server or console session, keyed like ``slack:T0123``."""

    key: str
    name: str = ""
    channel_id: str | None = None
    admin_ids: list[str] = field(default_factory=list)
    digest_weekday: int = 0
    digest_hour: int = 9
    timezone: str = "UTC"
    skip_quiet_weeks: bool = True
    capacity: int = DEFAULT_CAPACITY
    intro_expiry_days: int = DEFAULT_INTRO_EXPIRY_DAYS
    follow_up_days: int = DEFAULT_FOLLOW_UP_DAYS
    stale_after_days: int = DEFAULT_STALE_AFTER_DAYS
    aliases: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    id: int | None = None

    def is_admin(self, platform_user_id: str, *, platform_admin: bool) -> bool:
        return platform_admin or platform_user_id in self.admin_ids

    def forget(self) -> None:
        """Erase its name and settings (its members are erased one by one); the row
        stays, keyed as before, holding only anonymous counts."""
        defaults = Community(key=self.key)
        self.name, self.channel_id, self.admin_ids = "", None, []
        self.aliases = {}
        self.digest_weekday, self.digest_hour = defaults.digest_weekday, defaults.digest_hour
        self.timezone = defaults.timezone


def member_name(display_name: str | None, platform_user_id: str | None, *, forgotten: bool) -> str:
    """How a member is named in messages."""
    if forgotten:
        return "a former member"
    return display_name or platform_user_id or "a member"


def is_available(paused_until: datetime | None, *, forgotten: bool, now: datetime) -> bool:
    """Whether a member may be suggested or asked to help now."""
    return not forgotten and not (paused_until is not None and paused_until > now)


@dataclass(eq=False)
class Member:
    """A person in a community, created the first time they talk to the bot."""

    community_id: int
    platform_user_id: str | None
    display_name: str | None
    joined_at: datetime
    timezone: str | None = None
    bio: str | None = None
    skills: list[str] = field(default_factory=list)
    paused_until: datetime | None = None
    public_thanks: bool = True
    dm_closed: bool = False
    dm_checked_at: datetime | None = None
    """When a direct message last tested whether closed DMs had opened again."""
    forgotten_at: datetime | None = None
    id: int | None = None

    @property
    def mention_id(self) -> str:
        return self.platform_user_id or ""

    @property
    def name(self) -> str:
        return member_name(
            self.display_name, self.platform_user_id, forgotten=self.forgotten_at is not None
        )

    def is_paused(self, now: datetime) -> bool:
        return self.paused_until is not None and self.paused_until > now

    def is_available(self, now: datetime) -> bool:
        return is_available(self.paused_until, forgotten=self.forgotten_at is not None, now=now)

    def pause(self, now: datetime, days: int) -> None:
        if not 1 <= days <= 365:
            raise NotPossible("Pause for between 1 and 365 days, e.g. `/givefirst pause 14`.")
        self.paused_until = now + timedelta(days=days)

    def resume(self) -> None:
        self.paused_until = None

    def add_skills(self, skills: list[str]) -> list[str]:
        added = [s for s in skills if s not in self.skills]
        self.skills = [*self.skills, *added]
        return added

    def remove_skills(self, skills: list[str]) -> list[str]:
        removed = [s for s in skills if s in self.skills]
        self.skills = [s for s in self.skills if s not in removed]
        return removed

    def forget(self, now: datetime) -> None:
        """Erase everything that identifies this person; the row stays as an anonymous tombstone."""
        self.platform_user_id = None
        self.display_name = None
        self.timezone = None
        self.bio = None
        self.skills = []
        self.paused_until = None
        self.forgotten_at = now


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


@dataclass(eq=False)
class Offer:
    community_id: int
    member_id: int
    text: str
    skills: list[str]
    created_at: datetime
    status: OfferStatus = OfferStatus.OPEN
    confirmed_at: datetime | None = None
    relevance_asked_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is OfferStatus.OPEN

    def withdraw(self, by: Member) -> None:
        if by.id != self.member_id:
            raise NotAllowed("Only the person who made an offer can withdraw it.")
        self.status = OfferStatus.WITHDRAWN


class AskStatus(enum.StrEnum):
    OPEN = "open"
    SOLVED = "solved"
    CLOSED = "closed"


@dataclass(eq=False)
class Ask:
    community_id: int
    member_id: int
    text: str
    skills: list[str]
    private: bool
    created_at: datetime
    status: AskStatus = AskStatus.OPEN
    solved_at: datetime | None = None
    looking_for_helper: bool = False
    confirmed_at: datetime | None = None
    relevance_asked_at: datetime | None = None
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is AskStatus.OPEN

    def solve(self, by: Member, now: datetime) -> None:
        if by.id != self.member_id:
            raise NotAllowed("Only the person who asked can mark this ask as solved.")
        if self.status is AskStatus.SOLVED:
            raise NotPossible("That ask is already solved — start a new one with `/ask`.")
        self.status = AskStatus.SOLVED
        self.solved_at = now

    def ensure_open(self) -> None:
        if not self.is_open:
            raise NotPossible("That ask is no longer open — start a new one with `/ask`.")


class IntroStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Party(enum.StrEnum):
    """Whose consent an introduction is waiting for."""

    ASKER = "asker"
    HELPER = "helper"


class Outcome(enum.StrEnum):
    HELPED = "helped"
    NOT_YET = "not_yet"
    DIDNT_WORK = "didnt_work"


@dataclass(eq=False)
class Introduction:
    """A proposed pairing of someone who needs help and someone who can give it.

    Double opt-in: it is created with the consent of whoever started it and
    waits for the other party; nobody is introduced until both have said yes.
    """

    community_id: int
    asker_id: int
    helper_id: int
    awaiting: Party
    reason: str
    requested_at: datetime
    expires_at: datetime
    ask_id: int | None = None
    offer_id: int | None = None
    status: IntroStatus = IntroStatus.PENDING
    decided_at: datetime | None = None
    follow_up_due_at: datetime | None = None
    follow_up_sent_at: datetime | None = None
    outcome: Outcome | None = None
    outcome_at: datetime | None = None
    reminded_at: datetime | None = None
    id: int | None = None

    @property
    def is_pending(self) -> bool:
        return self.status is IntroStatus.PENDING

    @property
    def remind_at(self) -> datetime:
        """Halfway to expiry: when the awaited member gets one reminder."""
        return self.requested_at + (self.expires_at - self.requested_at) / 2

    def needs_reminder(self, now: datetime) -> bool:
        return (
            self.is_pending and self.reminded_at is None and self.remind_at <= now < self.expires_at
        )

    def awaited_member_id(self) -> int:
        return self.helper_id if self.awaiting is Party.HELPER else self.asker_id

    def involves(self, member_id: int | None) -> bool:
        return member_id in (self.asker_id, self.helper_id)

    def partner_of(self, member_id: int) -> int:
        return self.helper_id if member_id == self.asker_id else self.asker_id

    def _ensure_answerable_by(self, member: Member, now: datetime) -> None:
        if member.id != self.awaited_member_id():
            raise NotAllowed("This introduction is waiting for someone else's answer.")
        if self.status is not IntroStatus.PENDING:
            raise NotPossible(f"This introduction was already {self.status.value}.")
        if now >= self.expires_at:
            raise NotPossible("This request has expired — nobody was introduced.")

    def accept(self, member: Member, now: datetime, follow_up_days: int) -> None:
        self._ensure_answerable_by(member, now)
        self.status = IntroStatus.ACCEPTED
        self.decided_at = now
        self.follow_up_due_at = now + timedelta(days=follow_up_days)

    def decline(self, member: Member, now: datetime) -> None:
        self._ensure_answerable_by(member, now)
        self.status = IntroStatus.DECLINED
        self.decided_at = now

    def expire(self, now: datetime) -> None:
        self.status = IntroStatus.EXPIRED
        self.decided_at = now

    def record_outcome(self, member: Member, outcome: Outcome, now: datetime) -> None:
        if member.id != self.asker_id:
            raise NotAllowed("Only the person who asked for help can say how it went.")
        if self.status is not IntroStatus.ACCEPTED:
            raise NotPossible("That introduction never happened, so there is nothing to report.")
        self.outcome = outcome
        self.outcome_at = now


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
    keeps other senders away while one is delivering it, or after a transient
    failure; ``payload`` is the message as :mod:`bot.message_json` stores it.
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
    id: int | None = None
