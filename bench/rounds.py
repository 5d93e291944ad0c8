"""Repeating a latency benchmark in rounds, and summing the rounds up.

A p99 from a few hundred samples is decided by its few slowest: one garbage
collection or scheduling hiccup moves it by tens of percent. So the apps under
comparison are measured in turn, round after round, each against the floor measured
in the same round, and the summary gives the median and the worst of those ratios.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Hashable, Sequence


class Ratios:
    """p99 ratios to a floor, collected per key (e.g. backend and concurrency)."""

    def __init__(self) -> None:
        self._by_key: defaultdict[Hashable, list[float]] = defaultdict(list)

    def add(self, key: Hashable, p99_ms: float, floor_p99_ms: float) -> float:
        ratio = p99_ms / floor_p99_ms
        self._by_key[key].append(ratio)
        return ratio

    def median(self, key: Hashable) -> float:
        return statistics.median(self._by_key[key])

    def worst(self, key: Hashable) -> float:
        return max(self._by_key[key])

    def summary(self, key: Hashable) -> str:
        """``median / worst`` and every round's ratio, e.g. ``1.05x / 1.31x (0.98 1.05 1.31)``."""
        ratios: Sequence[float] = self._by_key[key]
        each = " ".join(f"{r:.2f}" for r in ratios)
        return f"{self.median(key):.2f}x / {self.worst(key):.2f}x ({each})"
