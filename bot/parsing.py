"""Slash text into command objects: the same words on every platform.

Adapters hand over the text with mentions in the neutral form ``<@USER_ID>`` and
channels as ``<#CHANNEL_ID>``; each platform's own markup is turned into that form
in its adapter. Platforms with typed options build command objects directly and use
the small helpers here (:func:`skill_list`) for what their options carry as text.
"""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands import (
    CONFIG_SETTINGS,
    WEEKDAYS,
    AddSkills,
    Command,
    Configure,
    Export,
    ForgetMe,
    GiveThanks,
    ListSkills,
    MakeAsk,
    MakeOffer,
    OpenDashboard,
    Pause,
    RemoveSkills,
    Resume,
    SetThanksVisibility,
    ShowConfig,
    ShowHelp,
    ShowMe,
)
from bot.errors import InvalidInput
from bot.text import quotable

_USER = re.compile(r"^<@([A-Za-z0-9_.:-]+)>$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9_.:-]+)>$")
_PRIVATE_PREFIX = re.compile(r"^\s*(?:\[?private\]?\s*[:\-]|--private\b|private\s+(?=\S))", re.I)
_HELP_HINT = "Type `/givefirst help` to see everything I can do."
NO_SKILLS_NAMED = "Name at least one skill, e.g. `/skills add resumes, kubernetes`."


def user_id_of(token: str) -> str | None:
    """The user id in a neutral mention ``<@U123>``, else None."""
    match = _USER.match(token.strip())
    return match.group(1) if match else None


def channel_id_of(token: str) -> str | None:
    match = _CHANNEL.match(token.strip())
    return match.group(1) if match else None


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
    raise InvalidInput(f"I don't know the command `/{quotable(name)}`. {_HELP_HINT}")


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
    return skills


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
            return Pause(_whole_number(args[0], "days") if args else 14)
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
        case "dashboard":
            return OpenDashboard()
    raise InvalidInput(f"`/givefirst {quotable(verb)}` isn't something I know. {_HELP_HINT}")


def _parse_config(args: list[str]) -> Command:
    if not args or args[0].lower() == "show":
        return ShowConfig()
    setting = args[0].lower()
    if setting not in CONFIG_SETTINGS:
        raise InvalidInput(
            f"There is no setting called `{quotable(setting)}`. "
            f"Settings: {', '.join(CONFIG_SETTINGS)}."
        )
    values = tuple(args[1:])
    validate_setting(setting, values)
    return Configure(setting, values)


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
        "alias": "`/givefirst config alias k8s=kubernetes`",
    }[setting]
    problem = InvalidInput(f"Usage: {usage}")
    match setting:
        case "channel":
            if len(values) != 1 or channel_id_of(values[0]) is None:
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
            number = _whole_number(values[0], setting)
            if not 1 <= number <= 60:
                raise InvalidInput(f"{setting} must be between 1 and 60.")
        case "quiet-weeks":
            if len(values) != 1 or values[0].lower() not in ("skip", "post"):
                raise problem
        case "admins":
            if (
                len(values) != 2
                or values[0].lower() not in ("add", "remove")
                or user_id_of(values[1]) is None
            ):
                raise problem
        case "alias":
            if len(values) != 1 or values[0].count("=") != 1 or "" in values[0].split("="):
                raise problem


def parse_hour(value: str) -> time:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", value)
    if not match or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        raise InvalidInput(f"`{quotable(value)}` is not a time of day; write it like `09:00`.")
    return time(int(match.group(1)), int(match.group(2) or 0))


def ensure_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"`{quotable(name)}` is not a time zone I know; use a name like `Europe/Berlin`."
        ) from None
    return name


def _whole_number(value: str, what: str) -> int:
    if not value.isdigit():
        raise InvalidInput(f"`{quotable(value)}` is not a whole number of {what}.")
    return int(value)
