"""Offers of help and asks for it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.domain.members import Member
from bot.errors import NotAllowed, NotPossible


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
    imported: bool = False
    """Brought in with a member directory, not made here: not news for the digest,
    nor giving this week in the health figures."""
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
    suggested_count: int | None = None
    """How many helpers were suggested when it was made (0: "nobody yet"); None for
    asks made before givefirst kept count, for the community's health figures."""
    first_suggested_at: datetime | None = None
    """When givefirst first suggested a helper for it, then or later."""
    match_margin: float | None = None
    """How far the best member stood out when helpers were last suggested for it (by
    meaning and words; None by words alone), for the community's calibration."""
    id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status is AskStatus.OPEN

    def suggested(self, helpers: int, now: datetime) -> None:
        """givefirst has just suggested this many helpers for it (perhaps none), when it
        was made or later; with none, it waits for someone who can help."""
        self.looking_for_helper = not helpers
        if helpers and self.first_suggested_at is None:
            self.first_suggested_at = now

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


def due_relevance_check(
    item: Ask | Offer, unconfirmed_since: datetime, asked_before: datetime
) -> bool:
    """Whether to ask the author of an open ask or offer if it still stands (it was
    neither made nor confirmed since ``unconfirmed_since``), or, when they were asked
    before ``asked_before`` and never answered, to close it."""
    if not item.is_open:
        return False
    if item.relevance_asked_at is not None:
        return item.relevance_asked_at <= asked_before
    return (item.confirmed_at or item.created_at) <= unconfirmed_since
