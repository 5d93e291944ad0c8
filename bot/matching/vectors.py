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


class _Rows:
    """Unit vectors, one per owner, in blocks of a fixed size: growing adds a block
    instead of copying every row into a larger matrix (at 100,000 members, a copy of
    150 MB that would hold up everything else), and scoring is one product per block."""

    BLOCK = 8_192

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._blocks: list[npt.NDArray[np.float32]] = []
        self._owners = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._row_of)

    def row_of(self, owner: int) -> int:
        return self._row_of[owner]

    def put(self, owner: int, vector: Vector) -> None:
        row = self._row_of.get(owner)
        if row is None:
            row = self._free.pop() if self._free else self._grow()
            self._row_of[owner] = row
        block, offset = divmod(row, self.BLOCK)
        self._blocks[block][offset] = vector
        self._owners[row] = owner

    def remove(self, owner: int) -> None:
        row = self._row_of.pop(owner, None)
        if row is not None:
            block, offset = divmod(row, self.BLOCK)
            self._blocks[block][offset] = 0.0
            self._owners[row] = -1
            self._free.append(row)

    def scores(self, query: Vector) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
        """Every row's closeness to the query (free rows: minus infinity), and owners."""
        if not self._blocks:
            return np.zeros(0, dtype=np.float32), self._owners
        scores = np.concatenate([block @ query for block in self._blocks])
        scores[self._owners < 0] = -np.inf
        return scores, self._owners

    def _grow(self) -> int:
        used = len(self._owners)
        self._blocks.append(np.zeros((self.BLOCK, self._dimensions), dtype=np.float32))
        self._owners = np.concatenate([self._owners, np.full(self.BLOCK, -1, dtype=np.int64)])
        self._free.extend(range(used + self.BLOCK - 1, used, -1))
        return used


def _best(scores: npt.NDArray[np.float32], size: int) -> npt.NDArray[np.intp]:
    """The rows of the ``size`` highest scores, best first."""
    if len(scores) > size:
        top = np.argpartition(-scores, size)[:size]
        return top[np.argsort(-scores[top])]
    return np.argsort(-scores)


class VectorIndex:
    """A community's field and profile vectors, updated member by member."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._profiles = _Rows(dimensions)
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
        self._profiles.put(member_id, profile)

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
        self._profiles.remove(member_id)

    def closest(
        self,
        ask: Vector,
        *,
        also: Iterable[int] = (),
        shortlist: int = SHORTLIST,
    ) -> dict[int, Closeness]:
        """The members whose profiles are closest to the ask, and ``also`` these,
        each with their closest field."""
        if not self._fields:
            return {}
        profile_scores, owners = self._profiles.scores(ask)
        chosen = dict.fromkeys(
            int(owners[row]) for row in _best(profile_scores, shortlist) if owners[row] >= 0
        )
        chosen.update(dict.fromkeys(member for member in also if member in self._fields))
        members = list(chosen)
        fields = [self._fields[member] for member in members]
        # Every field of every chosen member in one product, then the best per member.
        components = np.concatenate([f.components for f in fields])
        scales = np.concatenate([f.scales for f in fields])
        scores = ((components.astype(np.float32) @ ask) * scales).tolist()
        rows = [self._profiles.row_of(member) for member in members]
        profiles = profile_scores[rows].tolist()
        found: dict[int, Closeness] = {}
        start = 0
        for member, field, profile in zip(members, fields, profiles, strict=True):
            end = start + len(field.keys)
            best = max(range(start, end), key=scores.__getitem__)
            found[member] = Closeness(scores[best], field.keys[best - start], profile)
            start = end
        return found


class AskVectors:
    """The vectors of asks still looking for a helper, so that a new offer finds the
    asks it could answer without scoring each of them."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._rows = _Rows(dimensions)

    def __len__(self) -> int:
        return len(self._rows)

    def put(self, ask_id: int, vector: FieldVector | None) -> None:
        if vector is None or len(vector.components) != self._dimensions:
            self.remove(ask_id)
            return
        self._rows.put(ask_id, unpacked(vector))

    def remove(self, ask_id: int) -> None:
        self._rows.remove(ask_id)

    def closest(self, offer: Vector, floor: float, limit: int) -> list[int]:
        """Asks at least ``floor`` close to an offer, closest first."""
        if not len(self._rows):
            return []
        scores, ids = self._rows.scores(offer)
        return [int(ids[row]) for row in _best(scores, limit) if scores[row] >= floor]
