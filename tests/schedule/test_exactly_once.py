"""Several scheduler processes, crashes and busy platforms: every message once."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot import render
from bot.clock import FakeClock
from bot.domain import Community, Introduction, IntroStatus, Member, OutboxMessage, Party
from bot.message_json import to_json
from bot.messages import ChannelPost, DirectMessage, Message
from bot.ports import DeliveryFailed, DeliveryProblem, PostRef, SendOnce
from bot.scheduler import Scheduler
from tests.schedule.conftest import MemoryDatabase, RecordingChat, add_community, scheduler

START = datetime(2026, 3, 1, tzinfo=UTC)


class Killed(BaseException):
    """The process died: nothing after this point runs."""


class DyingChat(RecordingChat):
    """Dies on its first post, as a process killed after claiming work would."""

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        raise Killed


class BusyChat(RecordingChat):
    """Answers the first ``busy`` posts with a rate limit."""

    def __init__(self, clock: FakeClock, busy: int) -> None:
        super().__init__(clock)
        self.busy = busy

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        if self.busy:
            self.busy -= 1
            raise DeliveryFailed(DeliveryProblem.RATE_LIMITED, "ratelimited", retry_after=30)
        return await super().send(message, default_channel=default_channel, once=once)


def communities(n: int) -> list[Community]:
    zones = ["UTC", "Pacific/Auckland", "America/Los_Angeles", "Europe/Berlin", "Asia/Tokyo"]
    return [
        Community(
            key=f"console:c{i}",
            channel_id=f"C{i}",
            digest_weekday=i % 7,
            digest_hour=(i * 5) % 24,
            timezone=zones[i % len(zones)],
            skip_quiet_weeks=False,
            created_at=START,
        )
        for i in range(n)
    ]


async def test_three_processes_post_every_digest_exactly_once(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    weeks, count = (4, 12) if database.concurrent else (3, 6)
    setup = await database.process()
    for c in communities(count):
        await add_community(setup, c)
    chat = RecordingChat(clock)
    workers = [scheduler(await database.process(), clock) for _ in range(3)]
    end = START + timedelta(weeks=weeks)
    while clock.now() < end:
        await asyncio.gather(*(w.tick(lambda c: chat) for w in workers))
        clock.advance(timedelta(hours=3))

    per_channel = Counter(
        (s.message.to.channel_id if isinstance(s.message.to, ChannelPost) else None, t.date())
        for s, t in zip(chat.sent, chat.times, strict=True)
    )
    assert per_channel and max(per_channel.values()) == 1, "no digest twice"
    for i in range(count):
        weekly = [day for channel, day in per_channel if channel == f"C{i}"]
        assert len(weekly) in (weeks, weeks - 1), f"community {i} missed a week: {weekly}"
        assert all(6 <= (b - a).days <= 8 for a, b in itertools.pairwise(weekly))


async def test_a_process_killed_after_claiming_leaves_the_digest_to_another(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    setup = await database.process()
    await add_community(setup, communities(1)[0])
    clock.set(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    lease = timedelta(minutes=5)

    doomed = Scheduler(await database.process(), clock, min_interval=0, lease=lease)
    with pytest.raises(Killed):
        await doomed.tick(lambda c: DyingChat(clock))

    chat = RecordingChat(clock)
    survivor = Scheduler(await database.process(), clock, min_interval=0, lease=lease)
    await survivor.tick(lambda c: chat)
    assert chat.sent == [], "the lease still protects the dead process's claim"
    clock.advance(lease + timedelta(seconds=1))
    await survivor.tick(lambda c: chat)
    await survivor.tick(lambda c: chat)
    assert len(chat.sent) == 1
    clock.advance(timedelta(days=1))
    await survivor.tick(lambda c: chat)
    assert len(chat.sent) == 1, "and never again that week"


async def test_a_rate_limited_post_waits_and_is_sent_later(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    setup = await database.process()
    await add_community(setup, communities(1)[0])
    clock.set(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    chat = BusyChat(clock, busy=1)
    worker = scheduler(await database.process(), clock)
    delivered = await worker.tick(lambda c: chat)
    assert (delivered.sent, delivered.held) == (0, 1)
    clock.advance(timedelta(seconds=10))
    assert (await worker.tick(lambda c: chat)).sent == 0, "not before the platform's retry-after"
    clock.advance(timedelta(seconds=25))
    assert (await worker.tick(lambda c: chat)).sent == 1
    async with setup() as uow:
        assert await uow.outbox.claim_due(clock.now() + timedelta(days=1), clock.now(), 10) == []


async def test_posts_to_one_channel_are_paced(database: MemoryDatabase, clock: FakeClock) -> None:
    setup = await database.process()
    town = await add_community(setup, Community(key="console:town", channel_id="C1"))
    async with setup() as uow:
        for n, channel in enumerate(["C1", "C1", "C2", "C1"]):
            await uow.outbox.add(
                OutboxMessage(
                    key=f"test:{n}",
                    community_id=town.id or 0,
                    payload=to_json(render.say(ChannelPost(channel), f"post {n}")),
                    created_at=clock.now(),
                    claimed_until=clock.now(),
                )
            )
        await uow.commit()
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    worker = Scheduler(
        await database.process(), clock, min_interval=1.0, sleep=sleep, monotonic=lambda: now[0]
    )
    chat = RecordingChat(clock)
    assert (await worker.deliver(lambda c: chat)).sent == 4
    assert slept == [1.0, 1.0], "three posts to C1 are a second apart; C2 doesn't wait"
    assert [s.message.as_plain_text() for s in chat.sent if s.ref and s.ref.channel_id == "C1"] == [
        "post 0",
        "post 1",
        "post 3",
    ]


async def test_follow_ups_and_reminders_go_out_once_across_restarts(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    setup = await database.process()
    clock.set(START)
    community = await add_community(setup, Community(key="console:town", created_at=START))
    async with setup() as uow:
        assert community.id is not None
        ana = Member(community.id, "ana", "Ana", joined_at=START)
        ben = Member(community.id, "ben", "Ben", joined_at=START)
        cy = Member(community.id, "cy", "Cy", joined_at=START)
        for m in (ana, ben, cy):
            await uow.members.add(m)
        assert ana.id and ben.id and cy.id
        accepted = Introduction(
            community.id,
            ana.id,
            ben.id,
            Party.HELPER,
            "",
            START,
            START + timedelta(days=3),
            status=IntroStatus.ACCEPTED,
            decided_at=START,
            follow_up_due_at=START + timedelta(days=7),
        )
        waiting = Introduction(
            community.id, ana.id, cy.id, Party.HELPER, "", START, START + timedelta(days=4)
        )
        await uow.introductions.add(accepted)
        await uow.introductions.add(waiting)
        await uow.commit()

    chat = RecordingChat(clock)
    for day in range(1, 12):
        clock.set(START + timedelta(days=day, minutes=1))
        # A fresh scheduler every day: the state that matters is in the database.
        await scheduler(await database.process(), clock).tick(lambda c: chat)
        await scheduler(await database.process(), clock).tick(lambda c: chat)

    def dms_to(user: str) -> list[tuple[datetime, str]]:
        return [
            (t, s.message.as_plain_text())
            for s, t in zip(chat.sent, chat.times, strict=True)
            if isinstance(s.message.to, DirectMessage) and s.message.to.user_ids == (user,)
        ]

    [(reminded, _)] = [d for d in dms_to("cy") if "reminder" in d[1]]
    assert reminded == START + timedelta(days=2, minutes=1), "halfway through four days"
    follow_ups = [d for d in dms_to("ana") if "Did you connect" in d[1]]
    assert [t for t, _ in follow_ups] == [START + timedelta(days=7, minutes=1)]
    async with setup() as uow:
        stored = await uow.introductions.get(waiting.id or 0)
        assert stored is not None and stored.status is IntroStatus.EXPIRED
        assert stored.reminded_at is not None
        sent = await uow.outbox.claim_due(clock.now() + timedelta(days=1), clock.now(), 100)
        assert sent == [], "nothing left waiting"


async def test_each_platforms_process_delivers_only_its_own_communities_messages(
    database: MemoryDatabase, clock: FakeClock
) -> None:
    setup = await database.process()
    for key, channel in (("slack:T0TOWN", "C0SLACK"), ("discord:4242", "4243")):
        await add_community(
            setup, Community(key=key, channel_id=channel, skip_quiet_weeks=False, created_at=START)
        )
    on_slack, on_discord = RecordingChat(clock), RecordingChat(clock)
    slack = scheduler(await database.process(), clock, platform="slack")
    discord = scheduler(await database.process(), clock, platform="discord")
    clock.set(START + timedelta(weeks=1, days=1))

    # The Slack process plans both digests, but may only send its own.
    await slack.tick(lambda c: on_slack)
    await discord.tick(lambda c: on_discord)

    def channels(chat: RecordingChat) -> list[str | None]:
        return [
            s.message.to.channel_id if isinstance(s.message.to, ChannelPost) else None
            for s in chat.sent
        ]

    assert channels(on_slack) == ["C0SLACK"]
    assert channels(on_discord) == ["4243"]
