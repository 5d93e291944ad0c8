"""An admin's setting values, read and checked before anything is saved: mentions of
members and channels, hours, time zones, whole numbers, and the rounds' schedule."""

from __future__ import annotations

import functools
import re
import zoneinfo
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands import WEEKDAYS
from bot.errors import InvalidInput
from bot.messages import MENTIONED
from bot.skills.text import words as tag_words
from bot.text import clean, quotable

_CHANNEL = re.compile(r"^<#([A-Za-z0-9_.:-]+)>$")


def user_id_of(token: str) -> str | None:
    """The user id in a neutral mention ``<@U123>``, else None."""
    match = MENTIONED.fullmatch(token.strip())
    return match.group(1) if match else None


def channel_id_of(token: str) -> str | None:
    match = _CHANNEL.match(token.strip())
    return match.group(1) if match else None


def ensure_readable(value: str, example: str) -> None:
    """Refuse a name with bytes that were not text in it (U+FFFD once cleaned: see
    :func:`bot.text.clean`), rather than keep a name nobody typed."""
    cleaned = clean(value)
    if "\ufffd" in cleaned:
        raise InvalidInput(
            f"`{quotable(cleaned)}` has characters I couldn't read; type it again, e.g. {example}."
        )


@dataclass(frozen=True)
class RoundsSchedule:
    """``every 2 weeks monday 10:00 [Europe/Berlin]``, read."""

    every_weeks: int
    weekday: int
    hour: int
    timezone: str | None


def rounds_schedule(values: tuple[str, ...]) -> RoundsSchedule:
    """The schedule in ``/givefirst config rounds every …``; raises InvalidInput."""
    words = [v.lower() for v in values]
    problem = InvalidInput(f"Usage: {ROUNDS_SETTING_USAGE}")
    if not words or words[0] != "every":
        raise problem
    words = words[1:]
    every = 1
    if words and words[0].isdecimal():
        every = int(words[0]) if len(words[0]) <= MOST_DIGITS else MOST_DIGITS**2
        words = words[1:]
    if not words or words[0] not in ("week", "weeks"):
        raise problem
    words = words[1:]
    if not 2 <= len(words) <= 3 or words[0] not in WEEKDAYS:
        raise problem
    if not 1 <= every <= 12:
        raise InvalidInput("Rounds can be every 1 to 12 weeks.")
    start = parse_hour(words[1])
    if start.minute:
        raise InvalidInput("Rounds start on the hour; use e.g. `10:00`.")
    zone = ensure_timezone(values[-1]) if len(words) == 3 else None
    return RoundsSchedule(every, WEEKDAYS.index(words[0]), start.hour, zone)


ROUNDS_SETTING_USAGE = (
    "`/givefirst config rounds every 2 weeks monday 10:00 [Europe/Berlin]`, "
    "`… rounds off`, `… rounds size 2` (pairs) or `… rounds size 3` (trios)"
)


LONGEST_ALIAS = 60
"""The most characters an alias, or the skill it names, may have (as a skill imported)."""
LONGEST_ID = 80
"""The most characters a channel's or member's id in a setting may have."""


def _an_id(found: str | None) -> bool:
    """Whether a mention gave an id a setting can keep."""
    return found is not None and len(found) <= LONGEST_ID


def spelled(setting: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """A setting's values as one shape, however the admin spaced them: an alias and
    its skill may be several words, with spaces around ``=`` or not
    (``ttc = toronto transit commission`` gives ``("ttc=toronto transit commission",)``,
    ``remove public talk`` gives ``("remove", "public talk")``)."""
    if setting != "alias" or not values:
        return values
    line = " ".join(" ".join(values).split())
    verb, _, alias = line.partition(" ")
    if verb.lower() == "remove" and alias:  # as it was added: no quotes, no leading #
        return (verb, alias.strip().strip(_QUOTES).strip().lstrip("#"))
    if "=" in line:
        sides = (side.strip().strip(_QUOTES).strip().lstrip("#") for side in line.split("="))
        return ("=".join(sides),)
    return values


_QUOTES = "\"'`“”‘’"


def validate_setting(setting: str, values: tuple[str, ...]) -> None:
    """Check an admin setting's values (once the member is known to be an admin) before
    any state is touched."""
    usage = {
        "channel": "`/givefirst config channel #channel`",
        "digest": "`/givefirst config digest monday 09:00 [Europe/Berlin]`",
        "timezone": "`/givefirst config timezone Europe/Berlin`",
        "capacity": "`/givefirst config capacity 2` (introductions per helper per week)",
        "expiry": "`/givefirst config expiry 3` (days to answer an introduction)",
        "follow-up": "`/givefirst config follow-up 7` (days before asking how it went)",
        "quiet-weeks": "`/givefirst config quiet-weeks skip` or `… post`",
        "admins": "`/givefirst config admins add @member` or `… remove @member`",
        "alias": (
            "`/givefirst config alias tf=terraform` (or several words: "
            "`alias ttc=toronto transit commission`) or `… alias remove tf`"
        ),
        "rounds": ROUNDS_SETTING_USAGE,
    }[setting]
    problem = InvalidInput(f"Usage: {usage}")
    match setting:
        case "channel":
            if len(values) != 1 or not _an_id(channel_id_of(values[0])):
                raise problem
        case "digest":
            if not 2 <= len(values) <= 3 or values[0].lower() not in WEEKDAYS:
                raise problem
            parse_hour(values[1])
            if len(values) == 3:
                ensure_timezone(values[2])
        case "timezone":
            if len(values) != 1:
                raise problem
            ensure_timezone(values[0])
        case "capacity" | "expiry" | "follow-up":
            if len(values) != 1:
                raise problem
            within = (
                f"Give {setting} as a whole number from 1 to 60, "
                f"e.g. `/givefirst config {setting} {SETTING_EXAMPLES[setting]}`."
            )
            if not 1 <= whole_number(values[0], within) <= 60:
                raise InvalidInput(within)
        case "quiet-weeks":
            if len(values) != 1 or values[0].lower() not in ("skip", "post"):
                raise problem
        case "admins":
            if (
                len(values) != 2
                or values[0].lower() not in ("add", "remove")
                or not _an_id(user_id_of(values[1]))
            ):
                raise problem
        case "alias":
            if len(values) == 2 and values[0].lower() == "remove":
                return
            if len(values) != 1 or values[0].count("=") != 1:
                raise problem
            if "," in values[0]:
                raise InvalidInput(
                    "One alias at a time, and no commas in it: `/givefirst config alias "
                    "ttc=toronto transit commission`, then `… alias subway=…`."
                )
            for side in values[0].split("="):
                ensure_readable(side, usage)
                if any(mark in side for mark in ("<@", "<#", "<!")):
                    raise InvalidInput(
                        f"An alias and its skill are words, not mentions of members or "
                        f"channels: {usage}."
                    )
                if not tag_words(side.lstrip("#")):
                    raise InvalidInput(f"An alias and its skill need a letter or digit: {usage}.")
                if len(side.strip()) > LONGEST_ALIAS:
                    raise InvalidInput(
                        f"An alias and its skill are at most {LONGEST_ALIAS} characters each: "
                        f"{usage}."
                    )
        case "rounds":
            words = [v.lower() for v in values]
            if words in (["off"], ["size", "2"], ["size", "3"]):
                return
            rounds_schedule(values)


def parse_hour(value: str) -> time:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise InvalidInput(f"`{quotable(value)}` is not a time of day; write it like `09:00`.")
    return time(int(match.group(1)), int(match.group(2) or 0))


_NOT_ZONES = frozenset({"localtime", "factory", "posixrules"})


def ensure_timezone(name: str) -> str:
    """The time zone's name as the time zone database spells it (``utc`` -> ``UTC``,
    ``europe/berlin`` -> ``Europe/Berlin``, also where the file system would find the
    zone in any case), or a friendly refusal. Files of the zone folder that are not a
    place's zone are refused: ``localtime`` (the host's own, which another host would
    not share), ``Factory``, ``posixrules`` and the ``posix/`` and ``right/`` copies."""
    lowered = name.lower()
    if lowered in _NOT_ZONES or lowered.startswith(("posix/", "right/")):
        raise InvalidInput(
            f"`{quotable(name)}` is not a time zone I know; use a name like `Europe/Berlin`."
        )
    spelled = _zone_names().get(lowered)
    if spelled is not None:
        return spelled
    try:
        ZoneInfo(name)  # a zone the list leaves out
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, or too long a name
        raise InvalidInput(
            f"`{quotable(name)}` is not a time zone I know; use a name like `Europe/Berlin`."
        ) from None
    return name


@functools.cache
def _zone_names() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


SETTING_EXAMPLES = {"capacity": "2", "expiry": "3", "follow-up": "7"}
MOST_DIGITS = 9
"""Digits a number typed may have: every setting's limit has fewer."""


def whole_number(value: str, problem: str) -> int:
    """A whole number as typed, in any script's digits (``٣``; not ``³``), or a refusal
    that ends with ``problem``, saying how to put it right."""
    if value.startswith("-") and value[1:].isdecimal() and value[1:].strip("0"):
        raise InvalidInput(f"`{quotable(value)}` is below zero. {problem}")
    if not value.isdecimal():
        raise InvalidInput(f"`{quotable(value)}` is not a whole number. {problem}")
    if len(value.lstrip("0")) > MOST_DIGITS:
        raise InvalidInput(f"`{quotable(value)}` is far too large. {problem}")
    return int(value)
