"""What members of a round could give each other, found by the matching engine.

Each participant's public open asks are searched among the other participants, as
``/ask`` would search them; whoever the engine finds relevant could give the asker
something, with the engine's reasons. Private asks are never read here: what the
pairing finds is told to both members. This is the one place that connects rounds
to the engine; the pairing sees only :class:`bot.rounds.GiveFit`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.matching import HelperProfile, MatchContext, MatchIndex
from bot.skills import Vocabulary

GIVERS_PER_ASK = 8
ASKS_PER_MEMBER = 5
"""A member's newest public open asks that are searched; older ones rarely add a giver."""


@dataclass(frozen=True, slots=True)
class Giving:
    """Something one member could give another: the ask it answers, and why."""

    ask: str
    reasons: tuple[str, ...]
    fit: float
    """From just above 0.5 (relevant) to 1 (the best giver for that ask)."""


class AskFit:
    """:class:`bot.rounds.GiveFit` through the matching engine, over one round's members.

    Built once per round from the participants' profiles and public open asks
    (``asks`` by member id, oldest first); then each look-up is a dictionary read."""

    def __init__(
        self,
        profiles: Sequence[HelperProfile],
        asks: Mapping[int, Sequence[str]],
        vocabulary: Vocabulary,
        now: datetime,
    ) -> None:
        index = MatchIndex(vocabulary)
        for profile in profiles:
            index.upsert(profile)
        self._givings: dict[int, dict[int, Giving]] = {}
        for receiver, texts in asks.items():
            if receiver not in index:
                continue
            found: dict[int, Giving] = {}
            for text in texts[-ASKS_PER_MEMBER:]:
                context = MatchContext(asker_id=receiver, now=now)
                ranked = index.search(text, context, top=GIVERS_PER_ASK)
                best = max((c.score for c in ranked), default=0.0)
                for candidate in ranked:
                    fit = 0.5 + 0.5 * candidate.score / best if best > 0 else 0.5
                    known = found.get(candidate.member_id)
                    if known is None or known.fit < fit:
                        found[candidate.member_id] = Giving(text, candidate.reasons, fit)
            if found:
                self._givings[receiver] = found

    def fit(self, giver: int, receiver: int) -> float:
        giving = self.giving(giver, receiver)
        return giving.fit if giving is not None else 0.0

    def likely_givers(self, receiver: int) -> Iterable[int]:
        found = self._givings.get(receiver, {})
        return sorted(found, key=lambda giver: (-found[giver].fit, giver))

    def giving(self, giver: int, receiver: int) -> Giving | None:
        """What ``giver`` could give ``receiver``, if anything they asked for."""
        return self._givings.get(receiver, {}).get(giver)
