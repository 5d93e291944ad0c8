"""Fair turns: who should be asked first among helpers who could all help.

Relevance decides who *can* help; these rules decide who *should* be asked, so that
the same few generous members are not asked every time and new connections form.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.pairing import is_at_capacity
from bot.matching.profiles import MatchContext

LOAD_PENALTY = 0.35
"""Share of priority lost by a helper who has used all of this week's introductions."""
REPEAT_PAIR_FACTOR = 0.8
"""Priority kept by a helper the asker has already been introduced to."""
NEAR_TIMEZONE_HOURS = 3
FAR_TIMEZONE_HOURS = 6
URGENT_WORDS = frozenset(
    {
        "urgent",
        "urgently",
        "asap",
        "today",
        "tonight",
        "call",
        "live",
        "pair",
        "pairing",
        "zoom",
        "now",
        "emergency",
        "deadline",
        "quickly",
        "hour",
    }
)
"""Words saying the asker needs someone awake at the same time as them."""


def at_capacity(member_id: int, context: MatchContext) -> bool:
    """Whether a helper already had all the introductions they can take this week (the
    rule of :mod:`bot.domain.pairing`, on the loads the context carries)."""
    return is_at_capacity(context.recent_introductions.get(member_id, 0), context.capacity)


def is_eligible(member_id: int, context: MatchContext) -> bool:
    """Whether a member may be suggested to this asker at all."""
    return (
        member_id != context.asker_id
        and member_id not in context.unavailable
        and not at_capacity(member_id, context)
    )


def priority(
    member_id: int,
    relevance: float,
    context: MatchContext,
    helper_timezone: str | None,
    urgent: bool,
) -> float:
    """Relevance adjusted for recent load, repeat pairs and (when urgent) time zones."""
    load = context.recent_introductions.get(member_id, 0)
    score = relevance * (
        1.0 - LOAD_PENALTY * min(load, context.capacity) / max(context.capacity, 1)
    )
    if member_id in context.previous_partners:
        score *= REPEAT_PAIR_FACTOR
    if urgent:
        score *= timezone_factor(context.asker_timezone, helper_timezone, context.now)
    return score


def timezone_factor(asker: str | None, helper: str | None, now: datetime) -> float:
    """How well two members' days overlap: 1 when close, lower as they drift apart."""
    gap = hours_apart(asker, helper, now)
    if gap is None:
        return 0.85
    if gap <= NEAR_TIMEZONE_HOURS:
        return 1.0
    if gap <= FAR_TIMEZONE_HOURS:
        return 0.85
    return 0.65


def hours_apart(first: str | None, second: str | None, now: datetime) -> float | None:
    """Hours between two IANA time zones at a moment, or None if either is unknown."""
    first_offset = _utc_offset_hours(first, now)
    second_offset = _utc_offset_hours(second, now)
    if first_offset is None or second_offset is None:
        return None
    gap = abs(first_offset - second_offset) % 24
    return min(gap, 24 - gap)


def is_urgent(ask_words: set[str]) -> bool:
    """Whether an ask wants live help (a call, pairing, today)."""
    return not URGENT_WORDS.isdisjoint(ask_words)


def _utc_offset_hours(timezone: str | None, now: datetime) -> float | None:
    zone = _zone(timezone) if timezone else None
    if zone is None:
        return None
    offset = now.astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else None


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, or too long a name
        return None
