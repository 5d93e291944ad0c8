"""Imperative mapping of the core's dataclasses onto the tables.

The domain classes stay plain; SQLAlchemy instruments them so objects the core
loads and changes inside a unit of work are saved when it commits.
"""

from __future__ import annotations

from sqlalchemy.orm import registry

from bot.domain import (
    Ask,
    Community,
    Introduction,
    Member,
    NeverPair,
    Offer,
    Post,
    Round,
    RoundGroup,
    RoundParticipant,
    Thanks,
)
from storage import scheduled, tables

mapper_registry = registry(metadata=tables.metadata)


def start_mappers() -> None:
    """Map the domain classes once per process; later calls do nothing."""
    if mapper_registry.mappers:
        return
    mapper_registry.map_imperatively(Community, tables.communities)
    # Their directory revisions are stamped by storage at commit (see storage.directory).
    revision = ["directory_revision"]
    mapper_registry.map_imperatively(Member, tables.members, exclude_properties=revision)
    mapper_registry.map_imperatively(Offer, tables.offers, exclude_properties=revision)
    mapper_registry.map_imperatively(Ask, tables.asks, exclude_properties=revision)
    mapper_registry.map_imperatively(Introduction, tables.introductions)
    mapper_registry.map_imperatively(Thanks, tables.thanks)
    mapper_registry.map_imperatively(Post, tables.posts)
    mapper_registry.map_imperatively(RoundParticipant, tables.round_participants)
    mapper_registry.map_imperatively(NeverPair, tables.round_never_pairs)
    mapper_registry.map_imperatively(Round, tables.rounds)
    mapper_registry.map_imperatively(RoundGroup, tables.round_groups)
    scheduled.map_outbox(mapper_registry)
