"""How sure to be, per community: the confidence margin learned from what came of the
introductions givefirst suggested there.

One margin does not carry over between communities: in one, the right helper stands
far above everyone; in another, where many members do similar things, a right helper
leads by less, and an ask nobody can answer may leave someone standing out by chance.
So each community's margin (see :mod:`bot.matching.hybrid`) moves with its own
evidence: an introduction that helped says asks ranked with that margin can be
answered here (the bar should be no higher), one that did not work, or that the
helper declined, says a suggestion at that margin was not sure enough (the bar should
be higher). The margin chosen misplaces the fewest of the recent outcomes, with a
price on each step away from the default, so that a few outcomes move it little, and
it stays within bounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from bot.matching.hybrid import CONFIDENT_MARGIN

DEFAULT = CONFIDENT_MARGIN
"""The margin chosen on the labelled communities kept for tuning."""
LOWEST = 0.18
HIGHEST = 0.34
STEP = 0.01
MINIMUM_OUTCOMES = 20
"""Below this many outcomes the community keeps the default."""
PRICE_OF_MOVING = 8.0
"""What moving from the default to either bound costs, in outcomes it must place
better: each step of 0.01 must place one more outcome right than it loses."""
RECENT = 200
"""Outcomes read for a community, the most recent."""


class MarginOutcome(NamedTuple):
    """The margin an ask was ranked with when a helper was suggested for it, and
    whether their introduction worked out."""

    margin: float
    worked: bool


def confident_margin(outcomes: Sequence[MarginOutcome]) -> float:
    """The margin a community's best member must lead by to be suggested with
    confidence, given what came of its recent introductions."""
    if len(outcomes) < MINIMUM_OUTCOMES:
        return DEFAULT
    steps = round((HIGHEST - LOWEST) / STEP)
    candidates = [round(LOWEST + STEP * n, 2) for n in range(steps + 1)]

    def cost(bar: float) -> tuple[float, float]:
        misplaced = sum(
            1
            for o in outcomes
            if (o.worked and o.margin < bar) or (not o.worked and o.margin >= bar)
        )
        away = abs(bar - DEFAULT)
        return misplaced + PRICE_OF_MOVING * away / (HIGHEST - DEFAULT), away

    return min(candidates, key=cost)
