"""Members' words as vectors, searched by meaning.

Each member has a vector per field (skills, bio, each open offer) and one for their
profile as a whole (the normalised mean of their fields). A search scores every
profile at once, in one matrix product over floats kept ready for it, then each
field of the most promising members, together: a member is as close to an ask as the
closest of their words. Field vectors, of which there are several per member, are
kept as int8 with a scale per row (a quarter of their float size) and turned back
into floats only for the members a search shortlists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldVector
from bot.matching.fields import Vector, unpacked

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
        self._profiles = np.zeros((0, dimensions), dtype=np.float32)
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
        row = self._row_of.get(member_id)
        if row is None:
            row = self._free.pop() if self._free else self._grow()
            self._row_of[member_id] = row
        self._profiles[row] = profile
        self._owners[row] = member_id

    def field_vector(self, member_id: int, key: str) -> Vector | None:
        """One of a member's fields (``offer:12`` …) as a vector, if it is indexed."""
        fields = self._fields.get(member_id)
        if fields is None or key not in fields.keys:
            return None
        row = fields.keys.index(key)
        vector: Vector = fields.components[row].astype(np.float32) * fields.scales[row]
        return vector

    def remove(self, member_id: int) -> None:
        self._fields.pop(member_id, None)
        row = self._row_of.pop(member_id, None)
        if row is not None:
            self._profiles[row] = 0.0
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
        chosen = dict.fromkeys(self._shortlist(ask, shortlist))
        chosen.update(dict.fromkeys(member for member in also if member in self._fields))
        members = list(chosen)
        if not members:
            return {}
        fields = [self._fields[member] for member in members]
        # Every field of every chosen member in one product, then the best per member.
        components = np.concatenate([f.components for f in fields])
        scales = np.concatenate([f.scales for f in fields])
        scores = ((components.astype(np.float32) @ ask) * scales).tolist()
        rows = [self._row_of[member] for member in members]
        profiles = (self._profiles[rows] @ ask).tolist()
        found: dict[int, Closeness] = {}
        start = 0
        for member, field, profile in zip(members, fields, profiles, strict=True):
            end = start + len(field.keys)
            best = max(range(start, end), key=scores.__getitem__)
            found[member] = Closeness(scores[best], field.keys[best - start], profile)
            start = end
        return found

    def _shortlist(self, ask: Vector, size: int) -> list[int]:
        used = len(self._owners)
        if used == 0:
            return []
        scores = self._profiles @ ask
        scores[self._owners < 0] = -np.inf
        best = np.argpartition(-scores, size)[:size] if used > size else np.arange(used)
        return [int(owner) for owner in self._owners[best] if owner >= 0]

    def _grow(self) -> int:
        used = len(self._owners)
        capacity = max(64, used * 2)
        profiles = np.zeros((capacity, self._dimensions), dtype=np.float32)
        profiles[:used] = self._profiles
        owners = np.full(capacity, -1, dtype=np.int64)
        owners[:used] = self._owners
        self._profiles, self._owners = profiles, owners
        self._free.extend(range(capacity - 1, used, -1))
        return used


class AskVectors:
    """The vectors of asks still looking for a helper, so that a new offer finds the
    asks it could answer without scoring each of them."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._matrix = np.zeros((0, dimensions), dtype=np.float32)
        self._ids = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._row_of)

    def put(self, ask_id: int, vector: FieldVector | None) -> None:
        if vector is None or len(vector.components) != self._dimensions:
            self.remove(ask_id)
            return
        row = self._row_of.get(ask_id)
        if row is None:
            row = self._free.pop() if self._free else self._grow()
            self._row_of[ask_id] = row
        self._matrix[row] = unpacked(vector)
        self._ids[row] = ask_id

    def remove(self, ask_id: int) -> None:
        row = self._row_of.pop(ask_id, None)
        if row is not None:
            self._matrix[row] = 0.0
            self._ids[row] = -1
            self._free.append(row)

    def closest(self, offer: Vector, floor: float, limit: int) -> list[int]:
        """Asks at least ``floor`` close to an offer, closest first."""
        if not self._row_of:
            return []
        scores = self._matrix @ offer
        scores[self._ids < 0] = -np.inf
        if len(scores) > limit:
            top = np.argpartition(-scores, limit)[:limit]
            order = top[np.argsort(-scores[top])]
        else:
            order = np.argsort(-scores)
        return [int(self._ids[row]) for row in order if scores[row] >= floor]

    def _grow(self) -> int:
        used = len(self._ids)
        capacity = max(64, used * 2)
        matrix = np.zeros((capacity, self._dimensions), dtype=np.float32)
        matrix[:used] = self._matrix
        ids = np.full(capacity, -1, dtype=np.int64)
        ids[:used] = self._ids
        self._matrix, self._ids = matrix, ids
        self._free.extend(range(capacity - 1, used, -1))
        return used
