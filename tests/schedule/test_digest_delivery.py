"""Weekly digests go out at each community's local hour, once, in its channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.clock import FakeClock
from bot.domain import Community, Member
from bot.messages import ChannelPost
from tests.schedule.conftest import (
    MemoryDatabase,
    RecordingChat,
    UnitOfWorkFactory,
    add_community,
    scheduler,
)

CREATED = datetime(2026, 2, 23, tzinfo=UTC)


def community(key: str, zone: str, weekday: int = 0, **settings: object) -> Community:
    values: dict[str, object] = dict(
        key=key,
        name=key,
        channel_id=f"C-{key}",
        digest_weekday=weekday,
        digest_hour=9,
        timezone=zone,
        skip_quiet_weeks=False,
        created_at=CREATED,
    )
    return Community(**{**values, **settings})  # type: ignore[arg-type]


def posts_by_channel(chat: RecordingChat) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = {}
    for sent, when in zip(chat.sent, chat.times, strict=True):
        assert isinstance(sent.message.to, ChannelPost)
        out.setdefault(sent.message.to.channel_id or "", []).append(when)
    return out


async def run_for(
    unit_of_work: UnitOfWorkFactory,
    clock: FakeClock,
    chat: RecordingChat,
    until: datetime,
    step: timedelta = timedelta(hours=1),
) -> None:
    worker = scheduler(unit_of_work, clock)
    while clock.now() < until:
        await worker.tick(lambda c: chat)
        clock.advance(step)


async def test_auckland_and_los_angeles_get_their_digest_at_nine_local_across_dst(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    unit_of_work = await database.process()
    await add_community(unit_of_work, community("nz", "Pacific/Auckland"))
    await add_community(unit_of_work, community("la", "America/Los_Angeles"))
    await add_community(unit_of_work, community("wed", "UTC", weekday=2))
    # 23 Feb – 20 Apr 2026: the US springs forward on 8 Mar, New Zealand falls back on 5 Apr.
    await run_for(unit_of_work, clock, chat, datetime(2026, 4, 20, 0, 0, tzinfo=UTC))

    posted = posts_by_channel(chat)
    for key, zone in (("nz", "Pacific/Auckland"), ("la", "America/Los_Angeles")):
        local = [t.astimezone(ZoneInfo(zone)) for t in posted[f"C-{key}"]]
        assert [(t.weekday(), t.hour) for t in local] == [(0, 9)] * len(local), key
        assert all(t.minute == 0 for t in local), "posted on the first tick after the slot"
        assert len({t.date() for t in local}) == len(local) == 8, "one digest a week"
    utc_hours_la = {t.hour for t in posted["C-la"]}
    assert utc_hours_la == {16, 17}, "the UTC hour moves with daylight saving"
    utc_hours_nz = {t.hour for t in posted["C-nz"]}
    assert utc_hours_nz == {20, 21}
    wednesday = posted["C-wed"]
    assert wednesday and all(t.weekday() == 2 and t.hour == 9 for t in wednesday)
    assert not any(t.weekday() == 0 for t in wednesday), "a Wednesday community never posts Monday"


async def test_a_quiet_week_is_skipped_but_still_counted_as_done(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    unit_of_work = await database.process()
    quiet = await add_community(unit_of_work, community("quiet", "UTC", skip_quiet_weeks=True))
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 3, tzinfo=UTC))
    assert chat.sent == []
    async with unit_of_work() as uow:
        key = f"digest:{quiet.id}:2026-03-02T09:00:00+00:00"
        assert await uow.claims.claimed([key]) == {key}


async def test_without_a_channel_the_digest_waits_until_one_is_set(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    unit_of_work = await database.process()
    lost = await add_community(unit_of_work, community("lost", "UTC", channel_id=None))
    async with unit_of_work() as uow:
        assert lost.id is not None
        await uow.members.add(
            Member(
                lost.id,
                "ana",
                "Ana",
                joined_at=datetime(2026, 2, 26, tzinfo=UTC),
                first_used_at=datetime(2026, 2, 26, tzinfo=UTC),
            )
        )
        await uow.commit()
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 3, tzinfo=UTC))
    assert chat.sent == []
    async with unit_of_work() as uow:
        stored = await uow.communities.get_by_key("lost")
        assert stored is not None
        stored.channel_id = "C-found"
        await uow.commit()
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 4, tzinfo=UTC))
    [digest] = [s.message for s in chat.sent]
    assert digest.to == ChannelPost("C-found")
    assert "@ana" in digest.as_plain_text(), "the week's newcomer is welcomed"
