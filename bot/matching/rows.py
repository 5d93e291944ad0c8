"""Rows of vectors as int8 with a scale each, in blocks, and the pass that scores every
row for an ask (see :mod:`bot.matching.vectors`, which keeps members' vectors in them).

Every vector is kept as int8 with a scale per row (a quarter of its float size): the
first pass turns the rows back into floats a few hundred at a time, in the processor's
cache, so it reads a quarter of the memory a float matrix would (at 100,000 members
38 MB instead of 154 MB; see :attr:`RowsNow.CHUNK`). From :data:`COARSE_FROM` rows it
reads a coarse copy of them first (their main directions, a third of the memory, see
:mod:`bot.matching.coarse`): a pass mostly waits for memory, the rows being out of the
processor's cache when a member searches.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from bot.matching.fields import Vector

if TYPE_CHECKING:
    from bot.matching.coarse import Coarse, CoarseNow

Starts = npt.NDArray[np.intp]
"""The first row of each block of rows."""

SHORTLIST = 300
"""Members whose fields are all scored for an ask: the closest profiles."""
COARSE_FROM = 20_000
"""From this many profiles, a search's first pass reads each profile's main directions
first (see :mod:`bot.matching.coarse`)."""
COARSE_CANDIDATES = 4_000
"""Profiles scored exactly after the coarse pass, of which the shortlist is taken: at
100,000 members of a seeded community with the shipped model, 99.9% of the exact 300
closest were among them."""


class Blocks:
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
        return products_of(self._blocks, np.array(self._starts, dtype=np.intp), rows, query)

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


class FieldRows(Blocks):
    """Every member's field vectors, a row each. A shortlist's fields are read with one
    product per block they are in, so blocks grow with the community: each as large as
    all before it, up to :attr:`LARGEST` rows (at 100,000 members seven blocks, not 25)."""

    LARGEST = 65_536

    def _next_block(self) -> int:
        return min(max(self.BLOCK, self._size()), self.LARGEST)


class Rows(Blocks):
    """Unit vectors, one per owner, scored all at once (one product per few hundred
    rows, see :class:`RowsNow`)."""

    def __init__(self, dimensions: int) -> None:
        super().__init__(dimensions)
        self._owners = np.zeros(0, dtype=np.int64)
        self._row_of: dict[int, int] = {}
        self._used = 0
        """Rows up to the highest ever taken: those past it are not scored (a community
        of 1,000 scores 1,000 rows, not a whole block)."""
        self._coarse: Coarse | None = None
        self._written: set[int] | None = None
        """Rows written since a coarse copy began to be made (see :meth:`coarse_begun`)."""

    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, owner: object) -> bool:
        return owner in self._row_of

    def row(self, owner: int) -> int | None:
        return self._row_of.get(owner)

    def now_of(
        self, rows: npt.NDArray[np.intp], owners: npt.NDArray[np.int64], also: Iterable[int] = ()
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
        """Where these owners' rows are now, and who they are, as a snapshot had them
        in these rows (one who left since is left out, one whose row changed is found
        in their new one), then ``also`` these owners: each owner once."""
        same = (owners >= 0) & (self._owners[rows] == owners)
        found, who = rows[same], owners[same]
        moved = owners[(owners >= 0) & ~same].tolist()
        if not moved and not also:
            return found, who
        seen = set(who.tolist())
        more: dict[int, int] = {}
        for owner in [*moved, *also]:
            row = self._row_of.get(owner)
            if row is not None and owner not in seen:
                more.setdefault(owner, row)
        if not more:
            return found, who
        return (
            np.concatenate([found, np.fromiter(more.values(), dtype=np.intp, count=len(more))]),
            np.concatenate([who, np.fromiter(more, dtype=np.int64, count=len(more))]),
        )

    def put(self, owner: int, components: npt.NDArray[np.int8], scale: float) -> int:
        """The owner's row: a vector as :func:`~bot.matching.fields.quantised` made it;
        returns where it is."""
        row = self._row_of.get(owner)
        if row is None:
            row = self.take()
            self._row_of[owner] = row
            self._used = max(self._used, row + 1)
        self.write(row, components, scale)
        self._owners[row] = owner
        if self._coarse is not None:
            self._coarse.write(row, components, scale)
        if self._written is not None:
            self._written.add(row)
        return row

    @property
    def wants_coarse(self) -> bool:
        """Whether the rows are many enough for a coarse copy and none is made or being
        made."""
        return len(self) >= COARSE_FROM and self._coarse is None and self._written is None

    def coarse_begun(self) -> RowsNow:
        """The rows to make a coarse copy of, in another thread (see
        :func:`~bot.matching.coarse.build_coarse`); rows written meanwhile are noted, to
        be copied again by :meth:`coarse_made`."""
        self._written = set()
        return self.snapshot()

    def coarse_made(self, coarse: Coarse | None) -> None:
        """Use a coarse copy made of the rows as :meth:`coarse_begun` gave them (None: it
        could not be made, and will be tried again)."""
        written, self._written = self._written or set(), None
        if coarse is None:
            return
        for row in sorted(written):
            rows, scales, offset = self._at(row)
            coarse.write(row, rows[offset], float(scales[offset]))
        self._coarse = coarse

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
        coarse = self._coarse.now() if self._coarse is not None else None
        return RowsNow(tuple(self._blocks), self._owners[: self._used].copy(), coarse)

    def scores(self, query: Vector, shortlist: int = SHORTLIST) -> ProfileScores:
        return self.snapshot().scores(query, shortlist)

    def _grow(self) -> int:
        row = super()._grow()
        added = self._size() - len(self._owners)
        self._owners = np.concatenate([self._owners, np.full(added, -1, dtype=np.int64)])
        if self._coarse is not None:
            self._coarse.cover(self._size())
        return row


def starts_of(blocks: Sequence[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]]) -> Starts:
    """The first row of each block."""
    sizes = np.fromiter((len(scales) for _, scales in blocks), dtype=np.intp, count=len(blocks))
    return np.cumsum(sizes) - sizes


def by_block(
    starts: Starts, rows: npt.NDArray[np.intp]
) -> Iterator[tuple[int, npt.NDArray[np.intp], npt.NDArray[np.intp]]]:
    """These rows grouped by the block they are in: the block, where they are among
    ``rows``, and where in the block."""
    in_block = np.searchsorted(starts, rows, side="right") - 1
    for block in np.unique(in_block).tolist():
        at = np.flatnonzero(in_block == block)
        yield block, at, rows[at] - starts[block]


def products_of(
    blocks: Sequence[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]],
    starts: npt.NDArray[np.intp],
    rows: npt.NDArray[np.intp],
    query: Vector,
) -> npt.NDArray[np.float32]:
    """These rows' products with a query, in this order: one product per block."""
    products = np.empty(len(rows), dtype=np.float32)
    for block, at, offsets in by_block(starts, rows):
        components, scales = blocks[block]
        products[at] = (components[offsets].astype(np.float32) @ query) * scales[offsets]
    return products


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
    """A snapshot of :class:`Rows` (see :meth:`Rows.snapshot`)."""

    blocks: tuple[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]], ...]
    owners: npt.NDArray[np.int64]
    coarse: CoarseNow | None = None

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
        if self.coarse is not None and len(self.owners) > COARSE_CANDIDATES:
            return self._coarse_first(queries, wanted, self.coarse, shortlist)
        by_query = self._pass(self.blocks, wanted)
        return [
            ProfileScores(one, self.owners, _best(one, shortlist), shortlist) for one in by_query
        ]

    def _coarse_first(
        self,
        queries: Sequence[Vector],
        wanted: npt.NDArray[np.float32],
        coarse: CoarseNow,
        shortlist: int,
    ) -> list[ProfileScores]:
        """Every row scored on its coarse copy, then the best :data:`COARSE_CANDIDATES`
        exactly: their scores replace the coarse ones, and the shortlist is theirs."""
        approximate = self._pass(coarse.blocks, coarse.basis.T @ wanted)
        starts = starts_of(self.blocks)
        scored = []
        for one, query in zip(approximate, queries, strict=True):
            candidates = _best(one, COARSE_CANDIDATES)
            candidates = candidates[np.isfinite(one[candidates])]
            exact = products_of(self.blocks, starts, candidates, query)
            one[candidates] = exact
            picked = candidates[_best(exact, shortlist)]
            scored.append(ProfileScores(one, self.owners, picked, shortlist))
        return scored

    def _pass(
        self,
        blocks: Sequence[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]],
        wanted: npt.NDArray[np.float32],
    ) -> npt.NDArray[np.float32]:
        """Every row's products with each of these queries (one column each), a row of
        scores per query; free rows minus infinity."""
        scores = np.empty((len(self.owners), wanted.shape[1]), dtype=np.float32)
        floats = np.empty((self.CHUNK, wanted.shape[0]), dtype=np.float32)
        row = 0
        for components, scales in blocks:
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
        return by_query


SAMPLE = 4_096
"""Scores looked at to guess a bar above which the best are (see :func:`_best`)."""


def _best(scores: npt.NDArray[np.float32], size: int) -> npt.NDArray[np.intp]:
    """The rows of the ``size`` highest scores, best first. Among many rows, those
    at or above a bar guessed from a sample (one that about twice as many would clear)
    are picked from first: every row below it is beaten by more than ``size`` rows, so
    the result is the same, for a fifth of the time (at 100,000 rows, 0.2 ms instead of
    1 ms). A bar too high, which a sample can give, falls back to every row."""
    if len(scores) <= size:
        return np.argsort(-scores)
    if len(scores) >= 4 * SAMPLE and len(scores) >= 16 * size:
        sample = scores[:: len(scores) // SAMPLE]
        clearing = min(len(sample) - 1, 2 * size * len(sample) // len(scores) + 8)
        bar = np.partition(sample, len(sample) - clearing)[len(sample) - clearing]
        kept = np.flatnonzero(scores >= bar)
        if len(kept) > size:
            top = kept[np.argpartition(-scores[kept], size)[:size]]
            return top[np.argsort(-scores[top])]
    top = np.argpartition(-scores, size)[:size]
    return top[np.argsort(-scores[top])]
