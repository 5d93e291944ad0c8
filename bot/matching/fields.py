"""The words of a member that matching reads, field by field, and their vectors.

A member is described by their skills (one line), their bio and each open offer;
each field gets a vector of its own, so a member is found by the closest of their
words, not by an average that a long profile dilutes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bot.domain.directory import FieldVector
from bot.skills import Vocabulary

Vector = npt.NDArray[np.float32]


def skills_text(skills: Sequence[str]) -> str:
    """A member's skills (canonical names) as one line a sentence model reads well:
    their labels in the shipped vocabulary ("resume" is "resumes and CVs")."""
    if not skills:
        return ""
    vocabulary = Vocabulary.default()
    return "Skills: " + ", ".join(vocabulary.describe(skill) for skill in skills)


def field_hash(text: str) -> str:
    """Whether a stored vector still stands for a field's words."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def quantised(vector: Vector) -> tuple[npt.NDArray[np.int8], float]:
    """A vector as int8 components and the one scale that turns them back (a quarter
    of the float size; cosines change by about one part in a thousand)."""
    peak = float(max(vector.max(), -vector.min())) or 1.0
    scaled = vector / peak * 127.0  # within ±127 already: no clipping needed
    return np.rint(scaled, out=scaled).astype(np.int8), peak / 127.0


def quantised_rows(
    rows: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """:func:`quantised` for each row of a matrix at once: the int8 rows and their
    scales."""
    peaks = np.abs(rows).max(axis=1)
    peaks[peaks == 0] = 1.0
    scaled = rows / peaks[:, None] * np.float32(127.0)
    return np.rint(scaled, out=scaled).astype(np.int8), peaks / np.float32(127.0)


def packed(key: str, text: str, vector: Vector) -> FieldVector:
    """A unit vector, :func:`quantised`, to be stored."""
    components, scale = quantised(vector)
    return FieldVector(key, field_hash(text), components.tobytes(), scale)


def unpacked(vector: FieldVector) -> Vector:
    components = np.frombuffer(vector.components, dtype=np.int8).astype(np.float32)
    result: Vector = components * np.float32(vector.scale)
    return result
