"""Who holds each skill and word, kept as arrays rather than a dictionary per word.

At 100,000 members a community's word index holds about two million (member, count)
pairs. Kept as one dictionary per word they took about 40 bytes a pair, and scoring an
ask walked them one by one in Python: 2.4 ms for a typical ask and 14 ms for one with
several common words. Here each word's holders are two numpy arrays (a member's slot
and a small count, five bytes a pair), and an ask is scored by adding whole arrays at
once into one score per slot.

Members are numbered by *slot* (:class:`Slots`), a small number reused after a member
leaves, so that scores can be kept in one dense array per ask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


class Slots:
    """Small numbers for members, reused after a member leaves."""

    def __init__(self) -> None:
        self._slot_of: dict[int, int] = {}
        self._members = np.zeros(64, dtype=np.int64)
        self._free: list[int] = []

    def __len__(self) -> int:
        """One more than the highest slot ever taken: the size of a dense score array."""
        return len(self._slot_of) + len(self._free)

    def of(self, member_id: int) -> int | None:
        return self._slot_of.get(member_id)

    def of_each(self, members: Sequence[int]) -> npt.NDArray[np.int64]:
        """:meth:`of` for each of these members, -1 for those without a slot."""
        slot_of = self._slot_of
        found = (slot_of.get(member, -1) for member in members)
        return np.fromiter(found, dtype=np.int64, count=len(members))

    def take(self, member_id: int) -> int:
        slot = self._slot_of.get(member_id)
        if slot is None:
            slot = self._free.pop() if self._free else len(self)
            if slot >= len(self._members):
                self._members = np.concatenate([self._members, np.zeros_like(self._members)])
            self._slot_of[member_id] = slot
            self._members[slot] = member_id
        return slot

    def release(self, member_id: int) -> None:
        slot = self._slot_of.pop(member_id, None)
        if slot is not None:
            self._free.append(slot)

    def members(self, slots: npt.NDArray[np.int32]) -> npt.NDArray[np.int64]:
        return self._members[slots]


_NO_SLOTS = np.zeros(0, dtype=np.int32)
_NO_VALUES = np.zeros(0, dtype=np.uint8)


class Postings:
    """The members holding one skill or word, each with a small count (1–255), in the
    order they came: as a dictionary would keep them, so that scores and their ties
    come out the same. Members added are gathered in lists and written into the arrays
    a few dozen at a time (a numpy write per member made building a 100,000-member
    index about a tenth slower). A member removed leaves a zero behind until zeros are as
    many as the members left, when the arrays are compacted."""

    __slots__ = ("_live", "_new_slots", "_new_values", "_size", "_slots", "_values")

    GATHERED = 32

    def __init__(self) -> None:
        self._slots = _NO_SLOTS  # replaced, never written, when members come
        self._values = _NO_VALUES
        self._size = 0
        self._live = 0
        self._new_slots: list[int] = []
        self._new_values: list[int] = []

    def __len__(self) -> int:
        return self._live

    def append(self, slot: int, value: int) -> None:
        """A member not holding it yet (the caller knows: their old entries are gone)."""
        self._new_slots.append(slot)
        self._new_values.append(value)
        self._live += 1
        if len(self._new_slots) >= self.GATHERED:
            self._write()

    def get(self, slot: int) -> int:
        position = self._position(slot)
        return 0 if position is None else int(self._values[position])

    def set(self, slot: int, value: int) -> None:
        """A member's count, replaced where they are (or added at the end)."""
        position = self._position(slot)
        if position is None:
            self.append(slot, value)
        else:
            self._values[position] = value

    def remove(self, slot: int) -> None:
        position = self._position(slot)
        if position is None:
            return
        self._values[position] = 0
        self._live -= 1
        if self._size - self._live > max(self._live, 16):
            kept = self._values[: self._size] > 0
            self._slots = self._slots[: self._size][kept]
            self._values = self._values[: self._size][kept]
            self._size = self._live

    def arrays(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
        """Slots and counts, in order (a removed member's count is 0)."""
        self._write()
        return self._slots[: self._size], self._values[: self._size]

    def _position(self, slot: int) -> int | None:
        slots, values = self.arrays()
        found = np.flatnonzero((slots == slot) & (values > 0))
        return int(found[0]) if len(found) else None

    def _write(self) -> None:
        added = len(self._new_slots)
        if not added:
            return
        size = self._size + added
        if size > len(self._slots):
            room = max(size, 2 * len(self._slots))
            self._slots = np.resize(self._slots, room)
            self._values = np.resize(self._values, room)
        self._slots[self._size : size] = self._new_slots
        self._values[self._size : size] = self._new_values
        self._size = size
        self._new_slots.clear()
        self._new_values.clear()


@dataclass(frozen=True, slots=True)
class WordScores:
    """Every member an ask reaches by words, with their relevance: ``members`` in the
    order the ask first reached them, as a dictionary of scores would keep them. Read
    it before the index changes (a slot may then be someone else's)."""

    members: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]
    by_slot: npt.NDArray[np.float64]
    slots: Slots

    def __len__(self) -> int:
        return len(self.members)

    def get(self, member_id: int) -> float:
        """A member's relevance; 0 for one the ask does not reach."""
        slot = self.slots.of(member_id)
        return 0.0 if slot is None or slot >= len(self.by_slot) else float(self.by_slot[slot])

    def of(self, members: Sequence[int]) -> npt.NDArray[np.float64]:
        """:meth:`get` for each of these members, as an array."""
        slots = self.slots.of_each(members)
        known = (slots >= 0) & (slots < len(self.by_slot))
        found = np.zeros(len(slots), dtype=np.float64)
        found[known] = self.by_slot[slots[known]]
        return found

    def best(self, count: int) -> list[int]:
        """The ``count`` most relevant, best first; of equal ones, the first reached
        (as :func:`heapq.nlargest` picks from a dictionary)."""
        scores = self.scores
        if count <= 0 or not len(scores):
            return []
        if len(scores) > count:
            threshold = -np.partition(-scores, count - 1)[count - 1]
            rows = np.flatnonzero(scores >= threshold)
        else:
            rows = np.arange(len(scores))
        rows = rows[np.argsort(-scores[rows], kind="stable")][:count]
        return self.members[rows].tolist()  # type: ignore[no-any-return]

    def as_dict(self) -> dict[int, float]:
        return dict(zip(self.members.tolist(), self.scores.tolist(), strict=True))


Feature = tuple[float, Postings, Sequence[float]]
"""What an ask looks for: (weight, the holders, what each count is worth per weight)."""


def scored(features: Sequence[Feature], slots: Slots, exact_limit: int, per: float) -> WordScores:
    """Members' relevance: the sum of ``weight × worth[count] / per`` over the features
    they hold. Features are taken rarest first; one held by more than ``exact_limit``
    members only adds to members reached before, and to the first ``exact_limit`` of
    its own (common words cannot change who is best once rarer ones have spoken)."""
    size = len(slots)
    totals = np.zeros(size, dtype=np.float64)
    reached = np.zeros(size, dtype=bool)
    order: list[npt.NDArray[np.int32]] = []
    for weight, postings, worth in sorted(features, key=lambda feature: len(feature[1])):
        table = np.array([weight * value / per for value in worth], dtype=np.float64)
        holders, counts = postings.arrays()
        held = counts > 0
        if len(postings) > exact_limit:
            first = np.flatnonzero(held)[:exact_limit]
            held &= reached[holders]
            held[first] = True
        holders, counts = holders[held], counts[held]
        new = holders[~reached[holders]]
        reached[new] = True
        order.append(new)
        totals[holders] += table[counts]
    first_reached = np.concatenate(order) if order else np.zeros(0, dtype=np.int32)
    return WordScores(slots.members(first_reached), totals[first_reached], totals, slots)
