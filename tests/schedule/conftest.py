"""A database several scheduler "processes" share, and a chat that records posts.

Each backend hands out unit-of-work factories; on SQL backends every call opens
its own engine, as a separate process would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain import Community
from bot.messages import Message
from bot.ports import PostRef, SendOnce, UnitOfWork
from bot.scheduler import Scheduler
from storage import Storage
from tests.conftest import _postgres_storage, _sqlite_storage
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


class SqlDatabase(MemoryDatabase):
    """A migrated database; each :meth:`process` gets its own engine and pool."""

    def __init__(self, storage: Storage) -> None:
        self.url = storage.engine.url.render_as_string(hide_password=False)
        self.concurrent = storage.dialect == "postgresql"
        self._engines: list[Storage] = []

    async def process(self) -> UnitOfWorkFactory:
        storage = Storage.connect(self.url)
        self._engines.append(storage)
        return storage.unit_of_work

    async def close(self) -> None:
        for storage in self._engines:
            await storage.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[MemoryDatabase]:
    if request.param == "memory":
        yield MemoryDatabase()
        return
    migrated = _sqlite_storage(tmp_path) if request.param == "sqlite" else _postgres_storage()
    async for storage in migrated:
        db = SqlDatabase(storage)
        try:
            yield db
        finally:
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

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        ref = await super().send(message, default_channel=default_channel, once=once)
        self.times.append(self.clock.now())
        return ref


@pytest.fixture
def chat(clock: FakeClock) -> RecordingChat:
    return RecordingChat(clock)


def scheduler(unit_of_work: UnitOfWorkFactory, clock: FakeClock, **options: object) -> Scheduler:
    options.setdefault("relevance_every", timedelta(days=1))
    return Scheduler(unit_of_work, clock, min_interval=0, **options)  # type: ignore[arg-type]


async def add_community(unit_of_work: UnitOfWorkFactory, community: Community) -> Community:
    async with unit_of_work() as uow:
        await uow.communities.add(community)
        await uow.commit()
    return community
