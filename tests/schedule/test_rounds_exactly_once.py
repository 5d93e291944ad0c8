"""Give-first rounds with several scheduler processes and crashes: each community's
round is planned once, and every introduction reaches its members once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FakeClock
from bot.domain import Community, Member, RoundParticipant
from bot.messages import DirectMessage
from bot.scheduler import Scheduler
from tests.schedule.conftest import MemoryDatabase, RecordingChat, add_community, scheduler
from tests.schedule.test_exactly_once import DyingChat, Killed

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; rounds at 10:00 UTC


async def communities_with_members(database: MemoryDatabase, count: int, members: int) -> None:
    setup = await database.process()
    for n in range(count):
        community = await add_community(
            setup,
            Community(
                key=f"console:r{n}",
                channel_id=f"C{n}",
                created_at=START,
                rounds_every_weeks=1,
                rounds_hour=10,
                rounds_since=START,
            ),
        )
        async with setup() as uow:
            for m in range(members):
                member = Member(community.id or 0, f"c{n}m{m}", f"Member {m}", joined_at=START)
                await uow.members.add(member)
                await uow.rounds.join(RoundParticipant(community.id or 0, member.id or 0, START))
            await uow.commit()


def introductions(
    chat: RecordingChat, words: str = "meet each other"
) -> Counter[tuple[tuple[str, ...], datetime]]:
    """Each introduction sent (or other round DM), by its members and the day it went out."""
    return Counter(
        (tuple(sorted(s.message.to.user_ids)), t.replace(hour=0, minute=0))
        for s, t in zip(chat.sent, chat.times, strict=True)
        if isinstance(s.message.to, DirectMessage) and words in s.message.summary
    )


async def test_three_processes_plan_and_deliver_each_round_exactly_once(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    weeks, count, members = (3, 4, 9) if database.concurrent else (2, 2, 6)
    await communities_with_members(database, count, members)
    chat = RecordingChat(clock)
    workers = [scheduler(await database.process(), clock) for _ in range(3)]
    clock.set(START)
    while clock.now() < START + timedelta(weeks=weeks):
        await asyncio.gather(*(w.tick(lambda c: chat) for w in workers))
        clock.advance(timedelta(hours=6))

    sent = introductions(chat) + introductions(chat, "couldn't find anyone for you")
    assert sent and max(sent.values()) == 1, "no introduction twice"
    for n in range(count):
        for week in range(weeks):
            day = START.replace(hour=0) + timedelta(weeks=week)
            grouped = [g for g, d in sent if d == day and g[0].startswith(f"c{n}m")]
            assert sorted(m for g in grouped for m in g) == sorted(
                f"c{n}m{m}" for m in range(members)
            ), f"community {n}, week {week}: everyone introduced or told, exactly once"
    async with (await database.process())() as uow:
        for community in await uow.communities.list():
            assert len(await uow.rounds.latest(community.id or 0, 10)) == weeks


@pytest.mark.parametrize("dies", ["after planning", "while sending"])
async def test_a_process_killed_mid_round_leaves_it_to_the_others(
    database: MemoryDatabase, clock: FakeClock, dies: str
) -> None:
    await communities_with_members(database, 1, 5)
    clock.set(START + timedelta(hours=1, minutes=1))
    lease = timedelta(minutes=5)
    doomed = Scheduler(await database.process(), clock, min_interval=0, lease=lease)
    if dies == "after planning":
        assert await doomed.plan() == 2, "a pair and a trio, queued; then the process dies"
    else:
        with pytest.raises(Killed):
            await doomed.tick(lambda c: DyingChat(clock))

    chat = RecordingChat(clock)
    survivors = [
        Scheduler(await database.process(), clock, min_interval=0, lease=lease) for _ in range(2)
    ]
    for _ in range(3):
        await asyncio.gather(*(s.tick(lambda c: chat) for s in survivors))
        clock.advance(lease + timedelta(seconds=1))
    sent = introductions(chat)
    assert sorted(len(members) for members, _ in sent) == [2, 3]
    assert set(sent.values()) == {1}, "each introduction once"
