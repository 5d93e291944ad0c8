"""The labelled community: regressions in matching quality fail here."""

from __future__ import annotations

from bench.matching_quality import evaluate, givefirst_ranker, load_eval_set
from bot.skills import Vocabulary

vocabulary = Vocabulary.default()
eval_set = load_eval_set(vocabulary)
givefirst = evaluate(givefirst_ranker(eval_set, vocabulary), eval_set.asks)


def test_the_labelled_set_is_big_and_includes_asks_nobody_can_answer() -> None:
    assert len(eval_set.members) >= 60
    assert len(eval_set.asks) >= 80
    assert sum(1 for ask in eval_set.asks if not ask.helpers) >= 4


def test_the_right_helper_is_among_the_first_three_for_most_asks() -> None:
    assert givefirst.hit_at_3 >= 0.85, givefirst.misses


def test_asks_nobody_can_answer_mostly_get_nobody_yet() -> None:
    assert givefirst.nobody_correct >= givefirst.unanswerable - 1


def test_matching_beats_plain_bm25_by_at_least_ten_points() -> None:
    from bench.matching_quality import bm25_ranker

    baseline = evaluate(bm25_ranker(eval_set), eval_set.asks)
    assert givefirst.hit_at_3 - baseline.hit_at_3 >= 0.10


def test_searching_one_member_agrees_with_searching_everyone_for_them() -> None:
    """Re-matching asks when someone offers help checks that one member only; it must
    reach the same verdict, score and reasons as a full search limited to them."""
    from datetime import UTC, datetime

    from bot.matching import MatchContext, MatchIndex

    index = MatchIndex(vocabulary)
    for member in eval_set.members:
        index.upsert(member)
    everyone = frozenset(m.member_id for m in eval_set.members)
    now = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
    agreed = suggested = 0
    for ask in eval_set.asks:
        for member in eval_set.members[::7]:
            alone = MatchContext(asker_id=0, now=now, unavailable=everyone - {member.member_id})
            full = index.search(ask.text, alone, top=3)
            one = index.search_one(member.member_id, ask.text, alone)
            assert [c.reasons for c in full] == ([one.reasons] if one else [])
            assert [round(c.score, 3) for c in full] == ([round(one.score, 3)] if one else [])
            agreed += 1
            suggested += one is not None
    assert agreed > 500 and suggested > 20, "the comparison covers both verdicts"
