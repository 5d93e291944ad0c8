"""Helper ranking (interim: skill overlap; the full engine replaces this)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.skills import Vocabulary


@dataclass(frozen=True)
class OfferText:
    offer_id: int
    text: str


@dataclass(frozen=True)
class HelperProfile:
    member_id: int
    name: str
    skills: tuple[str, ...]
    bio: str = ""
    offers: tuple[OfferText, ...] = ()
    timezone: str | None = None


@dataclass(frozen=True)
class MatchContext:
    asker_id: int
    now: datetime
    unavailable: frozenset[int] = frozenset()
    recent_introductions: Mapping[int, int] = field(default_factory=dict)
    capacity: int = 2
    previous_partners: frozenset[int] = frozenset()
    asker_timezone: str | None = None


@dataclass(frozen=True)
class Candidate:
    member_id: int
    score: float
    reasons: tuple[str, ...]


class MatchIndex:
    def __init__(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary
        self._profiles: dict[int, HelperProfile] = {}

    def upsert(self, profile: HelperProfile) -> None:
        self._profiles[profile.member_id] = profile

    def remove(self, member_id: int) -> None:
        self._profiles.pop(member_id, None)

    def search(self, ask_text: str, context: MatchContext, top: int = 3) -> list[Candidate]:
        wanted = set(self._vocabulary.extract(ask_text))
        ranked: list[Candidate] = []
        for p in self._profiles.values():
            if p.member_id == context.asker_id or p.member_id in context.unavailable:
                continue
            if context.recent_introductions.get(p.member_id, 0) >= context.capacity:
                continue
            offered = {s for o in p.offers for s in self._vocabulary.extract(o.text)}
            overlap = wanted & (set(p.skills) | offered)
            if overlap:
                score = len(overlap) + (0.5 if p.member_id not in context.previous_partners else 0)
                ranked.append(
                    Candidate(p.member_id, score, (f"skills: {', '.join(sorted(overlap))}",))
                )
        ranked.sort(key=lambda c: -c.score)
        return ranked[:top]


def asks_for_helper(
    skills: tuple[str, ...], open_asks: list[tuple[int, str]], vocabulary: Vocabulary, top: int = 3
) -> list[int]:
    mine = set(skills)
    return [ask_id for ask_id, t in open_asks if mine & set(vocabulary.extract(t))][:top]
