"""Two members of a give-first round group answering "did you meet?" at the same
moment, from two worker processes, each keep their answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain import Community, Member
from bot.domain.rounds import Round, RoundGroup, RoundOutcome
from storage import Storage
from tests.storage.village import NOW


async def test_two_answers_at_once_are_both_kept(storage: Storage) -> None:
    async with storage.unit_of_work() as uow:
        community = Community(key="slack:TROUNDS", created_at=NOW)
        await uow.communities.add(community)
        assert community.id is not None
        ana = Member(community.id, "ana", "Ana", NOW)
        ben = Member(community.id, "ben", "Ben", NOW)
        for member in (ana, ben):
            await uow.members.add(member)
        round_ = Round(community.id, NOW, NOW, NOW + timedelta(days=11))
        await uow.rounds.add(round_)
        assert round_.id is not None and ana.id is not None and ben.id is not None
        group = RoundGroup(community.id, round_.id, [ana.id, ben.id])
        await uow.rounds.add_group(group)
        await uow.commit()
    assert group.id is not None
    group_id = group.id

    # Separate engines stand in for separate worker processes.
    url = storage.engine.url.render_as_string(hide_password=False)
    workers = [Storage.connect(url) for _ in range(2)]
    first_read, first_done = asyncio.Event(), asyncio.Event()

    async def first(worker: Storage) -> None:
        async with worker.unit_of_work() as uow:
            found = await uow.rounds.group(group_id)
            first_read.set()
            await asyncio.sleep(0.2)  # the other reads meanwhile, or waits to
            assert found is not None
            found.record(ana, RoundOutcome.MET, NOW)
            await uow.commit()
        first_done.set()

    async def second(worker: Storage) -> None:
        await first_read.wait()
        async with worker.unit_of_work() as uow:
            found = await uow.rounds.group(group_id)
            await first_done.wait()  # so an answer read before the first's is written after it
            assert found is not None
            found.record(ben, RoundOutcome.NOT_MET, NOW)
            await uow.commit()

    try:
        await asyncio.gather(first(workers[0]), second(workers[1]))
    finally:
        for worker in workers:
            await worker.dispose()
    async with storage.unit_of_work() as uow:
        kept = await uow.rounds.group(group_id)
    assert kept is not None
    assert (kept.answer_of(ana.id), kept.answer_of(ben.id)) == (
        RoundOutcome.MET,
        RoundOutcome.NOT_MET,
    )
    assert kept.outcome is RoundOutcome.MET
