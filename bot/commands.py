"""What members can ask the bot to do, and how their words become commands.

Slash commands use the same words on every platform. Adapters hand over the
text with mentions already in the neutral form ``<@USER_ID>`` and channels as
``<#CHANNEL_ID>`` (Slack and Discord both write them so; the console converts).
Buttons and reactions arrive as an action name and a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import Outcome, Subject, SubjectKind
from bot.errors import InvalidInput
from bot.text import quotable


@dataclass(frozen=True)
class Actor:
    """Who did something, where, as the adapter saw it."""

    community_key: str
    user_id: str
    display_name: str
    """The name the platform shows for the member; empty when it is not known."""
    is_platform_admin: bool = False
    timezone: str | None = None
    channel_id: str | None = None
    community_name: str = ""
    fallback_name: str = ""
    """A name for a member seen for the first time while ``display_name`` is unknown
    (a login handle, say); it never replaces a name already stored."""


@dataclass(frozen=True)
class MakeOffer:
    text: str


@dataclass(frozen=True)
class MakeAsk:
    text: str
    private: bool = False


@dataclass(frozen=True)
class ListSkills:
    pass


@dataclass(frozen=True)
class AddSkills:
    skills: tuple[str, ...]


@dataclass(frozen=True)
class RemoveSkills:
    skills: tuple[str, ...]


@dataclass(frozen=True)
class GiveThanks:
    receiver_user_id: str
    note: str
    introduction_id: int | None = None


@dataclass(frozen=True)
class ShowHelp:
    pass


@dataclass(frozen=True)
class ShowMe:
    pass


@dataclass(frozen=True)
class Pause:
    days: int = 14


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class CheckDirectMessages:
    """A member whose DMs were closed says they have opened them."""


@dataclass(frozen=True)
class Export:
    pass


@dataclass(frozen=True)
class ForgetMe:
    confirmed: bool = False


@dataclass(frozen=True)
class SetThanksVisibility:
    public: bool


@dataclass(frozen=True)
class ShowConfig:
    pass


@dataclass(frozen=True)
class Configure:
    """An admin setting; ``setting`` is one of :data:`CONFIG_SETTINGS`."""

    setting: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class RequestIntro:
    """The asker asks a suggested helper for an introduction."""

    ask_id: int
    helper_member_id: int


@dataclass(frozen=True)
class Volunteer:
    """A member offers to help with a public ask."""

    ask_id: int


@dataclass(frozen=True)
class RequestOffer:
    """A member would like what an offer offers."""

    offer_id: int


@dataclass(frozen=True)
class AcceptIntro:
    intro_id: int


@dataclass(frozen=True)
class DeclineIntro:
    intro_id: int


@dataclass(frozen=True)
class KeepAsk:
    """The author answers "still relevant?" with yes."""

    ask_id: int


@dataclass(frozen=True)
class KeepOffer:
    offer_id: int


@dataclass(frozen=True)
class ReportOutcome:
    intro_id: int
    outcome: Outcome


@dataclass(frozen=True)
class PromptThanks:
    intro_id: int


@dataclass(frozen=True)
class SolveAsk:
    ask_id: int


@dataclass(frozen=True)
class CloseAsk:
    ask_id: int


@dataclass(frozen=True)
class WithdrawOffer:
    offer_id: int


@dataclass(frozen=True)
class ThankForPost:
    """🙏 on a post: thank its author."""

    subject: Subject


Command = (
    MakeOffer
    | MakeAsk
    | ListSkills
    | AddSkills
    | RemoveSkills
    | GiveThanks
    | ShowHelp
    | ShowMe
    | Pause
    | Resume
    | CheckDirectMessages
    | Export
    | ForgetMe
    | SetThanksVisibility
    | ShowConfig
    | Configure
    | RequestIntro
    | Volunteer
    | RequestOffer
    | AcceptIntro
    | DeclineIntro
    | ReportOutcome
    | PromptThanks
    | SolveAsk
    | CloseAsk
    | WithdrawOffer
    | ThankForPost
    | KeepAsk
    | KeepOffer
)

SLASH_COMMANDS = ("offer", "ask", "skills", "thanks", "givefirst")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CONFIG_SETTINGS = (
    "channel",
    "digest",
    "timezone",
    "capacity",
    "expiry",
    "follow-up",
    "quiet-weeks",
    "admins",
    "alias",
)

_USER = re.compile(r"^<@!?([A-Za-z0-9_.:-]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9_.:-]+)(?:\|[^>]*)?>$")
_PRIVATE_PREFIX = re.compile(r"^\s*(?:\[?private\]?\s*[:\-]|--private\b|private\s+(?=\S))", re.I)
_HELP_HINT = "Type `/givefirst help` to see everything I can do."


def user_id_of(token: str) -> str | None:
    """The user id in a neutral mention ``<@U123>`` (or ``<@U123|name>``), else None."""
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


def _split_skills(rest: str) -> tuple[str, ...]:
    parts = re.split(r"[,;]|\s+(?=#)", rest)
    skills = tuple(p.strip().lstrip("#").strip() for p in parts if p.strip().lstrip("#").strip())
    if not skills:
        raise InvalidInput("Name at least one skill, e.g. `/skills add resumes, kubernetes`.")
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


# Buttons: action name -> how to build the command from the button's value.
ACTION_REQUEST_INTRO = "intro.request"
ACTION_VOLUNTEER = "ask.volunteer"
ACTION_REQUEST_OFFER = "offer.request"
ACTION_ACCEPT = "intro.accept"
ACTION_DECLINE = "intro.decline"
ACTION_OUTCOME = "intro.outcome"
ACTION_THANK = "intro.thank"
ACTION_SOLVE = "ask.solve"
ACTION_CLOSE = "ask.close"
ACTION_WITHDRAW = "offer.withdraw"
ACTION_FORGET = "member.forget"
ACTION_PAUSE = "member.pause"
ACTION_RESUME = "member.resume"
ACTION_KEEP_ASK = "ask.keep"
ACTION_KEEP_OFFER = "offer.keep"
ACTION_CHECK_DMS = "member.check_dms"


def parse_action(action: str, value: str) -> Command:
    """Turn a pressed button back into a command; values are ids the core wrote."""
    try:
        match action:
            case "intro.request":
                ask_id, helper_id = value.split(":")
                return RequestIntro(int(ask_id), int(helper_id))
            case "ask.volunteer":
                return Volunteer(int(value))
            case "offer.request":
                return RequestOffer(int(value))
            case "intro.accept":
                return AcceptIntro(int(value))
            case "intro.decline":
                return DeclineIntro(int(value))
            case "intro.outcome":
                intro_id, outcome = value.split(":")
                return ReportOutcome(int(intro_id), Outcome(outcome))
            case "intro.thank":
                return PromptThanks(int(value))
            case "ask.solve":
                return SolveAsk(int(value))
            case "ask.close":
                return CloseAsk(int(value))
            case "offer.withdraw":
                return WithdrawOffer(int(value))
            case "ask.keep":
                return KeepAsk(int(value))
            case "offer.keep":
                return KeepOffer(int(value))
            case "member.forget":
                return ForgetMe(confirmed=True)
            case "member.pause":
                return Pause(int(value) if value else 14)
            case "member.resume":
                return Resume()
            case "member.check_dms":
                return CheckDirectMessages()
    except ValueError:
        pass
    raise InvalidInput("That button no longer works — try the command again.")


REACTION_VOLUNTEER = "raising_hand"
REACTION_SOLVED = "white_check_mark"
REACTION_THANKS = "pray"


def reaction_command(reaction: str, subject: Subject) -> Command | None:
    """What a reaction on one of the bot's posts means, if anything."""
    match reaction, subject.kind:
        case "raising_hand", SubjectKind.ASK:
            return Volunteer(subject.id)
        case "raising_hand", SubjectKind.OFFER:
            return RequestOffer(subject.id)
        case "white_check_mark", SubjectKind.ASK:
            return SolveAsk(subject.id)
        case "pray", SubjectKind.ASK | SubjectKind.OFFER:
            return ThankForPost(subject)
    return None
