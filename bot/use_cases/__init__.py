"""What happens when a member offers, asks, accepts, thanks …, one room per activity.

Each handler runs inside one unit of work, changes the domain and returns the
messages to send; :class:`bot.app.GiveFirst`, the only door to these rooms, commits
and then delivers them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot import commands as c
from bot.use_cases import (
    admin,
    health,
    introductions,
    offers_and_asks,
    privacy,
    profile,
    rounds,
    thanks,
)
from bot.use_cases.admin import rereads_words
from bot.use_cases.context import (
    ERASED,
    Ahead,
    Context,
    Messages,
    NewMember,
    came_back,
    enter,
    profile_changes,
)
from bot.use_cases.offers_and_asks import rank_ahead, words_to_encode

Handler = Callable[[Context, Any], Awaitable[Messages]]

HANDLERS: dict[type, Handler] = {
    c.MakeOffer: offers_and_asks.make_offer,
    c.MakeAsk: offers_and_asks.make_ask,
    c.SolveAsk: offers_and_asks.solve_ask,
    c.CloseAsk: offers_and_asks.close_ask,
    c.ShareAsk: offers_and_asks.share_ask,
    c.TellWaitingAskers: offers_and_asks.tell_waiting_askers,
    c.WithdrawOffer: offers_and_asks.withdraw_offer,
    c.KeepAsk: offers_and_asks.keep_open,
    c.KeepOffer: offers_and_asks.keep_open,
    c.RequestIntro: introductions.request_intro,
    c.Volunteer: introductions.volunteer,
    c.RequestOffer: introductions.request_offer,
    c.AcceptIntro: introductions.accept_intro,
    c.DeclineIntro: introductions.decline_intro,
    c.ReportOutcome: introductions.report_outcome,
    c.GiveThanks: thanks.give_thanks,
    c.PromptThanks: thanks.prompt_thanks,
    c.ThankForPost: thanks.thank_for_post,
    c.ListSkills: profile.list_skills,
    c.AddSkills: profile.add_skills,
    c.RemoveSkills: profile.remove_skills,
    c.ShowHelp: profile.show_help,
    c.ShowMe: profile.show_me,
    c.Pause: profile.pause,
    c.Resume: profile.resume,
    c.SetThanksVisibility: profile.set_thanks_visibility,
    c.CheckDirectMessages: profile.check_direct_messages,
    c.Export: privacy.export,
    c.ForgetMe: privacy.forget_me,
    c.ShowConfig: admin.show_config,
    c.Configure: admin.configure,
    c.ShowRounds: rounds.show_rounds,
    c.JoinRounds: rounds.join_rounds,
    c.LeaveRounds: rounds.leave_rounds,
    c.SkipRound: rounds.skip_round,
    c.NeverPairWith: rounds.never_pair_with,
    c.AllowPairWith: rounds.allow_pair_with,
    c.ReportRoundOutcome: rounds.report_round_outcome,
    c.OpenDashboard: health.open_dashboard,
}

SEARCHING: frozenset[type] = frozenset(
    {
        c.MakeAsk,
        c.RequestIntro,
        c.DeclineIntro,
        c.ReportOutcome,
        c.SolveAsk,
        c.TellWaitingAskers,
    }
)
"""Commands that look for helpers: the helper directory is brought up to date first."""

ADMIN_RIGHTS: frozenset[type] = frozenset({c.Configure, c.OpenDashboard})
"""Commands that check the member's admin rights: they wait for what the platform says
of the member now (see :attr:`~bot.commands.Actor.later`), never an earlier answer."""

__all__ = [
    "ADMIN_RIGHTS",
    "ERASED",
    "HANDLERS",
    "SEARCHING",
    "Ahead",
    "Context",
    "Handler",
    "Messages",
    "NewMember",
    "came_back",
    "enter",
    "profile_changes",
    "rank_ahead",
    "rereads_words",
    "words_to_encode",
]
