"""The labelled community: regressions in matching quality fail here."""

from __future__ import annotations

import pytest

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
    pytest.importorskip("rank_bm25")
    from bench.matching_quality import bm25_ranker

    baseline = evaluate(bm25_ranker(eval_set), eval_set.asks)
    assert givefirst.hit_at_3 - baseline.hit_at_3 >= 0.10
