"""A small community the storage tests build on: Ana offers, Ben asks, Cleo watches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot.domain import Community, Member
from storage import SqlAlchemyUnitOfWork

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


@pytest.fixture
async def village(uow_factory: Callable[[], SqlAlchemyUnitOfWork]) -> Village:
    async with uow_factory() as uow:
        community = Community(key="console:village", name="The Village", created_at=NOW)
        await uow.communities.add(community)
        assert community.id is not None
        people = [
            Member(community.id, platform_user_id, name, joined_at=NOW)
            for platform_user_id, name in [("U1", "Ana"), ("U2", "Ben"), ("U3", "Cleo")]
        ]
        for person in people:
            await uow.members.add(person)
        await uow.commit()
    return Village(community, *people)
