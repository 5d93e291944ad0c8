"""When a member is a confident suggestion: the rules of :mod:`bot.matching.hybrid`
on vectors made to order, so each rule is seen on its own."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from bot.matching import HelperProfile, MatchContext, OfferText
from bot.matching.fields import Vector, packed
from bot.matching.hybrid import HybridSearch
from bot.matching.index import MatchIndex
from bot.matching.vectors import VectorIndex
from bot.skills import Vocabulary

DIMENSIONS = 16
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
ASK: Vector = np.eye(DIMENSIONS, dtype=np.float32)[0]


def at_cosine(cosine: float, other_axis: int) -> Vector:
    """A unit vector this close to the ask."""
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[0], vector[other_axis] = cosine, math.sqrt(1 - cosine**2)
    return vector


def community(cosines: dict[int, float]) -> HybridSearch:
    """Members with one offer each, as close to the ask as given."""
    words, vectors = MatchIndex(Vocabulary.default()), VectorIndex(DIMENSIONS)
    for member, cosine in cosines.items():
        offer = OfferText(offer_id=member, text="something to give")
        words.upsert(HelperProfile(member, f"m{member}", (), offers=(offer,)))
        vectors.put(member, [packed(f"offer:{member}", offer.text, at_cosine(cosine, member))])
    return HybridSearch(words, vectors)


def test_many_members_saying_what_the_ask_says_are_confident_though_none_stands_out() -> None:
    search = community({member: 0.7 for member in range(1, 13)})
    ranking = search.rank("ask", ASK)
    assert ranking.margin is not None and ranking.margin < 0.05, "nobody stands out"
    found = search.choose(ranking, MatchContext(asker_id=99, now=NOW))
    assert len(found.confident) == 3


def test_only_members_who_say_it_themselves_are_confident_when_that_is_the_reason() -> None:
    """The asker's own offer says what the ask says; the others, a little further off,
    do not: they are leads, not confident suggestions picked by fairness."""
    search = community({1: 0.6, **{member: 0.5 for member in range(2, 13)}})
    ranking = search.rank("ask", ASK)
    assert ranking.sure and ranking.says_the_same
    found = search.choose(ranking, MatchContext(asker_id=1, now=NOW))
    assert found.confident == [] and len(found.closest) == 2
    assert 1 not in [c.member_id for c in found.closest]
