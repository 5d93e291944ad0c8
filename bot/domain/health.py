"""What community health figures are computed from, as storage reads it: dates,
statuses and ids, never a member's name or the text of an offer, ask or note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.introductions import IntroStatus, Outcome


@dataclass(frozen=True)
class AskFact:
    id: int
    member_id: int
    private: bool
    created_at: datetime
    skills: tuple[str, ...]
    suggested_count: int | None
    """Helpers suggested when it was made (0: "nobody yet"); None for asks made before
    givefirst recorded it."""
    first_suggested_at: datetime | None


@dataclass(frozen=True)
class IntroductionFact:
    asker_id: int
    helper_id: int
    ask_id: int | None
    status: IntroStatus
    requested_at: datetime
    decided_at: datetime | None
    outcome: Outcome | None
    outcome_at: datetime | None
    expired_at: datetime | None = None
    """When it last expired unanswered (it may have been made again since)."""


@dataclass(frozen=True)
class OfferFact:
    member_id: int
    created_at: datetime


@dataclass(frozen=True)
class ThanksFact:
    giver_id: int
    created_at: datetime


@dataclass(frozen=True)
class MemberFact:
    id: int
    first_used_at: datetime | None
    """When they first used givefirst themselves (None: imported, thanked or named
    by others, and not yet)."""
    erased: bool = False
    """They asked to be forgotten (or their community was): counted, never named."""


@dataclass(frozen=True)
class RoundGroupFact:
    """A pair or trio a give-first round introduced, and whether they said they met."""

    slot: datetime
    met: bool


@dataclass(frozen=True)
class HealthFacts:
    """A community's whole history, reduced to what its figures need."""

    asks: Sequence[AskFact]
    introductions: Sequence[IntroductionFact]
    offers: Sequence[OfferFact]
    thanks: Sequence[ThanksFact]
    members: Sequence[MemberFact]
    round_groups: Sequence[RoundGroupFact] = ()
    round_members: int = 0
    """Members in the give-first rounds now."""
