"""Leases on scheduled messages: renewed while a sender works, handed on at once when it
stops, and handed on *in doubt* when a send was cut short, so the next sender checks."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter
from datetime import timedelta

import pytest

from bot import render
from bot.clock import FakeClock, SystemClock
from bot.domain import Community, OutboxMessage
from bot.message_json import to_json
from bot.messages import ChannelPost, Message
from bot.ports import PostRef, SendOnce, StorageUnavailable
from bot.repeating import run_scheduler
from bot.scheduler import Scheduler
from tests.schedule.conftest import MemoryDatabase, RecordingChat, UnitOfWorkFactory, add_community


class SlowChat(RecordingChat):
    """Each send takes ``seconds`` (or, with ``hang``, forever; or, given a ``gate``,
    until it opens); remembers what is in flight."""

    def __init__(
        self,
        clock: FakeClock,
        seconds: float = 0.0,
        *,
        hang: bool = False,
        gate: asyncio.Event | None = None,
    ) -> None:
        super().__init__(clock)
        self.seconds = seconds
        self.hang = hang
        self.gate = gate
        self.in_flight = 0
        self.started = asyncio.Event()
        self.two_in_flight = asyncio.Event()

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        self.in_flight += 1
        self.started.set()
        if self.in_flight >= 2:
            self.two_in_flight.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            else:
                await (asyncio.Event().wait() if self.hang else asyncio.sleep(self.seconds))
        finally:
            self.in_flight -= 1
        return await super().send(message, default_channel=default_channel, once=once)


async def queue_posts(unit_of_work: UnitOfWorkFactory, clock: FakeClock, count: int) -> None:
    """``count`` posts waiting in the outbox, each for a channel of its own."""
    town = await add_community(unit_of_work, Community(key="console:town", channel_id="C0"))
    async with unit_of_work() as uow:
        for n in range(count):
            await uow.outbox.add(
                OutboxMessage(
                    key=f"test:{n}",
                    community_id=town.id or 0,
                    payload=to_json(render.say(ChannelPost(f"C{n}"), f"post {n}")),
                    created_at=clock.now(),
                    claimed_until=clock.now(),
                )
            )
        await uow.commit()


async def begun(chat: SlowChat, sending: asyncio.Task[object]) -> None:
    """Wait until ``chat`` has begun a send; fail, rather than wait for ever, if the
    sender ends without one or nothing begins within 30 seconds."""
    started = asyncio.ensure_future(chat.started.wait())
    await asyncio.wait([started, sending], timeout=30, return_when=asyncio.FIRST_COMPLETED)
    started.cancel()
    assert chat.started.is_set(), f"no send began (the sender ended: {sending.done()})"


def posts(*chats: RecordingChat) -> Counter[str]:
    return Counter(s.message.as_plain_text() for chat in chats for s in chat.sent)


async def test_a_stopping_sender_hands_what_it_has_not_started_to_another_at_once(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    await queue_posts(await database.process(), clock, 6)
    leaving = Scheduler(await database.process(), clock, min_interval=0, concurrency=2)
    gate = asyncio.Event()
    slow = SlowChat(clock, gate=gate)
    sending = asyncio.create_task(leaving.deliver(lambda c: slow))
    async with asyncio.timeout(5):
        await slow.two_in_flight.wait()

    await leaving.stop()
    staying = Scheduler(await database.process(), clock, min_interval=0)
    chat = RecordingChat(clock)
    taken_over = await staying.deliver(lambda c: chat)
    assert taken_over.sent == 4, "the four not started, at once: no lease to wait out"
    assert slow.in_flight == 2, "while the two in flight are still going"
    gate.set()
    finished = await sending
    assert finished.sent == 2
    assert posts(slow, chat) == {f"post {n}": 1 for n in range(6)}
    assert not any(once and once.retry for once in chat.once), "none of them was in doubt"


async def test_a_sender_keeps_its_lease_for_as_long_as_it_works(database: MemoryDatabase) -> None:
    clock = SystemClock()
    await queue_posts(await database.process(), clock, 1)  # type: ignore[arg-type]
    lease = timedelta(seconds=1)
    slow = SlowChat(clock, seconds=2.0)  # type: ignore[arg-type]
    working = Scheduler(await database.process(), clock, min_interval=0, lease=lease)
    sending = asyncio.create_task(working.deliver(lambda c: slow))
    await begun(slow, sending)

    other = Scheduler(await database.process(), clock, min_interval=0, lease=lease)
    chat = RecordingChat(clock)  # type: ignore[arg-type]
    for _ in range(8):  # well past the lease, while the first sender is still at it
        await asyncio.sleep(0.25)
        await other.deliver(lambda c: chat)
    assert (await sending).sent == 1
    assert chat.sent == [], "renewed every quarter of the lease: never taken over"


async def test_a_send_cut_short_goes_on_in_doubt_at_once(
    database: MemoryDatabase, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await queue_posts(await database.process(), clock, 1)
    stuck = SlowChat(clock, hang=True)
    leaving = Scheduler(await database.process(), clock, min_interval=0)
    sending = asyncio.create_task(leaving.deliver(lambda c: stuck))
    await begun(stuck, sending)
    caplog.set_level(logging.WARNING, logger="bot.leases")
    sending.cancel()  # the grace period is over
    with pytest.raises(asyncio.CancelledError):
        await sending
    assert "interrupted mid-send" in caplog.text

    chat = RecordingChat(clock)
    staying = Scheduler(await database.process(), clock, min_interval=0)
    delivered = await staying.deliver(lambda c: chat)
    assert (delivered.sent, delivered.in_doubt) == (1, 1)
    [once] = chat.once
    assert once is not None and once.retry and once.key == "test:0"


async def test_a_dead_senders_messages_go_on_in_doubt_once_its_lease_runs_out(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    await queue_posts(await database.process(), clock, 1)

    class Killed(BaseException):
        pass

    class DyingChat(RecordingChat):
        async def send(
            self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
        ) -> PostRef | None:
            raise Killed

    with pytest.raises(Killed):
        await Scheduler(await database.process(), clock).deliver(lambda c: DyingChat(clock))
    chat = RecordingChat(clock)
    survivor = Scheduler(await database.process(), clock, min_interval=0)
    assert (await survivor.deliver(lambda c: chat)).sent == 0, "its lease still holds"
    clock.advance(timedelta(seconds=16))
    assert (await survivor.deliver(lambda c: chat)).sent == 1, "seconds later, not minutes"
    assert [once.retry for once in chat.once if once] == [True]


async def test_the_scheduler_backs_off_while_the_database_is_away_and_resumes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    loop = asyncio.get_running_loop()
    attempts: list[float] = []
    stop = asyncio.Event()

    async def tick() -> None:
        attempts.append(loop.time())
        if len(attempts) <= 4:
            raise StorageUnavailable("connection refused")
        if len(attempts) == 6:
            stop.set()

    await asyncio.wait_for(
        run_scheduler(tick, stop, every=10, deliver=tick, deliver_every=0.05, backoff_cap=0.2),
        timeout=5,
    )
    waits = [round(b - a, 2) for a, b in itertools.pairwise(attempts)]
    assert waits[:4] == pytest.approx([0.05, 0.1, 0.2, 0.2], abs=0.04), "doubling, capped"
    assert waits[4] == pytest.approx(0.05, abs=0.04), "back to normal once it is back"
    said = [r.getMessage() for r in caplog.records]
    assert sum("out of reach" in line for line in said) == 1, "said once, not every round"
    assert any("the database is back" in line for line in said)
