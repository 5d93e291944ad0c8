"""How sure to be, per community: the margin learned from what came of introductions."""

from __future__ import annotations

import random

from bot.matching.calibration import (
    DEFAULT,
    HIGHEST,
    LOWEST,
    MINIMUM_OUTCOMES,
    MarginOutcome,
    confident_margin,
)


def outcomes(count: int, low: float, high: float, worked: bool, seed: int) -> list[MarginOutcome]:
    rng = random.Random(seed)
    return [MarginOutcome(rng.uniform(low, high), worked) for _ in range(count)]


def test_a_young_community_keeps_the_default() -> None:
    assert confident_margin([]) == DEFAULT
    few = outcomes(MINIMUM_OUTCOMES - 1, 0.26, 0.30, worked=False, seed=1)
    assert confident_margin(few) == DEFAULT, "a handful of outcomes prove nothing"


def test_suggestions_that_did_not_work_just_above_the_bar_raise_it() -> None:
    clear = outcomes(30, 0.35, 0.7, worked=True, seed=2)
    borderline_failures = outcomes(15, 0.26, 0.31, worked=False, seed=3)
    raised = confident_margin(clear + borderline_failures)
    assert raised > max(o.margin for o in borderline_failures), raised
    assert raised <= HIGHEST


def test_leads_that_helped_just_below_the_bar_lower_it() -> None:
    clear = outcomes(30, 0.35, 0.7, worked=True, seed=4)
    helpful_leads = outcomes(15, 0.19, 0.25, worked=True, seed=5)
    lowered = confident_margin(clear + helpful_leads)
    assert lowered <= min(o.margin for o in helpful_leads), lowered
    assert lowered >= LOWEST


def test_a_few_contrary_outcomes_among_many_move_it_little() -> None:
    clear = outcomes(40, 0.3, 0.7, worked=True, seed=6)
    stray = [MarginOutcome(0.27, False), MarginOutcome(0.22, True)]
    assert abs(confident_margin(clear + stray) - DEFAULT) <= 0.01


def test_it_stays_within_bounds_however_lopsided_the_evidence() -> None:
    everything_failed = outcomes(100, 0.15, 0.5, worked=False, seed=7)
    everything_helped = outcomes(100, 0.15, 0.5, worked=True, seed=8)
    assert confident_margin(everything_failed) == HIGHEST
    assert confident_margin(everything_helped) == LOWEST
