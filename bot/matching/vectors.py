"""Members' words as vectors, searched by meaning.

Each member has a vector per field (skills, bio, each open offer) and one for their
profile as a whole (the normalised mean of their fields). A search scores every
profile at once, then each field of the most promising members: a member is as close
to an ask as the closest of their words. Vectors are kept as int8 with a scale per
row, a quarter of their float size, and turned back into floats a block at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldVector
from bot.matching.fields import Vector, unpacked

BLOCK = 8192
"""Profiles turned back into floats at a time: large enough for fast matrix products,
small enough to stay in the processor's caches."""
SHORTLIST = 300
"""Members whose fields are all scored for an ask: the closest profiles."""


@dataclass(frozen=True, slots=True)
class Closeness:
    """How close a member's words are to an ask."""

    best_field: float
    best_key: str
    """The field closest to the ask (``offer:12``, ``bio:3`` …)."""
    profile: float


@dataclass(slots=True)
class _Fields:
    keys: tuple[str, ...]
    components: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]


class VectorIndex:
    """A community's field and profile vectors, updated member by member."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._rows = np.zeros((0, dimensions), dtype=np.int8)
        self._scales = np.zeros(0, dtype=np.float32)
        self._owners = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._free: list[int] = []
        self._fields: dict[int, _Fields] = {}

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._fields

    def put(self, member_id: int, vectors: Sequence[FieldVector]) -> None:
        """Replace a member's field vectors (none removes them)."""
        usable = [v for v in vectors if len(v.components) == self._dimensions]
        if not usable:
            self.remove(member_id)
            return
        self._fields[member_id] = _Fields(
            tuple(v.key for v in usable),
            np.vstack([np.frombuffer(v.components, dtype=np.int8) for v in usable]),
            np.array([v.scale for v in usable], dtype=np.float32),
        )
        profile = np.vstack([unpacked(v) for v in usable]).mean(axis=0)
        profile /= max(float(np.linalg.norm(profile)), 1e-9)
        peak = float(np.max(np.abs(profile))) or 1.0
        row = self._row_of.get(member_id)
        if row is None:
            row = self._free.pop() if self._free else self._grow()
            self._row_of[member_id] = row
        self._rows[row] = np.clip(np.rint(profile / peak * 127.0), -127, 127).astype(np.int8)
        self._scales[row] = peak / 127.0
        self._owners[row] = member_id

    def remove(self, member_id: int) -> None:
        self._fields.pop(member_id, None)
        row = self._row_of.pop(member_id, None)
        if row is not None:
            self._scales[row] = 0.0
            self._owners[row] = -1
            self._free.append(row)

    def closest(
        self,
        ask: Vector,
        *,
        also: Iterable[int] = (),
        shortlist: int = SHORTLIST,
    ) -> dict[int, Closeness]:
        """The members whose profiles are closest to the ask, and ``also`` these,
        each with their closest field."""
        chosen = set(self._shortlist(ask, shortlist))
        chosen.update(member for member in also if member in self._fields)
        found: dict[int, Closeness] = {}
        for member in chosen:
            fields = self._fields[member]
            scores = (fields.components.astype(np.float32) @ ask) * fields.scales
            best = int(np.argmax(scores))
            row = self._row_of[member]
            profile = float(self._rows[row].astype(np.float32) @ ask) * float(self._scales[row])
            found[member] = Closeness(float(scores[best]), fields.keys[best], profile)
        return found

    def _shortlist(self, ask: Vector, size: int) -> list[int]:
        used = len(self._owners)
        if used == 0:
            return []
        scores = np.empty(used, dtype=np.float32)
        for start in range(0, used, BLOCK):
            block = self._rows[start : start + BLOCK].astype(np.float32)
            scores[start : start + BLOCK] = block @ ask
        scores *= self._scales
        scores[self._owners < 0] = -np.inf
        best = np.argpartition(-scores, size)[:size] if used > size else np.arange(used)
        return [int(self._owners[row]) for row in best if self._owners[row] >= 0]

    def _grow(self) -> int:
        used = len(self._owners)
        capacity = max(64, used * 2)
        rows = np.zeros((capacity, self._dimensions), dtype=np.int8)
        rows[:used] = self._rows
        scales = np.zeros(capacity, dtype=np.float32)
        scales[:used] = self._scales
        owners = np.full(capacity, -1, dtype=np.int64)
        owners[:used] = self._owners
        self._rows, self._scales, self._owners = rows, scales, owners
        self._free.extend(range(capacity - 1, used, -1))
        return used


class AskVectors:
    """The vectors of asks still looking for a helper, so that a new offer finds the
    asks it could answer without scoring each of them."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._vectors: dict[int, Vector] = {}
        self._matrix: npt.NDArray[np.float32] | None = None
        self._ids: list[int] = []

    def put(self, ask_id: int, vector: FieldVector | None) -> None:
        if vector is None or len(vector.components) != self._dimensions:
            self.remove(ask_id)
            return
        self._vectors[ask_id] = unpacked(vector)
        self._matrix = None

    def remove(self, ask_id: int) -> None:
        if self._vectors.pop(ask_id, None) is not None:
            self._matrix = None

    def closest(self, offer: Vector, floor: float, limit: int) -> list[int]:
        """Asks at least ``floor`` close to an offer, closest first."""
        if not self._vectors:
            return []
        if self._matrix is None:
            self._ids = list(self._vectors)
            self._matrix = np.vstack([self._vectors[i] for i in self._ids])
        scores = self._matrix @ offer
        order = np.argsort(-scores)[:limit]
        return [self._ids[i] for i in order if scores[i] >= floor]
