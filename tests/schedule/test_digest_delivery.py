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


async def _change(unit_of_work: UnitOfWorkFactory, key: str, **settings: object) -> None:
    async with unit_of_work() as uow:
        stored = await uow.communities.get_by_key(key)
        assert stored is not None
        for name, value in settings.items():
            setattr(stored, name, value)
        await uow.commit()


async def test_a_new_time_zone_or_hour_moves_the_digests_to_come_and_never_repeats_one(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    unit_of_work = await database.process()
    await add_community(unit_of_work, community("moved", "Europe/Berlin"))
    # Monday 2 March 2026, 09:00 in Berlin is 08:00 UTC: the week's digest goes out.
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    assert posts_by_channel(chat)["C-moved"][-1] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

    # At 10:00 UTC the admin moves the community to New York, where Monday 09:00 is
    # still to come (14:00 UTC): that week's digest went out already.
    await _change(unit_of_work, "moved", timezone="America/New_York")
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 16, 18, 0, tzinfo=UTC))
    assert posts_by_channel(chat)["C-moved"][-3:] == [
        datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 13, 0, tzinfo=UTC),  # 09:00 in New York (summer time from 8 Mar)
        datetime(2026, 3, 16, 13, 0, tzinfo=UTC),
    ]
    before = len(posts_by_channel(chat)["C-moved"])

    # A later hour the same day: the digest that went out at 09:00 is not posted again,
    # by the scheduler nor by `givefirst digest`.
    await _change(unit_of_work, "moved", digest_hour=15)
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 17, 0, 0, tzinfo=UTC))
    assert len(posts_by_channel(chat)["C-moved"]) == before
    said = await scheduler(unit_of_work, clock).claim_current_digest("moved", even_if_quiet=True)
    assert said == "The digest for the week up to 2026-03-16 19:00 UTC is already out."


async def test_a_digest_moved_to_later_in_the_week_covers_the_days_since_the_last(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    unit_of_work = await database.process()
    await add_community(unit_of_work, community("later", "UTC"))
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    # On Tuesday the digest moves from Monday to Thursday: this Thursday comes three days
    # after Monday's digest and is skipped; the next Thursday's covers all ten days.
    await _change(unit_of_work, "later", digest_weekday=3)
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 13, 0, 0, tzinfo=UTC))
    assert posts_by_channel(chat)["C-later"] == [
        datetime(2026, 2, 23, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 12, 9, 0, tzinfo=UTC),
    ]
    assert "(02 Mar – 12 Mar)" in chat.sent[-1].message.as_plain_text()


async def test_the_digest_names_the_days_of_the_community_s_own_week(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    """Monday 08:00 in Tokyo is Sunday 23:00 UTC: the week is Monday to Monday there."""
    unit_of_work = await database.process()
    await add_community(unit_of_work, community("tokyo", "Asia/Tokyo", digest_hour=8))
    await run_for(unit_of_work, clock, chat, datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    [*_, last] = chat.sent
    assert "This week in give-first (23 Feb – 02 Mar)" in last.message.as_plain_text()
