"""A coarse copy of rows of vectors, for a first pass that reads less memory.

A search's first pass over every profile mostly waits for the profiles to come from
memory (a serving process's other work leaves them out of the processor's cache). The
copy keeps each row's components along the :data:`COARSE_DIMENSIONS` directions in
which the rows vary most, as int8 with a scale: a third of the memory. The first pass
scores the copies, then the best :data:`~bot.matching.rows.COARSE_CANDIDATES` rows
exactly (:class:`~bot.matching.rows.RowsNow`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.matching.fields import quantised_rows
from bot.matching.rows import RowsNow, by_block, starts_of

COARSE_DIMENSIONS = 128


class Coarse:
    """Each row's main directions (:data:`COARSE_DIMENSIONS` of them, found from the
    rows themselves), as int8 with a scale, in blocks like the rows': a third of the
    memory to read for a first pass, which a search's first pass mostly spends reading
    from memory (see :func:`build_coarse`)."""

    def __init__(self, basis: npt.NDArray[np.float32], block: int, size: int) -> None:
        self.basis = basis
        """The directions, one column each (dimensions × :data:`COARSE_DIMENSIONS`)."""
        self._block = block
        self._blocks: list[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]] = []
        self.cover(size)

    def cover(self, size: int) -> None:
        """Have room for rows up to ``size``."""
        while len(self._blocks) * self._block < size:
            self._blocks.append(
                (
                    np.zeros((self._block, self.basis.shape[1]), dtype=np.int8),
                    np.zeros(self._block, dtype=np.float32),
                )
            )

    def write(self, row: int, components: npt.NDArray[np.int8], scale: float) -> None:
        """A row's coarse copy, from its components as
        :func:`~bot.matching.fields.quantised` made them."""
        self.write_rows(row, components[None], np.array([scale], dtype=np.float32))

    def write_rows(
        self, first: int, components: npt.NDArray[np.int8], scales: npt.NDArray[np.float32]
    ) -> None:
        """The coarse copies of consecutive rows from ``first``, all in one block."""
        self.cover(first + len(components))
        rows, row_scales = self._blocks[first // self._block]
        at = first % self._block
        projected = (components.astype(np.float32) @ self.basis) * scales[:, None]
        coarse, coarse_scales = quantised_rows(projected)
        rows[at : at + len(coarse)] = coarse
        row_scales[at : at + len(coarse)] = coarse_scales

    def now(self) -> CoarseNow:
        return CoarseNow(self.basis, tuple(self._blocks))


@dataclass(frozen=True, slots=True)
class CoarseNow:
    """A snapshot of :class:`Coarse`, its blocks aligned with the rows' blocks."""

    basis: npt.NDArray[np.float32]
    blocks: tuple[tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]], ...]


def build_coarse(rows: RowsNow, sample: int = 8_192, seed: int = 0) -> Coarse | None:
    """A coarse copy of these rows: the :data:`COARSE_DIMENSIONS` directions along which
    (a sample of) them vary most, and each row's components along them. Products with
    an ask projected on them are within a little of the exact ones, so a first pass over
    the copies and an exact pass over the best :data:`COARSE_CANDIDATES` find the same
    shortlist as an exact pass over all. Seconds of work for 100,000 rows: made in
    another thread, once. None if there are too few rows."""
    live = np.flatnonzero(rows.owners >= 0)
    if len(live) < COARSE_DIMENSIONS or not rows.blocks:
        return None
    chosen = np.random.default_rng(seed).choice(live, min(sample, len(live)), replace=False)
    picked = np.empty((len(chosen), rows.blocks[0][0].shape[1]), dtype=np.float32)
    for block, at, offsets in by_block(starts_of(rows.blocks), chosen):
        components, scales = rows.blocks[block]
        picked[at] = components[offsets].astype(np.float32) * scales[offsets, None]
    _, directions = np.linalg.eigh(picked.T @ picked)  # ascending: the last vary most
    basis = np.ascontiguousarray(directions[:, ::-1][:, :COARSE_DIMENSIONS], dtype=np.float32)
    size = len(rows.blocks[0][0])  # the rows' blocks are all of one size
    coarse = Coarse(basis, size, len(rows.blocks) * size)
    for block, (components, scales) in enumerate(rows.blocks):
        for start in range(0, size, RowsNow.CHUNK):  # a little memory at a time
            end = start + RowsNow.CHUNK
            coarse.write_rows(block * size + start, components[start:end], scales[start:end])
    return coarse
