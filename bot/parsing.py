"""Slash text into command objects: the same words on every platform.

Adapters hand over the text with mentions in the neutral form ``<@USER_ID>`` and
channels as ``<#CHANNEL_ID>``; each platform's own markup is turned into that form
in its adapter. Platforms with typed options build command objects directly and use
the small helpers here (:func:`skill_list`) for what their options carry as text.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands import (
    CONFIG_SETTINGS,
    WEEKDAYS,
    AddSkills,
    AllowPairWith,
    Command,
    Configure,
    Export,
    ForgetMe,
    GiveThanks,
    JoinRounds,
    LeaveRounds,
    ListSkills,
    MakeAsk,
    MakeOffer,
    NeverPairWith,
    OpenDashboard,
    Pause,
    RemoveSkills,
    Resume,
    SetThanksVisibility,
    ShowConfig,
    ShowHelp,
    ShowMe,
    ShowRounds,
    SkipRound,
)
from bot.errors import InvalidInput
from bot.messages import MENTIONED
from bot.text import clean, quotable

_CHANNEL = re.compile(r"^<#([A-Za-z0-9_.:-]+)>$")
_PRIVATE_PREFIX = re.compile(
    r"^\s*(?:[\[(]?private[\])]?\s*[:\-]|[\[(]private[\])]|[#🔒]\s*private\b|--private\b"
    r"|private\s+(?=\S))",
    re.I,
)
"""How an ask says it is private: ``private:``, ``[private]``, ``(private)``, ``#private``,
``🔒 private``, ``--private``, or the word first. Read generously: an ask meant to be
private and posted for everyone is the worse mistake (the reply says which it is, and
a private ask can be shared with one press)."""
_HELP_HINT = "Type `/givefirst help` to see everything I can do."
NO_SKILLS_NAMED = "Name at least one skill, e.g. `/skills add resumes, kubernetes`."


def user_id_of(token: str) -> str | None:
    """The user id in a neutral mention ``<@U123>``, else None."""
    match = MENTIONED.fullmatch(token.strip())
    return match.group(1) if match else None


def channel_id_of(token: str) -> str | None:
    match = _CHANNEL.match(token.strip())
    return match.group(1) if match else None


COMMAND_NAMES = ("offer", "ask", "skills", "thanks", "givefirst")
GIVEFIRST_VERBS = (
    "help",
    "me",
    "pause",
    "resume",
    "export",
    "forget-me",
    "thanks",
    "config",
    "rounds",
    "dashboard",
)


def _did_you_mean(prefix: str, typed: str, known: Sequence[str]) -> str:
    """`` Did you mean `/ask`?`` for a near miss (letters swapped first, as typing
    fingers do), or nothing."""
    typed = typed.lower()
    swapped = [k for k in known if len(k) == len(typed) and sorted(k) == sorted(typed)]
    close = swapped or difflib.get_close_matches(typed, known, n=1, cutoff=0.6)
    return f" Did you mean `{prefix}{close[0]}`?" if close else ""


def parse(name: str, text: str) -> Command:
    """Turn a slash command and its text into a command, or explain what is wrong."""
    name = name.strip().lstrip("/").lower()
    match name:
        case "offer":
            return MakeOffer(text)
        case "ask":
            return _parse_ask(text)
        case "skills":
            return _parse_skills(text)
        case "thanks":
            return _parse_thanks(text)
        case "givefirst":
            return _parse_givefirst(text)
    raise InvalidInput(
        f"I don't know the command `/{quotable(name)}`."
        f"{_did_you_mean('/', name, COMMAND_NAMES)} {_HELP_HINT}"
    )


def _parse_ask(text: str) -> MakeAsk:
    stripped = _PRIVATE_PREFIX.sub("", text, count=1)
    return MakeAsk(stripped, private=stripped != text)


def skill_list(text: str) -> tuple[str, ...]:
    """Skills as typed in one line: separated by commas, semicolons or ``#``."""
    parts = re.split(r"[,;]|\s+(?=#)", text)
    return tuple(p.strip().lstrip("#").strip() for p in parts if p.strip().lstrip("#").strip())


def _split_skills(rest: str) -> tuple[str, ...]:
    skills = skill_list(rest)
    if not skills:
        raise InvalidInput(NO_SKILLS_NAMED)
    for skill in skills:
        _ensure_readable(skill, "`/skills add resumes, kubernetes`")
    return skills


def _ensure_readable(value: str, example: str) -> None:
    """Refuse a name with bytes that were not text in it (U+FFFD once cleaned: see
    :func:`bot.text.clean`), rather than keep a name nobody typed."""
    cleaned = clean(value)
    if "\ufffd" in cleaned:
        raise InvalidInput(
            f"`{quotable(cleaned)}` has characters I couldn't read; type it again, e.g. {example}."
        )


def _parse_skills(text: str) -> Command:
    verb, _, rest = text.strip().partition(" ")
    match verb.lower():
        case "" | "list":
            return ListSkills()
        case "add":
            return AddSkills(_split_skills(rest))
        case "remove" | "rm" | "delete":
            return RemoveSkills(_split_skills(rest))
    raise InvalidInput(
        f"`/skills {quotable(verb)}` isn't something I know. Use `/skills add …`, "
        "`/skills remove …` or `/skills list`."
    )


def _parse_thanks(text: str) -> GiveThanks:
    who, _, note = text.strip().partition(" ")
    receiver = user_id_of(who)
    if receiver is None:
        raise InvalidInput("Who would you like to thank? Try `/thanks @member what they did`.")
    return GiveThanks(receiver, note.strip())


def _parse_givefirst(text: str) -> Command:
    words = text.split()
    verb = words[0].lower() if words else "help"
    args = words[1:]
    match verb:
        case "help":
            return ShowHelp()
        case "me":
            return ShowMe()
        case "pause":
            return Pause(
                _whole_number(
                    args[0], "Pause for a whole number of days, e.g. `/givefirst pause 14`."
                )
                if args
                else 14
            )
        case "resume":
            return Resume()
        case "export":
            return Export()
        case "forget-me" | "forget_me" | "forgetme":
            return ForgetMe(confirmed=bool(args) and args[0].lower() == "confirm")
        case "thanks":
            if args and args[0].lower() in ("public", "on"):
                return SetThanksVisibility(public=True)
            if args and args[0].lower() in ("private", "off"):
                return SetThanksVisibility(public=False)
            raise InvalidInput("Use `/givefirst thanks public` or `/givefirst thanks private`.")
        case "config":
            return _parse_config(args)
        case "rounds" | "round":
            return _parse_rounds(args)
        case "dashboard":
            return OpenDashboard()
    raise InvalidInput(
        f"`/givefirst {quotable(verb)}` isn't something I know."
        f"{_did_you_mean('/givefirst ', verb, GIVEFIRST_VERBS)} {_HELP_HINT}"
    )


ROUNDS_USAGE = (
    "Use `/givefirst rounds join`, `leave`, `skip` (the next round only), "
    "`never @member` (private) or `never remove @member`."
)


def _parse_rounds(args: list[str]) -> Command:
    verb = args[0].lower() if args else "status"
    rest = args[1:]
    match verb:
        case "status" | "show" | "me":
            return ShowRounds()
        case "join":
            return JoinRounds()
        case "leave":
            return LeaveRounds()
        case "skip":
            return SkipRound()
        case "never" if not rest:
            return ShowRounds()
        case "never" if len(rest) == 1 and (user := user_id_of(rest[0])) is not None:
            return NeverPairWith(user)
        case "never" if (
            len(rest) == 2
            and rest[0].lower() in ("remove", "undo")
            and (user := user_id_of(rest[1])) is not None
        ):
            return AllowPairWith(user)
    raise InvalidInput(ROUNDS_USAGE)


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
    if words and words[0].isdigit():
        every, words = int(words[0]), words[1:]
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


def _parse_config(args: list[str]) -> Command:
    if not args or args[0].lower() == "show":
        return ShowConfig()
    setting = args[0].lower()
    if setting not in CONFIG_SETTINGS:
        raise InvalidInput(
            f"There is no setting called `{quotable(setting)}`."
            f"{_did_you_mean('/givefirst config ', setting, CONFIG_SETTINGS)} "
            f"Settings: {', '.join(CONFIG_SETTINGS)}."
        )
    values = tuple(args[1:])
    validate_setting(setting, values)
    return Configure(setting, values)


LONGEST_ALIAS = 60
"""The most characters an alias, or the skill it names, may have (as a skill imported)."""
LONGEST_ID = 80
"""The most characters a channel's or member's id in a setting may have."""


def _an_id(found: str | None) -> bool:
    """Whether a mention gave an id a setting can keep."""
    return found is not None and len(found) <= LONGEST_ID


def validate_setting(setting: str, values: tuple[str, ...]) -> None:
    """Check an admin setting's values before any permission or state is touched."""
    usage = {
        "channel": "`/givefirst config channel #channel`",
        "digest": "`/givefirst config digest monday 09:00 [Europe/Berlin]`",
        "timezone": "`/givefirst config timezone Europe/Berlin`",
        "capacity": "`/givefirst config capacity 2` (introductions per helper per week)",
        "expiry": "`/givefirst config expiry 3` (days to answer an introduction)",
        "follow-up": "`/givefirst config follow-up 7` (days before asking how it went)",
        "quiet-weeks": "`/givefirst config quiet-weeks skip` or `… post`",
        "admins": "`/givefirst config admins add @member` or `… remove @member`",
        "alias": "`/givefirst config alias k8s=kubernetes` or `… alias remove k8s`",
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
            if not 1 <= _whole_number(values[0], within) <= 60:
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
            if len(values) != 1 or values[0].count("=") != 1 or "" in values[0].split("="):
                raise problem
            for side in values[0].split("="):
                _ensure_readable(side, usage)
                if not any(character.isalnum() for character in side):
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


def ensure_timezone(name: str) -> str:
    """The time zone's name as the time zone database spells it (``utc`` -> ``UTC``,
    ``europe/berlin`` -> ``Europe/Berlin``), or a friendly refusal."""
    try:
        ZoneInfo(name)
        return name
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, or too long a name
        pass
    spelled = _zone_names().get(name.lower())
    if spelled is None:
        raise InvalidInput(
            f"`{quotable(name)}` is not a time zone I know; use a name like `Europe/Berlin`."
        )
    return spelled


@functools.cache
def _zone_names() -> dict[str, str]:
    return {zone.lower(): zone for zone in zoneinfo.available_timezones()}


SETTING_EXAMPLES = {"capacity": "2", "expiry": "3", "follow-up": "7"}


def _whole_number(value: str, problem: str) -> int:
    if value.startswith("-") and value[1:].isdigit() and int(value[1:]) > 0:
        raise InvalidInput(f"`{quotable(value)}` is below zero. {problem}")
    if not value.isdigit():
        raise InvalidInput(f"`{quotable(value)}` is not a whole number. {problem}")
    return int(value)
