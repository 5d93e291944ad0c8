"""Platform retries are recognised, even when several workers see them at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

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
