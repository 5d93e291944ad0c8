"""Members' words as vectors, searched by meaning.

Each member has a vector per field (skills, bio, each open offer) and one for their
profile as a whole (the normalised mean of their fields). A search first scores every
profile at once to shortlist the closest members (a pass over rows of int8, see
:mod:`bot.matching.rows`), then scores each field of the shortlisted members,
together: a member is as close to an ask as the closest of their words. The first
pass's cosines are within about 0.003 of the exact ones, which is enough to shortlist;
the shortlisted members' profile scores are then worked out exactly from their fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldVector
from bot.matching.coarse import Coarse, build_coarse
from bot.matching.field_table import FieldKeys, FieldTable
from bot.matching.fields import Vector, quantised_rows
from bot.matching.rows import SHORTLIST, FieldRows, ProfileScores, Rows, RowsNow

__all__ = [
    "SHORTLIST",
    "AskVectors",
    "Closeness",
    "Coarse",
    "Nearness",
    "ProfileScores",
    "RowsNow",
    "VectorIndex",
    "build_coarse",
]


class Closeness(NamedTuple):
    """How close a member's words are to an ask (a tuple: hundreds are made a search)."""

    best_field: float
    best_key: str
    """The field closest to the ask (``offer:12``, ``bio:3`` …)."""
    profile: float


class VectorIndex:
    """A community's field and profile vectors, updated member by member."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._profiles = Rows(dimensions)
        self._field_rows = FieldRows(dimensions)
        self._fields = FieldTable()
        """Each member's field rows and keys, by the row of their profile."""

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._profiles

    @property
    def fields_kept(self) -> int:
        """Field vectors in memory: every member's, and no more."""
        return self._field_rows.taken

    def put(self, member_id: int, vectors: Sequence[FieldVector]) -> None:
        """Replace a member's field vectors (none removes them)."""
        self.put_many([(member_id, vectors)])

    def put_many(self, members: Sequence[tuple[int, Sequence[FieldVector]]]) -> None:
        """Replace these members' field vectors (none removes a member's), their
        profiles worked out together: reading a community puts members a slice at a
        time, at half the cost of one by one."""
        kept: list[tuple[int, list[FieldVector]]] = []
        for member_id, vectors in dict(members).items():  # a member given twice: the last
            usable = [v for v in vectors if len(v.components) == self._dimensions]
            if usable:
                kept.append((member_id, usable))
            else:
                self.remove(member_id)
        if not kept:
            return
        every = [v for _, usable in kept for v in usable]
        components = np.frombuffer(b"".join(v.components for v in every), dtype=np.int8)
        components = components.reshape(len(every), self._dimensions)
        scales = np.array([v.scale for v in every], dtype=np.float32)
        counts = np.fromiter((len(usable) for _, usable in kept), dtype=np.intp, count=len(kept))
        starts = np.cumsum(counts) - counts
        # Each profile is the mean of its fields, up to scale: their sum, then unit length.
        sums = np.add.reduceat(components.astype(np.float32) * scales[:, None], starts, axis=0)
        lengths = np.maximum(np.linalg.norm(sums, axis=1), np.float32(1e-9))
        profiles, profile_scales = quantised_rows(sums / lengths[:, None])
        field_scales = scales.tolist()
        fields: list[tuple[int, list[int], list[str], float]] = []
        for (member_id, usable), start, length, profile, profile_scale in zip(
            kept, starts.tolist(), lengths.tolist(), profiles, profile_scales.tolist(), strict=True
        ):
            before = self._profiles.row(member_id)
            rows = self._fields.rows_of(before) if before is not None else []
            for row in rows[len(usable) :]:
                self._field_rows.give_back(row)
            rows = rows[: len(usable)]
            rows += [self._field_rows.take() for _ in range(len(usable) - len(rows))]
            for at, row in enumerate(rows, start):
                self._field_rows.write(row, components[at], field_scales[at])
            profile_row = self._profiles.put(member_id, profile, profile_scale)
            fields.append((profile_row, rows, [v.key for v in usable], length))
        self._fields.set_many(fields)

    def field_vector(self, member_id: int, key: str) -> Vector | None:
        """One of a member's fields (``offer:12`` …) as a vector, if it is indexed."""
        profile_row = self._profiles.row(member_id)
        if profile_row is None:
            return None
        for row in self._fields.rows_of(profile_row):
            if self._fields.key(row) == key:
                return self._field_rows.vector(row)
        return None

    def remove(self, member_id: int) -> None:
        profile_row = self._profiles.row(member_id)
        if profile_row is not None:
            for row in self._fields.rows_of(profile_row):
                self._field_rows.give_back(row)
            self._fields.clear(profile_row)
        self._profiles.remove(member_id)

    @property
    def wants_coarse(self) -> bool:
        """Whether the profiles are many enough for a coarse first pass, and its copy is
        neither made nor being made (see :func:`build_coarse`)."""
        return self._profiles.wants_coarse

    def coarse_begun(self) -> RowsNow:
        """The profiles to make a coarse copy of, in another thread; give it to
        :meth:`coarse_made` (None if it could not be made)."""
        return self._profiles.coarse_begun()

    def coarse_made(self, coarse: Coarse | None) -> None:
        self._profiles.coarse_made(coarse)

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
    ) -> Nearness:
        """The members whose profiles are closest to the ask, and ``also`` these,
        each with their closest field. ``profiles`` are the profiles' scores for this
        ask, if already worked out (see :meth:`profiles_now`)."""
        if not len(self._profiles):
            return Nearness.NOBODY
        scored = profiles if profiles is not None else self._profiles.scores(ask)
        picked = scored.best(shortlist)
        rows, members = self._profiles.now_of(picked, scored.owners[picked], also)
        if not len(rows):
            return Nearness.NOBODY
        # Every field of every chosen member in one product, then the best per member:
        # sorted by member, then by score, each member's best comes first. A profile's
        # exact score is the sum of its fields' over the length of that sum.
        counts, field_rows, lengths = self._fields.gather(rows)
        scores = self._field_rows.products(field_rows, ask)
        starts = np.cumsum(counts) - counts
        best = np.lexsort((-scores, np.repeat(np.arange(len(rows)), counts)))[starts]
        whole = np.add.reduceat(scores, starts) / lengths
        return Nearness(members, scores[best], whole, self._fields.keys(field_rows[best]))


class Nearness(Mapping[int, Closeness]):
    """How close each of a search's members is to the ask, as arrays (a search scores
    hundreds of members, and most are only ranked): a member's :class:`Closeness` is
    made when asked for."""

    NOBODY: ClassVar[Nearness]

    def __init__(
        self,
        members: npt.NDArray[np.int64],
        best_field: npt.NDArray[np.floating[Any]],
        profile: npt.NDArray[np.floating[Any]],
        closest_keys: FieldKeys,
    ) -> None:
        self.members = members
        self.best_field = best_field
        """Each member's closest field's score, in the order of :attr:`members`."""
        self.profile = profile
        """Each member's profile's score."""
        self._closest_keys = closest_keys
        self._at = dict(zip(members.tolist(), range(len(members)), strict=True))

    def __getitem__(self, member: int) -> Closeness:
        at = self._at[member]
        key = self._closest_keys[at]
        return Closeness(float(self.best_field[at]), key, float(self.profile[at]))

    def __iter__(self) -> Iterator[int]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)

    def __contains__(self, member: object) -> bool:
        return member in self._at


Nearness.NOBODY = Nearness(
    np.zeros(0, dtype=np.int64),
    np.zeros(0, dtype=np.float32),
    np.zeros(0, dtype=np.float32),
    FieldKeys(np.zeros(0, dtype=np.int8), np.zeros(0, dtype=np.int64), {}),
)


class AskVectors:
    """The vectors of asks still looking for a helper, so that a new offer finds the
    asks it could answer without scoring each of them."""

    def __init__(self, dimensions: int) -> None:
        self._dimensions = dimensions
        self._rows = Rows(dimensions)

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
