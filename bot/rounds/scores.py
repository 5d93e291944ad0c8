"""What makes two members a good pair for a give-first round, and what rules them out.

A pair scores for being a new tie (never introduced, never paired before), for what
each could give the other (in both directions, through :class:`GiveFit`), for the
waking hours they share, and for bridging: members whose past partners overlap
little would not meet through friends anyway. Pairs the hard rules forbid (met in a
recent round, declined, on someone's never list) are never scored at all.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

NEW_TIE = 1.0
"""A pair who have never been introduced nor met in a round."""
FIT = 1.0
"""Per direction: how well one could give the other something they asked for (0–1)."""
SHARED_HOURS = 0.6
"""For waking hours in common, as a share of a waking day."""
BRIDGE = 0.3
"""For past partners the two do not share."""
UNKNOWN_HOURS = 0.5
"""The share of waking hours assumed in common when a time zone is not known."""
WAKING_DAY = 14.0
"""Hours a member is awake and reachable, from 08:00 to 22:00 on their own clock."""


class GiveFit(Protocol):
    """How well one member could give another something they asked for.

    The matching engine stands behind this (see :mod:`bot.rounds.fit`); the pairing
    only reads the numbers, so the engine can change without touching the pairing."""

    def fit(self, giver: int, receiver: int) -> float:
        """From 0 (nothing the receiver asked for) to 1 (a close fit)."""
        ...

    def likely_givers(self, receiver: int) -> Iterable[int]:
        """Members most likely to fit what ``receiver`` asked for, best first."""
        ...


class NoFit:
    """Nobody asked for anything: pairs are made for new ties and shared hours alone."""

    def fit(self, giver: int, receiver: int) -> float:
        return 0.0

    def likely_givers(self, receiver: int) -> Iterable[int]:
        return ()


@dataclass(frozen=True, slots=True)
class Participant:
    """A member in a round, as the pairing sees them."""

    member_id: int
    utc_offset: float | None = None
    """Hours ahead of UTC at the round's time, when their time zone is known."""
    acquaintances: frozenset[int] = frozenset()
    """Members they were introduced to or met in an earlier round."""


@dataclass(frozen=True, slots=True)
class PairReasons:
    """Why two members were put together, for the words of their introduction."""

    new_tie: bool
    gives: float
    """How well the first could give the second something they asked for."""
    receives: float
    shared_hours: float | None
    """Waking hours in common, None when a time zone is not known."""


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def shared_waking_hours(a: float | None, b: float | None) -> float | None:
    """Hours both are awake (08:00–22:00 local), for offsets in hours ahead of UTC."""
    if a is None or b is None:
        return None
    apart = abs(a - b) % 24
    apart = min(apart, 24 - apart)
    return max(0.0, WAKING_DAY - apart)


class Scorer:
    """Pair scores for one round's participants, each computed once."""

    def __init__(
        self,
        participants: Sequence[Participant],
        fit: GiveFit,
        forbidden: Collection[tuple[int, int]] = (),
    ) -> None:
        self.people = {p.member_id: p for p in participants}
        self.fit = fit
        self._forbidden = {pair_key(a, b) for a, b in forbidden}
        self._scores: dict[tuple[int, int], float | None] = {}

    def allowed(self, a: int, b: int) -> bool:
        return a != b and pair_key(a, b) not in self._forbidden

    def score(self, a: int, b: int) -> float | None:
        """The pair's score, or None if the hard rules keep them apart."""
        key = pair_key(a, b)
        found = self._scores.get(key, -1.0)
        if found != -1.0:
            return found
        score = None
        if self.allowed(a, b):
            why = self.reasons(a, b)
            hours = UNKNOWN_HOURS if why.shared_hours is None else why.shared_hours / WAKING_DAY
            one, other = self.people[a].acquaintances, self.people[b].acquaintances
            known = len(one) + len(other)
            bridge = 1.0 - (2 * len(one & other) / known if known else 0.0)
            score = (
                NEW_TIE * why.new_tie
                + FIT * (why.gives + why.receives)
                + SHARED_HOURS * hours
                + BRIDGE * bridge
            )
        self._scores[key] = score
        return score

    def reasons(self, a: int, b: int) -> PairReasons:
        one, other = self.people[a], self.people[b]
        return PairReasons(
            new_tie=b not in one.acquaintances and a not in other.acquaintances,
            gives=self.fit.fit(a, b),
            receives=self.fit.fit(b, a),
            shared_hours=shared_waking_hours(one.utc_offset, other.utc_offset),
        )

    def group_score(self, members: Sequence[int]) -> float | None:
        """The sum of the scores of every pair in a group, None if one is forbidden."""
        total = 0.0
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                score = self.score(a, b)
                if score is None:
                    return None
                total += score
        return total
