"""When a member is a confident suggestion: the rules of :mod:`bot.matching.hybrid`
on vectors made to order, so each rule is seen on its own."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

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
        axis = 1 + (member - 1) % (DIMENSIONS - 1)  # off the ask's own axis
        offer = OfferText(offer_id=member, text="something to give")
        words.upsert(HelperProfile(member, f"m{member}", (), offers=(offer,)))
        vectors.put(member, [packed(f"offer:{member}", offer.text, at_cosine(cosine, axis))])
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


def loosely_close(members: int, best: float) -> HybridSearch:
    """One member this close to the ask, four loosely close behind them, and everyone
    else unrelated."""
    cosines = {1: best, **{member: 0.35 for member in range(2, 6)}}
    return community(cosines | {member: 0.05 for member in range(6, members + 1)})


def test_in_a_small_community_the_closest_of_a_few_loosely_close_members_is_only_a_lead() -> None:
    """With 15 members the tenth best is near the bottom: leading them proves little.
    The best is compared with the fifth best instead, and here leads it by too little."""
    search = loosely_close(15, best=0.45)
    found = search.choose(search.rank("ask", ASK), MatchContext(asker_id=99, now=NOW))
    assert found.confident == []
    assert [c.member_id for c in found.closest][:1] == [1]


def test_in_a_small_community_a_member_who_stands_out_is_still_confident() -> None:
    search = loosely_close(15, best=0.7)
    found = search.choose(search.rank("ask", ASK), MatchContext(asker_id=99, now=NOW))
    assert [c.member_id for c in found.confident] == [1]


def test_in_a_community_of_a_hundred_the_best_is_still_compared_with_the_tenth() -> None:
    """Four loosely close members among a hundred are not the crowd the best must
    stand out from."""
    search = loosely_close(100, best=0.45)
    found = search.choose(search.rank("ask", ASK), MatchContext(asker_id=99, now=NOW))
    assert 1 in [c.member_id for c in found.confident]


def with_skills(holders: int, members: int, skill: str, near_miss: bool = False) -> HybridSearch:
    """``holders`` members who declared a skill, as loosely close to the ask as each
    other, and unrelated members besides (and, with ``near_miss``, one more without
    the skill, nearly as close as the holders)."""
    words, vectors = MatchIndex(Vocabulary.default()), VectorIndex(DIMENSIONS)
    for member in range(1, members + 1):
        held = member <= holders
        skills = (skill,) if held else ("knitting",)
        words.upsert(HelperProfile(member, f"m{member}", skills))
        axis = 1 + (member - 1) % (DIMENSIONS - 1)
        cosine = 0.4 if held else 0.05
        vectors.put(member, [packed(f"skills:{member}", "x", at_cosine(cosine, axis))])
    if near_miss:
        words.upsert(HelperProfile(members + 1, "near", ("knitting",)))
        vectors.put(members + 1, [packed("skills:near", "x", at_cosine(0.39, 3))])
    return HybridSearch(words, vectors)


def test_when_many_members_have_the_skill_an_ask_names_they_are_confident_suggestions() -> None:
    """A tech community where dozens list Python: "help with python" was answered
    "no one is a clear fit yet", as if nobody had offered it."""
    search = with_skills(holders=15, members=40, skill="python")
    ranking = search.rank("can anyone help with python?", ASK)
    assert ranking.margin is not None and ranking.margin < 0.05, "nobody stands out"
    assert ranking.sure and ranking.many_have_it
    found = search.choose(ranking, MatchContext(asker_id=99, now=NOW))
    assert len(found.confident) == 3 and all(c.member_id <= 15 for c in found.confident)


def test_many_members_equally_close_to_an_ask_that_names_nothing_they_have_are_leads() -> None:
    search = with_skills(holders=15, members=40, skill="python")
    ranking = search.rank("my neighbour's tree fell on my shed", ASK)
    assert not ranking.sure and not ranking.many_have_it
    found = search.choose(ranking, MatchContext(asker_id=99, now=NOW))
    assert found.confident == [] and len(found.closest) == 2


def test_a_skill_a_few_members_have_is_decided_by_how_far_they_stand_out() -> None:
    """Four holders among forty stand out from the tenth best as usual: being sure does
    not rest on many having it."""
    search = with_skills(holders=4, members=40, skill="python")
    ranking = search.rank("can anyone help with python?", ASK)
    assert ranking.sure and not ranking.many_have_it
    found = search.choose(ranking, MatchContext(asker_id=99, now=NOW))
    assert {c.member_id for c in found.confident} <= {1, 2, 3, 4}


def test_only_members_who_have_the_skill_are_picked_when_that_is_the_reason() -> None:
    """Fifteen members have Python, each introduced once this week; a sixteenth
    without it scores nearly as well and has helped nobody. Fairness picks among those
    who have what is asked, not the one who merely scores near them."""
    search = with_skills(holders=15, members=40, skill="python", near_miss=True)
    ranking = search.rank("can anyone help with python?", ASK)
    assert ranking.many_have_it and 41 in ranking.leaders(20)
    busy = MatchContext(asker_id=99, now=NOW, recent_introductions=dict.fromkeys(range(1, 16), 1))
    found = search.choose(ranking, busy)
    assert found.confident and all(c.member_id <= 15 for c in found.confident)


def test_a_member_whose_words_have_no_vector_yet_is_ranked_by_their_words_alone() -> None:
    """Member 30 offered beekeeping from a process without the sentence model: they
    are still found for an ask that names it, behind members whose words are as close
    by meaning, and equally ranked members come in the order they joined."""
    search = community({member: 0.3 for member in range(1, 13)})
    words = search._words
    words.upsert(HelperProfile(30, "bees", (), offers=(OfferText(30, "I keep #beekeeping"),)))

    ranking = search.rank("any tips on #beekeeping for a first hive?", ASK)

    assert [member for member, _ in ranking.scores[:12]] == list(range(1, 13))
    assert ranking.scores[12][0] == 30, "after the twelve, by words alone"
    assert ranking.scores[12][1] == pytest.approx(0.2)  # all the words can add
    assert ranking.scores[0][1] == pytest.approx(0.3 + 0.3 * 0.3, abs=0.01)
    assert 30 not in ranking.closeness and 1 in ranking.closeness
    why = search.explain(30, ranking, MatchContext(asker_id=99, now=NOW))
    assert any("beekeeping" in reason for reason in why)
