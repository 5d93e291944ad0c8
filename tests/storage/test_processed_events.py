"""Platform retries are recognised, even when several workers see them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.scheduler import Scheduler
from storage import SqlAlchemyUnitOfWork, Storage
from tests.storage.village import NOW

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


async def test_an_event_is_new_only_the_first_time(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.events.first_time("slack:Ev01", NOW) is True
        assert await uow.events.first_time("slack:Ev01", NOW) is False
        assert await uow.events.first_time("slack:Ev02", NOW) is True
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.events.first_time("slack:Ev01", NOW) is False


async def test_an_event_recorded_in_a_rolled_back_unit_of_work_is_new_again(
    uow_factory: UowFactory,
) -> None:
    async with uow_factory() as uow:
        assert await uow.events.first_time("discord:42", NOW) is True

    async with uow_factory() as uow:
        assert await uow.events.first_time("discord:42", NOW) is True


async def test_concurrent_workers_agree_on_exactly_one_first_time(storage: Storage) -> None:
    # Separate engines stand in for separate worker processes.
    url = storage.engine.url.render_as_string(hide_password=False)
    workers = [Storage.connect(url) for _ in range(5)]

    async def handle(worker: Storage) -> bool:
        async with worker.unit_of_work() as uow:
            first = await uow.events.first_time("slack:Ev-retried", NOW)
            await uow.commit()
            return first

    try:
        results = await asyncio.gather(*(handle(w) for w in workers for _ in range(2)))
    finally:
        for worker in workers:
            await worker.dispose()

    assert sorted(results) == [False] * 9 + [True]


async def test_event_ids_are_forgotten_after_a_day(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork],
) -> None:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    clock = FakeClock(start)
    async with uow_factory() as uow:
        assert await uow.events.first_time("slack:trigger:old", start)
        await uow.commit()
    scheduler = Scheduler(uow_factory, clock)
    clock.advance(timedelta(hours=23))
    await scheduler.plan()
    async with uow_factory() as uow:
        assert not await uow.events.first_time("slack:trigger:old", clock.now()), "still known"
    clock.advance(timedelta(hours=2))
    await scheduler.plan()
    async with uow_factory() as uow:
        assert await uow.events.first_time("slack:trigger:old", clock.now()), "forgotten"
