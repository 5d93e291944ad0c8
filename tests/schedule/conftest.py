"""A database several scheduler "processes" share, and a chat that records posts.

Each backend hands out unit-of-work factories; on SQL backends every call opens
its own engine, as a separate process would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest

from bot.clock import FakeClock
from bot.domain import Community
from bot.messages import Message
from bot.ports import PostRef, UnitOfWork
from bot.scheduler import Scheduler
from tests.core.fakes import FakeChat, FakeStore, FakeUnitOfWork

UnitOfWorkFactory = Callable[[], UnitOfWork]


class MemoryDatabase:
    concurrent = False

    def __init__(self) -> None:
        self.store = FakeStore()

    async def process(self) -> UnitOfWorkFactory:
        return lambda: FakeUnitOfWork(self.store)

    async def close(self) -> None:
        pass


@pytest.fixture(params=["memory"])
async def database(request: pytest.FixtureRequest) -> AsyncIterator[MemoryDatabase]:
    db = MemoryDatabase()
    yield db
    await db.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 2, 23, 0, 0, tzinfo=UTC))


class RecordingChat(FakeChat):
    """Remembers when (by the fake clock) each message went out."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.times: list[datetime] = []

    async def send(self, message: Message, *, default_channel: str | None) -> PostRef | None:
        ref = await super().send(message, default_channel=default_channel)
        self.times.append(self.clock.now())
        return ref


@pytest.fixture
def chat(clock: FakeClock) -> RecordingChat:
    return RecordingChat(clock)


def scheduler(unit_of_work: UnitOfWorkFactory, clock: FakeClock, **options: object) -> Scheduler:
    return Scheduler(unit_of_work, clock, min_interval=0, **options)  # type: ignore[arg-type]


async def add_community(unit_of_work: UnitOfWorkFactory, community: Community) -> Community:
    async with unit_of_work() as uow:
        await uow.communities.add(community)
        await uow.commit()
    return community
