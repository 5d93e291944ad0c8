"""Digest slots land on the community's local weekday and hour, whatever the season."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import Community
from bot.schedule import digest_period, latest_digest_slot, previous_digest_slot

MONDAY, WEDNESDAY = 0, 2


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_los_angeles_monday_nine_am_before_and_after_spring_forward() -> None:
    # 2026-03-08 the US clocks go forward: 9:00 PST is 17:00 UTC, 9:00 PDT is 16:00 UTC.
    assert latest_digest_slot(MONDAY, 9, "America/Los_Angeles", utc(2026, 3, 2, 17, 0)) == utc(
        2026, 3, 2, 17, 0
    )
    assert latest_digest_slot(MONDAY, 9, "America/Los_Angeles", utc(2026, 3, 9, 15, 59)) == utc(
        2026, 3, 2, 17, 0
    )
    assert latest_digest_slot(MONDAY, 9, "America/Los_Angeles", utc(2026, 3, 9, 16, 0)) == utc(
        2026, 3, 9, 16, 0
    )


def test_auckland_monday_nine_am_falls_on_sunday_in_utc_and_moves_when_nz_falls_back() -> None:
    # 2026-04-05 New Zealand leaves daylight time: +13 becomes +12.
    assert latest_digest_slot(MONDAY, 9, "Pacific/Auckland", utc(2026, 3, 29, 20, 0)) == utc(
        2026, 3, 29, 20, 0
    )
    assert latest_digest_slot(MONDAY, 9, "Pacific/Auckland", utc(2026, 4, 5, 20, 30)) == utc(
        2026, 3, 29, 20, 0
    )
    assert latest_digest_slot(MONDAY, 9, "Pacific/Auckland", utc(2026, 4, 5, 21, 0)) == utc(
        2026, 4, 5, 21, 0
    )


def test_the_period_covers_the_local_week_even_when_it_is_not_168_hours() -> None:
    slot = utc(2026, 3, 9, 16, 0)
    since = previous_digest_slot(slot, 9, "America/Los_Angeles")
    assert since == utc(2026, 3, 2, 17, 0)
    assert slot - since == timedelta(hours=167)


def test_an_hour_the_clock_skips_fires_as_the_clock_jumps_past_it() -> None:
    # 02:00 on 2026-03-08 does not exist in Los Angeles; it is read as 02:00 PST = 10:00 UTC.
    assert latest_digest_slot(6, 2, "America/Los_Angeles", utc(2026, 3, 8, 12, 0)) == utc(
        2026, 3, 8, 10, 0
    )


def test_a_community_configured_for_wednesday_does_not_post_on_monday() -> None:
    community = Community(
        key="console:w",
        digest_weekday=WEDNESDAY,
        digest_hour=9,
        timezone="UTC",
        created_at=utc(2026, 1, 1, 0, 0),
        id=1,
    )
    monday = utc(2026, 3, 9, 9, 30)
    period = digest_period(community, monday)
    assert period is not None
    assert period.slot == utc(2026, 3, 4, 9, 0), "still last Wednesday's digest on Monday"
    assert digest_period(community, utc(2026, 3, 11, 9, 0)) == period.__class__(
        1, utc(2026, 3, 4, 9, 0), utc(2026, 3, 11, 9, 0)
    )


def test_a_community_created_after_the_slot_waits_for_its_first_week() -> None:
    community = Community(key="console:new", created_at=utc(2026, 3, 9, 10, 0), id=1)
    assert digest_period(community, utc(2026, 3, 12, 0, 0)) is None
    period = digest_period(community, utc(2026, 3, 16, 9, 0))
    assert period is not None and period.slot == utc(2026, 3, 16, 9, 0)


ZONES = ["UTC", "America/Los_Angeles", "Pacific/Auckland", "Europe/London", "Asia/Kolkata"]


@given(
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    zone=st.sampled_from(ZONES),
    now=st.datetimes(datetime(2024, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
)
def test_the_latest_slot_is_the_configured_local_time_within_the_past_week(
    weekday: int, hour: int, zone: str, now: datetime
) -> None:
    slot = latest_digest_slot(weekday, hour, zone, now)
    assert slot <= now < slot + timedelta(days=7, hours=1)
    local = slot.astimezone(ZoneInfo(zone))
    assert local.weekday() == weekday
    assert local.hour in (hour, hour + 1), "same hour, or the hour after a skipped one"
    since = previous_digest_slot(slot, hour, zone)
    assert timedelta(hours=166) <= slot - since <= timedelta(hours=170)
    assert latest_digest_slot(weekday, hour, zone, slot - timedelta(microseconds=1)) == since
