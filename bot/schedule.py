"""When scheduled work is due: digest and round slots in a community's own time zone.

A digest slot is the configured weekday and hour on the community's local wall
clock. Converting through :mod:`zoneinfo` for every week (rather than adding 7×24
hours to a UTC instant) keeps the post at 9:00 local time on both sides of a
daylight-saving change. An hour skipped by the clock going forward (02:30 on the
spring-forward night) is read with the offset in force before the change, so the
post goes out at the same instant the clock jumps past; an hour that happens
twice (autumn) fires at its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import Community, Subject, SubjectKind
from bot.messages import Message

WEEK = timedelta(days=7)
HALF_WEEK = WEEK / 2
MINUTE = timedelta(minutes=1)
DIGEST_CLAIM_PREFIX = "digest:"
ROUND_CLAIM_PREFIX = "round:"
ROUND_FOLLOW_UP_BEFORE = timedelta(days=3)
"""How long before the next round its pairs are asked whether they met."""


@dataclass(frozen=True)
class Scheduled:
    """Messages decided on by one piece of scheduled work, under the key that claimed it."""

    key: str
    community_id: int
    messages: list[Message]


def outbox_key(claim: str, n: int) -> str:
    """The key of the ``n``-th message a piece of claimed work sends."""
    return f"{claim}#{n}"


def claim_of(outbox_key: str) -> str:
    """The claim an outbox message was sent under (see :func:`outbox_key`)."""
    return outbox_key.partition("#")[0]


@dataclass(frozen=True)
class DigestPeriod:
    """One community's digest week: it covers ``since`` up to (not including) ``slot``."""

    community_id: int
    since: datetime
    slot: datetime

    @property
    def key(self) -> str:
        """The claim (and outbox) key: unique per community and week."""
        return f"{digest_claims(self.community_id)}{self.slot.isoformat()}"

    @property
    def subject(self) -> Subject:
        """What the week's digest post is recorded as: the minute it was due."""
        return Subject(SubjectKind.DIGEST, int(self.slot.timestamp()) // 60)


def _local_slot(day: date, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def latest_digest_slot(weekday: int, hour: int, timezone: str, now: datetime) -> datetime:
    """The most recent digest slot at or before ``now``, as an aware UTC datetime.

    ``weekday`` counts from 0 = Monday; ``hour`` is 0–23 on the local wall clock.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ValueError(f"no such digest time: weekday {weekday}, hour {hour}")
    zone = ZoneInfo(timezone)
    local_today = now.astimezone(zone).date()
    day = local_today - timedelta(days=(local_today.weekday() - weekday) % 7)
    slot = _local_slot(day, hour, zone)
    if slot > now:
        day -= WEEK
        slot = _local_slot(day, hour, zone)
    return slot


def previous_digest_slot(slot: datetime, hour: int, timezone: str) -> datetime:
    """The slot one local week before ``slot`` (167, 168 or 169 hours earlier)."""
    zone = ZoneInfo(timezone)
    return _local_slot(slot.astimezone(zone).date() - WEEK, hour, zone)


def digest_period(
    community: Community, now: datetime, last: datetime | None = None
) -> DigestPeriod | None:
    """The digest week that is due for ``community`` at ``now``, or None if none is.

    A week is due once its slot has passed and the community existed at the
    slot; only the latest slot is ever due, so a scheduler that was down for a
    month posts one digest, not four. ``last`` is the slot of the digest posted
    before, if known: after a change of time zone, day or hour, a slot less than half
    a week after it is not due (that week's digest went out already), and the first
    digest on the new schedule covers what the one before did not.
    """
    if community.id is None:
        return None
    slot = latest_digest_slot(
        community.digest_weekday, community.digest_hour, community.timezone, now
    )
    if community.created_at is not None and community.created_at >= slot:
        return None
    since = previous_digest_slot(slot, community.digest_hour, community.timezone)
    if last is not None:
        if slot - last < HALF_WEEK:
            return None
        if slot - last <= 2 * WEEK:
            since = last
    return DigestPeriod(community.id, since, slot)


def digest_claims(community_id: int) -> str:
    """What the claim keys of a community's digests begin with."""
    return f"{DIGEST_CLAIM_PREFIX}{community_id}:"


def slot_of_claim(key: str) -> datetime:
    """The slot a digest's or round's claim key names (see :attr:`DigestPeriod.key`)."""
    return datetime.fromisoformat(key.split(":", 2)[2])


def minute_of(now: datetime) -> datetime:
    """``now`` truncated to the minute: the grain of the scheduler's wake-ups."""
    return now.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class RoundSlot:
    """One community's give-first round: due at ``slot``, the next at ``next_slot``."""

    community_id: int
    slot: datetime
    next_slot: datetime

    @property
    def key(self) -> str:
        """The claim (and outbox) key: unique per community and round."""
        return f"{ROUND_CLAIM_PREFIX}{self.community_id}:{self.slot.isoformat()}"

    @property
    def follow_up_at(self) -> datetime:
        """A few days before the next round (halfway, for rounds a week apart)."""
        return self.next_slot - min(ROUND_FOLLOW_UP_BEFORE, (self.next_slot - self.slot) / 2)


def _first_round(community: Community) -> datetime | None:
    """The first weekly slot after the rounds' schedule was set."""
    since = community.rounds_since
    if since is None or not community.rounds_on:
        return None
    weekday, hour, timezone = community.rounds_weekday, community.rounds_hour, community.timezone
    first = latest_digest_slot(weekday, hour, timezone, since)
    if first <= since:
        first = _local_slot(
            first.astimezone(ZoneInfo(timezone)).date() + WEEK, hour, ZoneInfo(timezone)
        )
    return first


def round_slot(community: Community, now: datetime) -> RoundSlot | None:
    """The round due for ``community`` at ``now``, or None if none is: the latest slot
    on its schedule (every N weeks from the first) at or before ``now``. As with the
    digest, only the latest is ever due."""
    first = _first_round(community)
    if first is None or community.id is None or now < first:
        return None
    zone = ZoneInfo(community.timezone)
    latest = latest_digest_slot(
        community.rounds_weekday, community.rounds_hour, community.timezone, now
    )
    first_day, latest_day = first.astimezone(zone).date(), latest.astimezone(zone).date()
    every = community.rounds_every_weeks
    weeks_back = ((latest_day - first_day).days // 7) % every
    day = latest_day - weeks_back * WEEK
    return RoundSlot(
        community.id,
        _local_slot(day, community.rounds_hour, zone),
        _local_slot(day + every * WEEK, community.rounds_hour, zone),
    )


def upcoming_round(community: Community, now: datetime) -> RoundSlot | None:
    """The community's next round after ``now``, None while rounds are off."""
    at = next_round(community, now)
    return round_slot(community, at) if at is not None else None


def next_round(community: Community, now: datetime) -> datetime | None:
    """When the community's next round starts, after ``now``; None while rounds are off."""
    first = _first_round(community)
    if first is None or now < first:
        return first
    due = round_slot(community, now)
    return due.next_slot if due is not None else None
