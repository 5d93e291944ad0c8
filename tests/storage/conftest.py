"""Fixtures for the storage tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain import Community, Member
from storage import SqlAlchemyUnitOfWork
from tests.storage.village import NOW, Village


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
