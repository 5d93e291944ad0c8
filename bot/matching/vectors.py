"""Members' words as vectors, searched by meaning.

Each member has a vector per field (skills, bio, each open offer) and one for their
profile as a whole (the normalised mean of their fields). A search first scores every
profile at once to shortlist the closest members, then scores each field of the
shortlisted members, together: a member is as close to an ask as the closest of their
words. Every vector is kept as int8 with a scale per row (a quarter of its float size):
the first pass turns the profiles back into floats a few hundred rows at a time, in the
processor's cache, so it reads a quarter of the memory a float matrix would (at 100,000
members 38 MB instead of 154 MB; see :attr:`RowsNow.CHUNK`). Its cosines are within
about 0.003 of the exact ones, which is enough to shortlist; the shortlisted members'
profile scores are then worked out exactly from their fields.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldVector
from bot.matching.fields import Vector, quantised

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
    rows: tuple[int, ...]
    """Where each field's vector is, in the index's field rows."""
    length: float
    """The length of the sum of the field vectors (their profile, before normalising)."""


class _Blocks:
    """Vectors as int8 rows with a scale each, in blocks: growing adds a block instead
    of copying every row into a larger matrix (at 100,000 members a copy that would
    hold up everything else). Rows are taken, written and given back."""

    BLOCK = 8_192

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._blocks: list[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]] = []
        self._starts: list[int] = []
        """The first row of each block."""
        self._free: list[int] = []

    @property
    def taken(self) -> int:
        """Rows in use."""
        return self._size() - len(self._free)

    def take(self) -> int:
        return self._free.pop() if self._free else self._grow()

    def write(self, row: int, components: npt.NDArray[np.int8], scale: float) -> None:
        """A vector as :func:`~bot.matching.fields.quantised` made it."""
        rows, scales, offset = self._at(row)
        rows[offset] = components
        scales[offset] = scale

    def give_back(self, row: int) -> None:
        self.write(row, np.zeros(self._dimensions, dtype=np.int8), 0.0)
        self._free.append(row)

    def vector(self, row: int) -> Vector:
        rows, scales, offset = self._at(row)
        vector: Vector = rows[offset].astype(np.float32) * scales[offset]
        return vector

    def products(self, rows: npt.NDArray[np.intp], query: Vector) -> npt.NDArray[np.float32]:
        """These rows' products with a query, in this order: one product per block."""
        starts = np.array(self._starts, dtype=np.intp)
        blocks = np.searchsorted(starts, rows, side="right") - 1
        products = np.empty(len(rows), dtype=np.float32)
        for block in np.unique(blocks).tolist():
            chosen = np.flatnonzero(blocks == block)
            offsets = rows[chosen] - starts[block]
            components, scales = self._blocks[block]
            products[chosen] = (components[offsets].astype(np.float32) @ query) * scales[offsets]
        return products

    def _at(self, row: int) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32], int]:
        block = bisect_right(self._starts, row) - 1
        rows, scales = self._blocks[block]
        return rows, scales, row - self._starts[block]

    def _size(self) -> int:
        return self._starts[-1] + len(self._blocks[-1][1]) if self._blocks else 0

    def _next_block(self) -> int:
        return self.BLOCK

    def _grow(self) -> int:
        first, size = self._size(), self._next_block()
        self._blocks.append(
            (
                np.zeros((size, self._dimensions), dtype=np.int8),
                np.zeros(size, dtype=np.float32),
            )
        )
        self._starts.append(first)
        self._free.extend(range(first + size - 1, first, -1))
        return first


class _FieldRows(_Blocks):
    """Every member's field vectors, a row each. A shortlist's fields are read with one
    product per block they are in, so blocks grow with the community: each as large as
    all before it, up to :attr:`LARGEST` rows (at 100,000 members seven blocks, not 25)."""

    LARGEST = 65_536

    def _next_block(self) -> int:
        return min(max(self.BLOCK, self._size()), self.LARGEST)


class _Rows(_Blocks):
    """Unit vectors, one per owner, scored all at once (one product per few hundred
    rows, see :class:`RowsNow`)."""

    def __init__(self, dimensions: int) -> None:
        super().__init__(dimensions)
        self._owners = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._used = 0
        """Rows up to the highest ever taken: those past it are not scored (a community
        of 1,000 scores 1,000 rows, not a whole block)."""

    def __len__(self) -> int:
        return len(self._row_of)

    def put(self, owner: int, components: npt.NDArray[np.int8], scale: float) -> None:
        """The owner's row: a vector as :func:`~bot.matching.fields.quantised` made it."""
        row = self._row_of.get(owner)
        if row is None:
            row = self.take()
            self._row_of[owner] = row
            self._used = max(self._used, row + 1)
        self.write(row, components, scale)
        self._owners[row] = owner

    def remove(self, owner: int) -> None:
        row = self._row_of.pop(owner, None)
        if row is not None:
            self._owners[row] = -1
            self.give_back(row)

    def snapshot(self) -> RowsNow:
        """The rows as they are, to be scored in another thread (or later) while this
        one goes on: growing adds blocks, and the owners are copied, so a row freed and
        taken by someone else meanwhile still counts as its owner's at the snapshot
        (who has left: searches pass over them); a row rewritten meanwhile for the
        same owner is scored as either version (or, caught between its components and
        its scale, a little off: it is only a shortlist)."""
        return RowsNow(tuple(self._blocks), self._owners[: self._used].copy())

    def scores(self, query: Vector, shortlist: int = SHORTLIST) -> ProfileScores:
        return self.snapshot().scores(query, shortlist)

    def _grow(self) -> int:
        row = super()._grow()
        added = self._size() - len(self._owners)
        self._owners = np.concatenate([self._owners, np.full(added, -1, dtype=np.int64)])
        return row


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

    blocks: tuple[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]], ...]
    owners: npt.NDArray[np.int64]

    CHUNK = 512
    """Rows turned into floats at a time, into one buffer: small enough (768 KB) to stay
    in a core's cache for the product that follows. At 100,000 members this first pass
    took 8 ms a query where 2,048 rows at a time, each chunk a new array (3 MB, out of
    cache by the product), took 17 ms."""

    def scores(self, query: Vector, shortlist: int = SHORTLIST) -> ProfileScores:
        return self.scores_for([query], shortlist)[0]

    def scores_for(
        self, queries: Sequence[Vector], shortlist: int = SHORTLIST
    ) -> list[ProfileScores]:
        """:meth:`scores` for several queries in one pass: each row is read from memory
        once for all of them, which is most of what scoring costs. The ``shortlist``
        best rows of each are picked here too, in the thread that scores if it is
        another (at 100,000 members, half a millisecond a query)."""
        if not self.blocks or not queries:
            empty = np.zeros(0, dtype=np.float32)
            nothing = np.zeros(0, dtype=np.intp)
            return [ProfileScores(empty, self.owners, nothing, shortlist) for _ in queries]
        wanted = np.stack(queries, axis=1)
        scores = np.empty((len(self.owners), len(queries)), dtype=np.float32)
        floats = np.empty((self.CHUNK, wanted.shape[0]), dtype=np.float32)
        row = 0
        for components, scales in self.blocks:
            if row >= len(self.owners):
                break  # the rows past the last ever taken: never scored
            used = min(len(components), len(self.owners) - row)
            for start in range(0, used, self.CHUNK):
                end = min(start + self.CHUNK, used)
                chunk = floats[: end - start]
                np.copyto(chunk, components[start:end], casting="unsafe")
                np.matmul(chunk, wanted, out=scores[row + start : row + end])
            scores[row : row + used] *= scales[:used, None]
            row += used
        by_query = scores.T.copy()
        by_query[:, self.owners < 0] = -np.inf
        return [
            ProfileScores(one, self.owners, _best(one, shortlist), shortlist) for one in by_query
        ]


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
        self._field_rows = _FieldRows(dimensions)
        self._fields: dict[int, _Fields] = {}

    def __len__(self) -> int:
        return len(self._fields)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._fields

    @property
    def fields_kept(self) -> int:
        """Field vectors in memory: every member's, and no more."""
        return self._field_rows.taken

    def put(self, member_id: int, vectors: Sequence[FieldVector]) -> None:
        """Replace a member's field vectors (none removes them)."""
        usable = [v for v in vectors if len(v.components) == self._dimensions]
        if not usable:
            self.remove(member_id)
            return
        components = np.frombuffer(b"".join(v.components for v in usable), dtype=np.int8)
        components = components.reshape(len(usable), self._dimensions)
        scales = np.array([v.scale for v in usable], dtype=np.float32)
        profile: Vector = scales @ components.astype(np.float32)  # the mean, up to scale
        length = max(float(np.linalg.norm(profile)), 1e-9)
        before = self._fields.get(member_id)
        rows = list(before.rows) if before is not None else []
        for row in rows[len(usable) :]:
            self._field_rows.give_back(row)
        rows = rows[: len(usable)]
        rows += [self._field_rows.take() for _ in range(len(usable) - len(rows))]
        for row, field_components, scale in zip(rows, components, scales.tolist(), strict=True):
            self._field_rows.write(row, field_components, scale)
        keys = tuple(v.key for v in usable)
        self._fields[member_id] = _Fields(keys, tuple(rows), length)
        self._profiles.put(member_id, *quantised(profile / np.float32(length)))

    def field_vector(self, member_id: int, key: str) -> Vector | None:
        """One of a member's fields (``offer:12`` …) as a vector, if it is indexed."""
        fields = self._fields.get(member_id)
        if fields is None or key not in fields.keys:
            return None
        return self._field_rows.vector(fields.rows[fields.keys.index(key)])

    def remove(self, member_id: int) -> None:
        fields = self._fields.pop(member_id, None)
        if fields is not None:
            for row in fields.rows:
                self._field_rows.give_back(row)
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
        shortlisted = scored.owners[scored.best(shortlist)].tolist()
        # Not one removed since the scores were made.
        members = [m for m in dict.fromkeys([*shortlisted, *also]) if m in self._fields]
        if not members:
            return {}
        fields = [self._fields[member] for member in members]
        # Every field of every chosen member in one product, then the best per member:
        # sorted by member, then by score, each member's best comes first. A profile's
        # exact score is the sum of its fields' over the length of that sum.
        counts = np.fromiter((len(f.rows) for f in fields), dtype=np.intp, count=len(fields))
        rows = np.fromiter(chain.from_iterable(f.rows for f in fields), dtype=np.intp)
        scores = self._field_rows.products(rows, ask)
        starts = np.cumsum(counts) - counts
        best = np.lexsort((-scores, np.repeat(np.arange(len(fields)), counts)))[starts]
        lengths = np.fromiter((f.length for f in fields), dtype=np.float32, count=len(fields))
        whole = np.add.reduceat(scores, starts) / lengths
        return {
            member: Closeness(score, field.keys[offset], profile)
            for member, field, score, offset, profile in zip(
                members,
                fields,
                scores[best].tolist(),
                (best - starts).tolist(),
                whole.tolist(),
                strict=True,
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
        # Stored as quantised already: its rows are taken as they are.
        self._rows.put(ask_id, np.frombuffer(vector.components, dtype=np.int8), vector.scale)

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
