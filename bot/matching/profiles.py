"""What the matcher knows about helpers, about the person asking, and what it answers."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class OfferText:
    """An open offer of help, as its author wrote it."""

    offer_id: int
    text: str


@dataclass(frozen=True, slots=True)
class HelperProfile:
    """A member who could help: declared skills, bio and open offers."""

    member_id: int
    name: str
    skills: tuple[str, ...]
    bio: str = ""
    offers: tuple[OfferText, ...] = ()
    timezone: str | None = None


@dataclass(frozen=True)
class MatchContext:
    """Who is asking, when, and which helpers are off limits or already busy."""

    asker_id: int
    now: datetime
    unavailable: Container[int] = frozenset()
    recent_introductions: Mapping[int, int] = field(default_factory=dict)
    capacity: int = 2
    previous_partners: frozenset[int] = frozenset()
    asker_timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A suggested helper, with the evidence that made them a match."""

    member_id: int
    score: float
    reasons: tuple[str, ...]
