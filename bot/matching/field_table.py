"""Which rows hold each member's field vectors, and what each field is, in arrays.

At 100,000 members a community has about 200,000 field vectors. Kept as a Python
object per member (their fields' keys, rows and length) they took 43 MB, and a search
read a few hundred such objects from scattered memory to gather its shortlist's
fields. Here a member's field rows are a row of one table, indexed by the row of the
member's profile (see :class:`~bot.matching.rows.Rows`), and each field's key
(``offer:12``) is a kind and a number in two arrays indexed by the field's row: about
8 MB, and a shortlist's fields are gathered in a few numpy operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldKind

_KINDS = ("", *(kind.value for kind in FieldKind))
"""A key's kind by its code; 0 is a key of another form, kept as it is."""
_CODES = {kind: code for code, kind in enumerate(_KINDS) if kind}
_T = TypeVar("_T", bound=np.generic)


class FieldKeys:
    """Fields' keys, taken from a :class:`FieldTable` at one moment (its rows may be
    another member's fields later)."""

    def __init__(
        self, kinds: npt.NDArray[np.int8], numbers: npt.NDArray[np.int64], odd: dict[int, str]
    ) -> None:
        self._kinds = kinds
        self._numbers = numbers
        self._odd = odd
        """Keys of another form, by their place."""

    def __len__(self) -> int:
        return len(self._kinds)

    def __getitem__(self, at: int) -> str:
        kind = int(self._kinds[at])
        return f"{_KINDS[kind]}:{int(self._numbers[at])}" if kind else self._odd[at]


class FieldTable:
    """Each member's field rows by the row of their profile, each field's key by its
    own row, and the length of each member's sum of fields (their profile before it
    is made unit length)."""

    def __init__(self) -> None:
        self._rows = np.full((0, 4), -1, dtype=np.int32)
        """A member's field rows, by profile row: a member's first ``count`` columns."""
        self._counts = np.zeros(0, dtype=np.int32)
        self._lengths = np.zeros(0, dtype=np.float32)
        self._kinds = np.zeros(0, dtype=np.int8)
        """A field's kind, by field row."""
        self._numbers = np.zeros(0, dtype=np.int64)
        self._odd: dict[int, str] = {}
        """Keys not of the form ``kind:number``, by field row."""

    def rows_of(self, profile_row: int) -> list[int]:
        if profile_row >= len(self._counts):
            return []
        return self._rows[profile_row, : self._counts[profile_row]].tolist()  # type: ignore[no-any-return]

    def key(self, field_row: int) -> str:
        return self.keys(np.array([field_row], dtype=np.intp))[0]

    def set_many(self, members: Sequence[tuple[int, Sequence[int], Sequence[str], float]]) -> None:
        """Members' fields: for each, the row of their profile, their field rows, the
        fields' keys and the length of their sum. Written together: reading a community
        sets hundreds at a time."""
        if not members:
            return
        counts = np.fromiter((len(rows) for _, rows, _, _ in members), np.intp, len(members))
        field_rows = [row for _, rows, _, _ in members for row in rows]
        profile_rows = [profile_row for profile_row, _, _, _ in members]
        self._room(max(profile_rows), max(field_rows, default=0), int(counts.max()))
        if self._odd:
            for profile_row in profile_rows:
                for old in self.rows_of(profile_row):
                    self._odd.pop(old, None)
        block = np.full((len(members), self._rows.shape[1]), -1, dtype=np.int32)
        block[np.arange(block.shape[1]) < counts[:, None]] = field_rows
        self._rows[profile_rows] = block
        self._counts[profile_rows] = counts
        self._lengths[profile_rows] = [length for _, _, _, length in members]
        kinds: list[int] = []
        numbers: list[int] = []
        for row, key in zip(
            field_rows, (k for _, _, keys, _ in members for k in keys), strict=True
        ):
            kind, _, number = key.partition(":")
            code = _CODES.get(kind, 0)
            if code and _plain_number(number):
                kinds.append(code)
                numbers.append(int(number))
            else:
                kinds.append(0)
                numbers.append(0)
                self._odd[row] = key
        self._kinds[field_rows] = kinds
        self._numbers[field_rows] = numbers

    def clear(self, profile_row: int) -> None:
        """A member who left: their profile row holds no fields."""
        for old in self.rows_of(profile_row):
            self._odd.pop(old, None)
        if profile_row < len(self._counts):
            self._rows[profile_row] = -1
            self._counts[profile_row] = 0

    def gather(
        self, profile_rows: npt.NDArray[np.intp]
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        """These members' fields: how many each has, all their field rows (member by
        member, in order) and each member's length."""
        counts = self._counts[profile_rows].astype(np.intp)
        table = self._rows[profile_rows]
        field_rows = table[np.arange(table.shape[1]) < counts[:, None]].astype(np.intp)
        return counts, field_rows, self._lengths[profile_rows]

    def keys(self, field_rows: npt.NDArray[np.intp]) -> FieldKeys:
        """These fields' keys as they are now."""
        kinds = self._kinds[field_rows]
        odd = {int(at): self._odd[int(field_rows[at])] for at in np.flatnonzero(kinds == 0)}
        return FieldKeys(kinds, self._numbers[field_rows], odd)

    def _room(self, profile_row: int, field_row: int, fields: int) -> None:
        if profile_row >= len(self._counts):
            size = max(profile_row + 1, 2 * len(self._counts), 64)
            self._rows = _grown(self._rows, size, -1)
            self._counts = _grown(self._counts, size, 0)
            self._lengths = _grown(self._lengths, size, 0)
        if fields > self._rows.shape[1]:
            wider = np.full((len(self._rows), max(fields, 2 * self._rows.shape[1])), -1, np.int32)
            wider[:, : self._rows.shape[1]] = self._rows
            self._rows = wider
        if field_row >= len(self._kinds):
            size = max(field_row + 1, 2 * len(self._kinds), 64)
            self._kinds = _grown(self._kinds, size, 0)
            self._numbers = _grown(self._numbers, size, 0)


def _plain_number(text: str) -> bool:
    """Whether a number is written as ``str(int(text))`` writes it, and fits 64 bits."""
    return text.isascii() and text.isdigit() and len(text) < 19 and (text[0] != "0" or text == "0")


def _grown(array: npt.NDArray[_T], size: int, fill: int) -> npt.NDArray[_T]:
    """The array with room for ``size`` rows, the new ones ``fill``."""
    grown = np.full((size, *array.shape[1:]), fill, dtype=array.dtype)
    grown[: len(array)] = array
    return grown
