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
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldVector
from bot.matching.fields import Vector, unpacked

SHORTLIST = 300
"""Members whose fields are all scored for an ask: the closest profiles."""


class Closeness(NamedTuple):
    """How close a member's words are to an ask (a tuple: hundreds are made a search)."""

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

    def vector(self, owner: int) -> Vector:
        block, offset = divmod(self._row_of[owner], self.BLOCK)
        vector: Vector = self._blocks[block][offset]
        return vector

    def snapshot(self) -> RowsNow:
        """The rows as they are, to be scored in another thread (or later) while this
        one goes on: growing adds blocks, and the owners are copied, so a row freed and
        taken by someone else meanwhile still counts as its owner's at the snapshot
        (who has left: searches pass over them); a row rewritten meanwhile for the
        same owner is scored as either version."""
        return RowsNow(tuple(self._blocks), self._owners.copy())

    def scores(self, query: Vector, shortlist: int = SHORTLIST) -> ProfileScores:
        return self.snapshot().scores(query, shortlist)

    def _grow(self) -> int:
        used = len(self._owners)
        self._blocks.append(np.zeros((self.BLOCK, self._dimensions), dtype=np.float32))
        self._owners = np.concatenate([self._owners, np.full(self.BLOCK, -1, dtype=np.int64)])
        self._free.extend(range(used + self.BLOCK - 1, used, -1))
        return used


@dataclass(frozen=True, slots=True)
class ProfileScores:
    """Every row's closeness to an ask (free rows: minus infinity), with its owner, and
    the rows of the ``picked`` closest, best first."""

    scores: npt.NDArray[np.float32]
    owners: npt.NDArray[np.int64]
    shortlist: npt.NDArray[np.intp]
    picked: int

    def best(self, size: int) -> npt.NDArray[np.intp]:
        """The rows of the ``size`` highest scores, best first."""
        return self.shortlist[:size] if size <= self.picked else _best(self.scores, size)


@dataclass(frozen=True, slots=True)
class RowsNow:
    """A snapshot of :class:`_Rows` (see :meth:`_Rows.snapshot`)."""

    blocks: tuple[npt.NDArray[np.float32], ...]
    owners: npt.NDArray[np.int64]

    def scores(self, query: Vector, shortlist: int = SHORTLIST) -> ProfileScores:
        return self.scores_for([query], shortlist)[0]

    def scores_for(
        self, queries: Sequence[Vector], shortlist: int = SHORTLIST
    ) -> list[ProfileScores]:
        """:meth:`scores` for several queries in one product: each block is read from
        memory once for all of them, which is most of what scoring costs. The
        ``shortlist`` best rows of each are picked here too, in the thread that scores
        if it is another (at 100,000 members, half a millisecond a query)."""
        if not self.blocks or not queries:
            empty = np.zeros(0, dtype=np.float32)
            nothing = np.zeros(0, dtype=np.intp)
            return [ProfileScores(empty, self.owners, nothing, shortlist) for _ in queries]
        wanted = np.stack(queries, axis=1)
        scores = np.concatenate([block @ wanted for block in self.blocks]).T.copy()
        scores[:, self.owners < 0] = -np.inf
        return [ProfileScores(row, self.owners, _best(row, shortlist), shortlist) for row in scores]


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
        components = np.frombuffer(b"".join(v.components for v in usable), dtype=np.int8)
        components = components.reshape(len(usable), self._dimensions)
        scales = np.array([v.scale for v in usable], dtype=np.float32)
        self._fields[member_id] = _Fields(tuple(v.key for v in usable), components, scales)
        profile: Vector = scales @ components.astype(np.float32)  # the mean, up to scale
        profile /= np.float32(max(float(np.linalg.norm(profile)), 1e-9))
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

    def profiles_now(self) -> RowsNow:
        """Every member's profile vector as it is, for :meth:`RowsNow.scores` in another
        thread (the product over a large community's profiles is most of a search)."""
        return self._profiles.snapshot()

    def closest(
        self,
        ask: Vector,
        *,
        also: Iterable[int] = (),
        shortlist: int = SHORTLIST,
        profiles: ProfileScores | None = None,
    ) -> dict[int, Closeness]:
        """The members whose profiles are closest to the ask, and ``also`` these,
        each with their closest field. ``profiles`` are the profiles' scores for this
        ask, if already worked out (see :meth:`profiles_now`)."""
        if not self._fields:
            return {}
        scored = profiles if profiles is not None else self._profiles.scores(ask)
        best = scored.best(shortlist)
        chosen = {
            member: score
            for member, score in zip(
                scored.owners[best].tolist(), scored.scores[best].tolist(), strict=True
            )
            if member in self._fields  # not one removed since the scores were made
        }
        for member in also:
            if member in self._fields and member not in chosen:
                chosen[member] = float(self._profiles.vector(member) @ ask)
        members = list(chosen)
        if not members:
            return {}
        fields = [self._fields[member] for member in members]
        # Every field of every chosen member in one product, then the best per member:
        # sorted by member, then by score, each member's best comes first.
        components = np.concatenate([f.components for f in fields])
        scales = np.concatenate([f.scales for f in fields])
        scores = (components.astype(np.float32) @ ask) * scales
        lengths = np.fromiter((len(f.keys) for f in fields), dtype=np.intp, count=len(fields))
        starts = np.cumsum(lengths) - lengths
        best = np.lexsort((-scores, np.repeat(np.arange(len(fields)), lengths)))[starts]
        return {
            member: Closeness(score, field.keys[offset], chosen[member])
            for member, field, score, offset in zip(
                members, fields, scores[best].tolist(), (best - starts).tolist(), strict=True
            )
        }


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
        scored = self._rows.scores(offer, shortlist=limit)
        return [
            int(scored.owners[row]) for row in scored.best(limit) if scored.scores[row] >= floor
        ]
