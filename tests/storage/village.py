"""A small community the storage tests build on: Ana, Ben and Cleo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain import Community, Member

NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


@dataclass
class Village:
    community: Community
    ana: Member
    ben: Member
    cleo: Member

    @property
    def community_id(self) -> int:
        assert self.community.id is not None
        return self.community.id


def member_id(member: Member) -> int:
    assert member.id is not None
    return member.id
