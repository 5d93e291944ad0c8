"""On PostgreSQL a process lets two commands' transactions overlap (one waits for the
server while the other runs, see ``givefirst.bootstrap``): many members acting at
once all get their answer, and nothing one of them did is lost or done twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import GiveFirst
from bot.clock import FakeClock
from tests.conftest import storage_for
from tests.core.conftest import COMMUNITY, Town
from tests.core.fakes import FakeChat

pytestmark = pytest.mark.postgres


class Counted:
    """The bot's turns for transactions, counting how many were taken at once."""

    def __init__(self, turns: asyncio.Semaphore) -> None:
        self._turns = turns
        self.open = self.most = 0

    async def __aenter__(self) -> None:
        await self._turns.acquire()
        self.open += 1
        self.most = max(self.most, self.open)

    async def __aexit__(self, *_: object) -> None:
        self.open -= 1
        self._turns.release()


async def test_members_acting_at_once_are_all_answered_once(tmp_path: Path) -> None:
    async for storage in storage_for("postgres", tmp_path):
        clock = FakeClock()
        bot = GiveFirst(storage.unit_of_work, clock, concurrent_use_cases=2)
        bot._use_cases = turns = Counted(bot._use_cases)  # type: ignore[assignment]
        town = Town(bot, FakeChat(), clock, storage.unit_of_work, storage)
        offers = [town.say(f"helper{n}", f"/offer CV reviews, round {n} #resume") for n in range(8)]
        assert all(h.error is None for h in await asyncio.gather(*offers))
        asks = [town.say(f"asker{n}", "/ask CV help please #resume") for n in range(8)]
        thanks = [town.say("helper0", f"/thanks @helper{n} for the tips") for n in range(1, 5)]
        handled = await asyncio.gather(*asks, *thanks)

        assert [h.error for h in handled] == [None] * 12
        assert turns.most == 2, "two transactions at once, never more"
        async with storage.unit_of_work() as uow:
            community = await uow.communities.get_by_key(COMMUNITY)
            assert community is not None and community.id is not None
            members = await uow.members.list(community.id)
            assert len(members) == 16, "each member once"
            by_member = [await uow.asks.by_member(m.id or 0) for m in members]
            assert sum(len(asked) for asked in by_member) == 8
            assert len(await uow.thanks.involving(members[0].id or 0)) == 4
