"""The button and reaction vocabulary: what each button and emoji means.

A button carries an action name and a value the core wrote (ids, joined by ``:``);
a reaction on one of the bot's posts is known by its emoji, as each platform sends
it: Discord and the console send the emoji itself (with any skin tone), Slack its
name (``raising_hand::skin-tone-2``). Both are read here, so 🙋 means the same
everywhere.
"""

from __future__ import annotations

import re

from bot.commands import (
    AcceptIntro,
    CheckDirectMessages,
    CloseAsk,
    Command,
    DeclineIntro,
    ForgetMe,
    JoinRounds,
    KeepAsk,
    KeepOffer,
    Pause,
    PromptThanks,
    ReportOutcome,
    ReportRoundOutcome,
    RequestIntro,
    RequestOffer,
    Resume,
    ShareAsk,
    SkipRound,
    SolveAsk,
    ThankForPost,
    Volunteer,
    WithdrawOffer,
)
from bot.domain import Outcome, Subject, SubjectKind
from bot.errors import InvalidInput

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
ACTION_SHARE_ASK = "ask.share"
ACTION_ROUND_JOIN = "round.join"
ACTION_ROUND_MET = "round.met"
ACTION_ROUND_NOT_MET = "round.not_met"
ACTION_ROUND_SKIP = "round.skip"

ANSWERS = frozenset(
    {
        ACTION_ACCEPT,
        ACTION_DECLINE,
        ACTION_OUTCOME,
        ACTION_KEEP_ASK,
        ACTION_KEEP_OFFER,
        ACTION_CLOSE,
        ACTION_WITHDRAW,
        ACTION_FORGET,
    }
)
"""Buttons that answer a question put to one member (yes or no, how did it go, keep
it or close it): once the answer is taken, the question is settled for good."""

LEAVES_BUTTONS = frozenset({ACTION_ROUND_JOIN, ACTION_ROUND_SKIP})
"""Buttons pressed beside a question without answering it (sitting out the next round
under a round's introduction): the question's buttons stay."""


def request_intro_value(ask_id: int | None, helper_id: int | None) -> str:
    return f"{ask_id}:{helper_id}"


def outcome_value(intro_id: int | None, outcome: Outcome) -> str:
    return f"{intro_id}:{outcome.value}"


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
            case "ask.share":
                return ShareAsk(int(value))
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
            case "round.join":
                return JoinRounds()
            case "round.skip":
                return SkipRound()
            case "round.met":
                return ReportRoundOutcome(int(value), met=True)
            case "round.not_met":
                return ReportRoundOutcome(int(value), met=False)
    except ValueError:
        pass
    raise InvalidInput("That button no longer works — try the command again.")


REACTION_VOLUNTEER = "raising_hand"
REACTION_SOLVED = "white_check_mark"
REACTION_THANKS = "pray"

_EMOJI = {
    "🙋": REACTION_VOLUNTEER,
    "🙋‍♀️": REACTION_VOLUNTEER,
    "🙋‍♂️": REACTION_VOLUNTEER,
    "✅": REACTION_SOLVED,
    "🙏": REACTION_THANKS,
}
_NAMES = {
    REACTION_VOLUNTEER: REACTION_VOLUNTEER,
    "woman-raising-hand": REACTION_VOLUNTEER,
    "man-raising-hand": REACTION_VOLUNTEER,
    REACTION_SOLVED: REACTION_SOLVED,
    REACTION_THANKS: REACTION_THANKS,
}
_SKIN_TONE = re.compile("[\U0001f3fb-\U0001f3ff]")
_VARIATION = "\ufe0f"


def reaction_of(emoji: str) -> str | None:
    """The reaction an emoji stands for (``"🙋🏽"`` and ``"raising_hand::skin-tone-3"``
    are both :data:`REACTION_VOLUNTEER`), or None if it means nothing to givefirst."""
    typed = emoji.strip()
    name = typed.strip(":").split("::")[0].lower()
    if name in _NAMES:
        return _NAMES[name]
    bare = _SKIN_TONE.sub("", typed)
    return _EMOJI.get(bare) or _EMOJI.get(bare.replace(_VARIATION, ""))


def reaction_command(reaction: str, subject: Subject) -> Command | None:
    """What a reaction on one of the bot's posts means, if anything."""
    match reaction_of(reaction), subject.kind:
        case "raising_hand", SubjectKind.ASK:
            return Volunteer(subject.id)
        case "raising_hand", SubjectKind.OFFER:
            return RequestOffer(subject.id)
        case "white_check_mark", SubjectKind.ASK:
            return SolveAsk(subject.id)
        case "pray", SubjectKind.ASK | SubjectKind.OFFER:
            return ThankForPost(subject)
    return None
