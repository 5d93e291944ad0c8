"""What members can ask the bot to do, as typed command objects.

Platforms with typed options (Discord) build these directly; slash text becomes one
in :mod:`bot.parsing`, and buttons and reactions in :mod:`bot.actions`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.domain import Outcome, Subject
from bot.text import a_name


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
    later: Callable[[], Awaitable[Actor]] | None = field(default=None, compare=False, repr=False)
    """While the platform is still being asked what it says of the member (name, time
    zone, admin rights): the actor with its answer (see :meth:`complete`). A command's
    work before its transaction needs only the community, and goes on meanwhile; a
    member already saved is answered without it, a newcomer and a command that checks
    admin rights wait for it (see :mod:`bot.app.profiles`)."""

    def __post_init__(self) -> None:
        # Names are members' own words, shown in messages and printed in terminals: no
        # terminal codes, direction overrides, control characters or line breaks.
        for name in ("display_name", "fallback_name", "community_name"):
            object.__setattr__(self, name, a_name(getattr(self, name)))

    async def complete(self) -> Actor:
        """The actor with all the platform says of the member."""
        return self if self.later is None else await self.later()


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
class OpenDashboard:
    """An admin asks for a one-time sign-in link to the community's health dashboard."""


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
class ShareAsk:
    """The author of a private ask shares it with the community after all."""

    ask_id: int


@dataclass(frozen=True)
class TellWaitingAskers:
    """Once a new offer is saved: tell the askers nobody could help yet whom it fits."""

    offer_id: int
    member_id: int
    """Who offered it."""


@dataclass(frozen=True)
class WithdrawOffer:
    offer_id: int


@dataclass(frozen=True)
class ShowRounds:
    """Whether the member takes part in rounds, when the next is, and their never list."""


@dataclass(frozen=True)
class JoinRounds:
    pass


@dataclass(frozen=True)
class LeaveRounds:
    pass


@dataclass(frozen=True)
class SkipRound:
    """Sit out the next round only."""


@dataclass(frozen=True)
class NeverPairWith:
    """Never be paired with this member in a round (private)."""

    user_id: str


@dataclass(frozen=True)
class AllowPairWith:
    """Take a member off one's never list."""

    user_id: str


@dataclass(frozen=True)
class ReportRoundOutcome:
    """A member of a round's pair or trio says whether they met."""

    group_id: int
    met: bool


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
    | OpenDashboard
    | RequestIntro
    | Volunteer
    | RequestOffer
    | AcceptIntro
    | DeclineIntro
    | ReportOutcome
    | PromptThanks
    | SolveAsk
    | CloseAsk
    | ShareAsk
    | TellWaitingAskers
    | WithdrawOffer
    | ThankForPost
    | KeepAsk
    | KeepOffer
    | ShowRounds
    | JoinRounds
    | LeaveRounds
    | SkipRound
    | NeverPairWith
    | AllowPairWith
    | ReportRoundOutcome
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
    "rounds",
)
