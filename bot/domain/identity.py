"""Entities get their ids when storage first keeps them."""

from __future__ import annotations

from typing import Protocol


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def stored_id(entity: Stored) -> int:
    """The id of an entity storage has kept; an error for one it has not."""
    if entity.id is None:
        raise RuntimeError(f"{type(entity).__name__} has not been stored yet")
    return entity.id
