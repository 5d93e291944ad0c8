"""Slash text into command objects: the same words on every platform.

Adapters hand over the text with mentions in the neutral form ``<@USER_ID>`` and
channels as ``<#CHANNEL_ID>``; each platform's own markup is turned into that form
in its adapter. Platforms with typed options build command objects directly and use
the small helpers here (:func:`skill_list`) for what their options carry as text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from bot.commands import (
    CONFIG_SETTINGS,
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
from bot.setting_values import (
    ensure_readable,
    user_id_of,
    whole_number,
)
from bot.text import clean, quotable

_INVISIBLE = r"[\s\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]*"
"""Spaces, and the invisible characters a paste may bring along, before an ask."""
_PRIVATE_PREFIX = re.compile(
    rf"^{_INVISIBLE}"
    r"(?:[\[(*_~]{0,2}private[\])*_~]{0,2}\s*[:\-,.;!?—–…]+|[\[(*_~]{1,2}private[\])*_~]{1,2}"
    r"|[#🔒]\s*private\b"
    r"|--private\b|private\s+(?=\S)|private\s*$)",
    re.I,
)
"""How an ask says it is private: ``private:``, ``private,`` (or any punctuation after
the word), ``[private]``, ``(private)``, ``*private*`` (bold or italic, as chat writes
it), ``#private``, ``🔒 private``, ``--private``, or
the word first (alone, it is an empty private ask, refused as empty, not the public ask
"private"; followed by a word, the word stays in the ask: see :func:`_parse_ask`), also
after invisible characters a paste may bring. Read generously: an ask meant to be
private and posted for everyone is the worse mistake (the reply says which it is, and
a private ask can be shared with one press)."""
_PRIVATE_WORD_FIRST = re.compile(rf"^{_INVISIBLE}private\s+\w", re.I)
"""``private`` first and a word after it, with nothing between: the word may be the
ask's own ("private tutoring", "private equity"), so the text keeps it."""
_HELP_HINT = "Type `/givefirst help` to see everything I can do."
NO_SKILLS_NAMED = "Name at least one skill, e.g. `/skills add resumes, kubernetes`."
NO_SKILLS_TO_REMOVE = (
    "Name at least one skill to remove, e.g. `/skills remove resumes` (`/skills list` shows yours)."
)


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
    if stripped == text:
        return MakeAsk(text, private=False)
    # "Private tutoring for my son?": private, but the word is the ask's own, kept.
    said_first = _PRIVATE_WORD_FIRST.match(text)
    return MakeAsk(text if said_first else stripped, private=True)


def skill_list(text: str) -> tuple[str, ...]:
    """Skills as typed in one line: separated by commas, semicolons or ``#``. A skill
    typed as a ``#hashtag`` keeps its ``#``: it is taken as typed (see
    :meth:`Vocabulary.normalise`)."""
    parts = (re.sub(r"^#+\s*", "#", p.strip()) for p in re.split(r"[,;]|\s+(?=#)", text))
    return tuple(p for p in parts if p.lstrip("#"))


def _split_skills(rest: str, *, removing: bool = False) -> tuple[str, ...]:
    skills = skill_list(rest)
    if not skills:
        raise InvalidInput(NO_SKILLS_TO_REMOVE if removing else NO_SKILLS_NAMED)
    for skill in skills:
        ensure_readable(skill, "`/skills add resumes, kubernetes`")
    return skills


def _parse_skills(text: str) -> Command:
    verb, rest = _first_word(text)
    match verb.lower():
        case "" | "list":
            return ListSkills()
        case "add":
            return AddSkills(_split_skills(rest))
        case "remove" | "rm" | "delete":
            return RemoveSkills(_split_skills(rest, removing=True))
    raise InvalidInput(
        f"`/skills {quotable(verb)}` isn't something I know. Use `/skills add …`, "
        "`/skills remove …` or `/skills list`."
    )


def _parse_thanks(text: str) -> GiveThanks:
    """``@member note``: the note may follow the mention after a comma, colon or dash
    ("@ana, great job"), or with no space at all."""
    mentioned = MENTIONED.match(text.strip())
    if mentioned is None:
        raise InvalidInput("Who would you like to thank? Try `/thanks @member what they did`.")
    note = text.strip()[mentioned.end() :].lstrip(_AFTER_A_NAME)
    return GiveThanks(mentioned.group(1), note.strip())


_AFTER_A_NAME = ",;:-–—! \t\n\u00a0\u202f"
"""What may separate a name from what is said after it."""


def _first_word(text: str) -> tuple[str, str]:
    """The first word and the rest, split at any space (a non-breaking one too)."""
    words = text.strip().split(maxsplit=1)
    return (words[0], words[1]) if len(words) == 2 else (words[0] if words else "", "")


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
                whole_number(
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
    # Its values are checked by the use case, after who may change settings: a member
    # who is not an admin hears that, not how to spell the setting. A value of control
    # characters alone is no value (the usage, not "`` is not a time zone"); one that
    # hides such characters among others is refused as typed.
    return Configure(setting, tuple(value for value in args[1:] if clean(value)))
