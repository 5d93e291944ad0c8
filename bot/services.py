"""Use cases: what happens when a member offers, asks, accepts, thanks …

Each handler runs inside one unit of work, changes the domain and returns the
messages to send; :class:`bot.app.GiveFirst` commits and then delivers them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import commands as c
from bot import render
from bot.digest import Digest
from bot.digest import compose as compose_digest
from bot.directory_import import MemberRecord
from bot.domain import (
    RELEVANCE_ANSWER_DAYS,
    Ask,
    AskStatus,
    Community,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    OfferStatus,
    Outcome,
    Party,
    Subject,
    SubjectKind,
    Thanks,
)
from bot.errors import InvalidInput, NotAllowed, NotFound, NotPossible
from bot.matching import (
    Candidate,
    HelperProfile,
    MatchContext,
    MatchIndex,
    OfferText,
    asks_member_could_answer,
)
from bot.messages import (
    Attachment,
    Button,
    Buttons,
    ButtonStyle,
    DeletePosts,
    DirectMessage,
    Ephemeral,
    Heading,
    Mention,
    Message,
    Paragraph,
    Plain,
    Quote,
    Small,
    message,
    text,
    wording,
)
from bot.ports import HelperRecord, UnitOfWork
from bot.schedule import DIGEST_CLAIM_PREFIX, claim_of
from bot.skills import Vocabulary
from bot.text import MAX_NOTE_LENGTH, checked, has_mass_mention, quotable, shorten

SUGGESTIONS = 3
WEEK = timedelta(days=7)
DM_RECHECK = timedelta(days=1)
"""How often, at most, a member whose DMs are closed gets a test message on their own."""


@dataclass
class Context:
    """Everything a handler needs about who is acting, where and when."""

    uow: UnitOfWork
    now: datetime
    actor: c.Actor
    community: Community
    member: Member

    @property
    def vocabulary(self) -> Vocabulary:
        return vocabulary_for(self.community)

    @property
    def is_admin(self) -> bool:
        return self.community.is_admin(
            self.actor.user_id, platform_admin=self.actor.is_platform_admin
        )


def vocabulary_for(community: Community) -> Vocabulary:
    vocabulary = Vocabulary.default()
    return vocabulary.with_aliases(community.aliases) if community.aliases else vocabulary


Messages = list[Message]


# --- offers and asks ---------------------------------------------------------------------------


async def make_offer(ctx: Context, cmd: c.MakeOffer) -> Messages:
    body = checked(cmd.text, what="offer", example="/offer happy to review resumes #resume")
    offer = Offer(
        community_id=_id(ctx.community),
        member_id=_id(ctx.member),
        text=body,
        skills=list(ctx.vocabulary.extract(body)),
        created_at=ctx.now,
    )
    await ctx.uow.offers.add(offer)
    out = [
        render.offer_post(offer, ctx.member),
        message(
            Ephemeral(ctx.actor.user_id),
            Paragraph(
                text("🎁 Thank you for giving first! Your offer is shared with the community.")
            ),
            Small(render.skills_line(offer.skills)),
            Small(
                wording(
                    "Tags not right? Add #tags to your text, or shape your profile with "
                    "`/skills add …`."
                )
            ),
            _no_ping_note(body, "offer"),
        ),
    ]
    out += await _tell_waiting_askers(ctx, offer)
    return out


async def _tell_waiting_askers(ctx: Context, offer: Offer) -> Messages:
    """Asks that had nobody hear, once, that someone new could help."""
    out: Messages = []
    helpers: Helpers | None = None  # read once, only if some ask is still looking
    for ask in await ctx.uow.asks.looking_for_helper(_id(ctx.community)):
        if ask.member_id == ctx.member.id:
            continue
        helpers = helpers or await load_helpers(ctx.uow, ctx.community, ctx.now)
        ranked = search_helpers(helpers, ctx.community, ask, ctx.now, only={_id(ctx.member)})
        if not ranked:
            continue
        asker = await _member(ctx.uow, ask.member_id)
        ask.looking_for_helper = False
        out.append(
            render.suggestions(
                ask,
                [(ctx.member, ranked[0].reasons)],
                DirectMessage((asker.mention_id,)),
                lead=text("✨ Someone new could help with your ask “", shorten(ask.text, 60), "”:"),
            )
        )
    return out


async def make_ask(ctx: Context, cmd: c.MakeAsk) -> Messages:
    body = checked(cmd.text, what="ask", example="/ask could someone look over my CV?")
    ask = Ask(
        community_id=_id(ctx.community),
        member_id=_id(ctx.member),
        text=body,
        skills=list(ctx.vocabulary.extract(body)),
        private=cmd.private,
        created_at=ctx.now,
    )
    await ctx.uow.asks.add(ask)
    ranked = await rank_helpers(ctx.uow, ctx.community, ask, ctx.now)
    ask.looking_for_helper = not ranked
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    heading = (
        "🔒 Your private ask is saved — only you and the people you choose will see it."
        if ask.private
        else "🙋 Your ask is shared with the community."
    )
    members = await _members_by_id(ctx.uow, [r.member_id for r in ranked])
    suggestion = render.suggestions(
        ask, [(members[r.member_id], r.reasons) for r in ranked], Ephemeral(ctx.actor.user_id)
    )
    nudge = None
    if not await ctx.uow.offers.by_member(_id(ctx.member)):
        nudge = Small(
            wording(
                "💡 givefirst works best when everyone gives: what could you help others with? "
                "Share it with `/offer` — even something small."
            )
        )
    out.append(
        message(
            suggestion.to,
            Paragraph(text(heading)),
            *suggestion.blocks,
            nudge,
            _no_ping_note(body, "ask"),
        )
    )
    return out


def _no_ping_note(body: str, what: str) -> Small | None:
    if not has_mass_mention(body):
        return None
    return Small(
        text(
            f"Note: I share your {what} without pinging anyone, so @everyone, @here and "
            "@channel in it are shown as plain words."
        )
    )


async def solve_ask(ctx: Context, cmd: c.SolveAsk) -> Messages:
    ask = await _ask(ctx.uow, cmd.ask_id)
    ask.solve(ctx.member, ctx.now)
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    out.append(render.reply(ctx.member, "✅ Marked as solved — wonderful!"))
    out += await _after_solved(ctx, ask)
    return out


async def close_ask(ctx: Context, cmd: c.CloseAsk) -> Messages:
    ask = await _ask(ctx.uow, cmd.ask_id)
    if ask.member_id != ctx.member.id:
        raise NotAllowed("Only the person who asked can close this ask.")
    ask.ensure_open()
    ask.status = AskStatus.CLOSED
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    return [*out, render.reply(ctx.member, "Closed your ask. Ask again any time with `/ask`.")]


async def withdraw_offer(ctx: Context, cmd: c.WithdrawOffer) -> Messages:
    offer = await _offer(ctx.uow, cmd.offer_id)
    offer.withdraw(ctx.member)
    return [
        render.offer_post(offer, ctx.member),
        render.reply(ctx.member, "Withdrawn. Thank you for offering!"),
    ]


async def _after_solved(ctx: Context, ask: Ask) -> Messages:
    """Thank the helpers, then invite the asker to pay it forward."""
    out: Messages = []
    for intro in await ctx.uow.introductions.for_ask(_id(ask)):
        if intro.status is IntroStatus.ACCEPTED:
            helper = await _member(ctx.uow, intro.helper_id)
            out.append(
                message(
                    Ephemeral(ctx.actor.user_id),
                    Paragraph(text("Would you like to thank ", Mention(helper.mention_id), "?")),
                    Buttons(
                        (
                            Button(
                                "Say thanks 🙏", c.ACTION_THANK, str(intro.id), ButtonStyle.PRIMARY
                            ),
                        )
                    ),
                )
            )
    forward = await open_asks_for(ctx.uow, ctx.community, ctx.member)
    if (note := render.pay_it_forward(forward, ctx.member)) is not None:
        out.append(note)
    return out


# --- matching ------------------------------------------------------------------------------------


class HelperDirectory:
    """One match index per community, kept in memory and brought up to date from
    storage before every search.

    Only profiles that changed are re-indexed, so a search costs a few queries and
    a diff rather than re-tagging every offer; because the diff runs against what
    storage says now, several workers sharing a database each stay correct.
    """

    def __init__(self) -> None:
        self._indexes: dict[
            tuple[str, frozenset[tuple[str, str]]], tuple[MatchIndex, dict[int, HelperProfile]]
        ] = {}

    def index_for(self, community: Community, profiles: Sequence[HelperProfile]) -> MatchIndex:
        key = (community.key, frozenset(community.aliases.items()))
        if key not in self._indexes:
            self._indexes[key] = (MatchIndex(vocabulary_for(community)), {})
        index, known = self._indexes[key]
        current = {p.member_id: p for p in profiles}
        for gone in known.keys() - current.keys():
            index.remove(gone)
            del known[gone]
        for member_id, profile in current.items():
            if known.get(member_id) != profile:
                index.upsert(profile)
                known[member_id] = profile
        return index


HELPER_DIRECTORY = HelperDirectory()


@dataclass(frozen=True)
class Helpers:
    """One read of everyone who could help in a community, for one search or many."""

    records: dict[int, HelperRecord]
    index: MatchIndex
    away: frozenset[int]
    """Paused, erased or without a platform account at the time of the read."""
    recent_load: dict[int, int]
    """New introductions per helper in the week before the read."""
    introductions_of: dict[int, list[Introduction]]
    """Each member's introductions, as asker or helper."""
    helpers_for_ask: dict[int, set[int]]
    """Who has been asked to help with each ask."""


async def load_helpers(uow: UnitOfWork, community: Community, now: datetime) -> Helpers:
    records = {r.member_id: r for r in await uow.members.helpers(_id(community))}
    index = HELPER_DIRECTORY.index_for(
        community,
        [
            HelperProfile(
                member_id=r.member_id,
                name=r.name,
                skills=r.skills,
                bio=r.bio or "",
                offers=tuple(OfferText(offer_id, text) for offer_id, text in r.offers),
                timezone=r.timezone,
            )
            for r in records.values()
            if r.platform_user_id is not None
        ],
    )
    introductions_of: dict[int, list[Introduction]] = {}
    helpers_for_ask: dict[int, set[int]] = {}
    recent_load: dict[int, int] = {}
    for i in await uow.introductions.in_community(_id(community)):
        introductions_of.setdefault(i.asker_id, []).append(i)
        introductions_of.setdefault(i.helper_id, []).append(i)
        if i.ask_id is not None:
            helpers_for_ask.setdefault(i.ask_id, set()).add(i.helper_id)
        if i.requested_at >= now - WEEK and i.status in (IntroStatus.PENDING, IntroStatus.ACCEPTED):
            recent_load[i.helper_id] = recent_load.get(i.helper_id, 0) + 1
    return Helpers(
        records,
        index,
        away=frozenset(m for m, r in records.items() if not r.is_available(now)),
        recent_load=recent_load,
        introductions_of=introductions_of,
        helpers_for_ask=helpers_for_ask,
    )


async def rank_helpers(
    uow: UnitOfWork,
    community: Community,
    ask: Ask,
    now: datetime,
    *,
    top: int = SUGGESTIONS,
    only: set[int] | None = None,
) -> list[Candidate]:
    """The best available helpers for an ask, after every fairness rule."""
    return search_helpers(
        await load_helpers(uow, community, now), community, ask, now, top=top, only=only
    )


def search_helpers(
    helpers: Helpers,
    community: Community,
    ask: Ask,
    now: datetime,
    *,
    top: int = SUGGESTIONS,
    only: set[int] | None = None,
) -> list[Candidate]:
    """:func:`rank_helpers` on a directory already read, so several asks share one read."""
    asker = ask.member_id
    own = helpers.introductions_of.get(asker, ())
    # Declined pairs are never proposed again, nor anyone already asked about this ask.
    off_limits = {i.partner_of(asker) for i in own if i.status is IntroStatus.DECLINED}
    if ask.id is not None:
        off_limits |= helpers.helpers_for_ask.get(ask.id, set())
    one = next(iter(only)) if only is not None and len(only) == 1 else None
    if one is not None:  # scoring one member needs no list of everyone else
        unavailable = {one} & (off_limits | helpers.away)
    else:
        unavailable = off_limits | helpers.away
        if only is not None:
            unavailable |= helpers.records.keys() - only
    asker_member = helpers.records.get(asker)
    context = MatchContext(
        asker_id=asker,
        now=now,
        unavailable=frozenset(unavailable),
        recent_introductions=helpers.recent_load,
        capacity=community.capacity,
        previous_partners=frozenset(
            i.partner_of(asker) for i in own if i.status is IntroStatus.ACCEPTED
        ),
        asker_timezone=asker_member.timezone if asker_member else None,
    )
    if one is not None:
        candidate = helpers.index.search_one(one, ask.text, context)
        return [candidate] if candidate is not None and top > 0 else []
    return helpers.index.search(ask.text, context, top=top)


async def open_asks_for(
    uow: UnitOfWork, community: Community, member: Member, top: int = 3
) -> list[tuple[Ask, Member]]:
    """Public open asks by others that this member's skills fit (pay it forward)."""
    asks = [
        a
        for a in await uow.asks.open_in(_id(community))
        if not a.private and a.member_id != member.id
    ]
    profile = HelperProfile(
        member_id=_id(member),
        name=member.name,
        skills=tuple(member.skills),
        bio=member.bio or "",
        offers=tuple(
            OfferText(_id(o), o.text) for o in await uow.offers.by_member(_id(member)) if o.text
        ),
    )
    chosen = asks_member_could_answer(
        profile, [(_id(a), a.text) for a in asks], vocabulary_for(community), top=top
    )
    by_id = {_id(a): a for a in asks}
    authors = await _members_by_id(uow, [by_id[i].member_id for i in chosen])
    return [(by_id[i], authors[by_id[i].member_id]) for i in chosen]


# --- introductions: double opt-in ------------------------------------------------------------


async def request_intro(ctx: Context, cmd: c.RequestIntro) -> Messages:
    ask = await _ask(ctx.uow, cmd.ask_id)
    if ask.member_id != ctx.member.id:
        raise NotAllowed("Only the person who asked can request introductions for this ask.")
    ask.ensure_open()
    helper = await _member(ctx.uow, cmd.helper_member_id)
    ranked = await rank_helpers(ctx.uow, ctx.community, ask, ctx.now, only={_id(helper)}, top=1)
    await _ensure_can_pair(ctx, ask.member_id, helper, ask=ask)
    if not helper.is_available(ctx.now):
        raise NotPossible(
            f"{quotable(helper.name)} is taking a break right now — try someone else."
        )
    _ensure_reachable(helper)
    if await _at_capacity(ctx, helper):
        raise NotPossible(
            f"{quotable(helper.name)} has had a busy week already — try someone else."
        )
    reason = "; ".join(ranked[0].reasons) if ranked else "you picked them"
    intro = await _propose(
        ctx, ask=ask, asker=ctx.member, helper=helper, awaiting=Party.HELPER, reason=reason
    )
    return [
        render.consent_request(intro, ctx.member, helper, ask.text, volunteered=False),
        render.reply(
            ctx.member,
            "✉️ I've asked ",
            Mention(helper.mention_id),
            " — I'll introduce you as soon as they say yes.",
        ),
    ]


async def volunteer(ctx: Context, cmd: c.Volunteer) -> Messages:
    ask = await _ask(ctx.uow, cmd.ask_id)
    if ask.member_id == ctx.member.id:
        raise NotPossible("That's your own ask — I'll find helpers for you.")
    if ask.private:
        raise NotFound("That ask doesn't exist any more.")
    ask.ensure_open()
    asker = await _member(ctx.uow, ask.member_id)
    await _ensure_can_pair(ctx, asker.id, ctx.member, ask=ask)
    intro = await _propose(
        ctx, ask=ask, asker=asker, helper=ctx.member, awaiting=Party.ASKER, reason="volunteered"
    )
    return [
        render.consent_request(intro, ctx.member, asker, ask.text, volunteered=True),
        render.reply(
            ctx.member,
            "💛 Thank you for offering! I've asked ",
            Mention(asker.mention_id),
            " — you'll be introduced if they say yes.",
        ),
    ]


async def request_offer(ctx: Context, cmd: c.RequestOffer) -> Messages:
    offer = await _offer(ctx.uow, cmd.offer_id)
    if offer.member_id == ctx.member.id:
        raise NotPossible("That's your own offer — thank you for giving!")
    if not offer.is_open:
        raise NotPossible("That offer is no longer available.")
    helper = await _member(ctx.uow, offer.member_id)
    if not helper.is_available(ctx.now):
        raise NotPossible(f"{quotable(helper.name)} is taking a break right now — try again later.")
    _ensure_reachable(helper)
    await _ensure_can_pair(ctx, ctx.member.id, helper, offer=offer)
    intro = await _propose(
        ctx,
        offer=offer,
        asker=ctx.member,
        helper=helper,
        awaiting=Party.HELPER,
        reason=f"you offered: “{shorten(offer.text)}”",
    )
    return [
        render.consent_request(intro, ctx.member, helper, offer.text, volunteered=False),
        render.reply(
            ctx.member,
            "✉️ I've asked ",
            Mention(helper.mention_id),
            " — I'll introduce you as soon as they say yes.",
        ),
    ]


def _ensure_reachable(helper: Member) -> None:
    """Introductions are asked for by direct message; refuse before storing one that
    could not reach the helper."""
    if helper.dm_closed:
        raise NotPossible(
            f"I can't reach {quotable(helper.name)} by direct message right now (their DMs are "
            "closed), so I can't ask them for you — try someone else, or mention them in "
            "a channel."
        )


async def check_direct_messages(ctx: Context, cmd: c.CheckDirectMessages) -> Messages:
    """The member says they opened their DMs: test it now (see below)."""
    if not ctx.member.dm_closed:
        return [render.reply(ctx.member, "📬 Your direct messages reach you — all is well.")]
    ctx.member.dm_checked_at = ctx.now
    return [render.direct_messages_check(ctx.member)]


def recheck_direct_messages(ctx: Context, messages: Messages) -> Messages:
    """Test whether a member whose DMs were closed can be reached again, when they use
    givefirst: at most once a day on its own, or at once with the button shown when a
    message could not reach them (:func:`check_direct_messages`).

    The test is a direct message (this command's own, if it sends one); the member
    stays set aside until one reaches them (see :meth:`GiveFirst.handle`), and if it
    fails they are told where they acted how to open their DMs."""
    member = ctx.member
    if not member.dm_closed or member.forgotten_at is not None:
        return []
    last = member.dm_checked_at
    if last is not None and ctx.now - last < DM_RECHECK:
        return []
    member.dm_checked_at = ctx.now
    for msg in messages:
        if isinstance(msg.to, DirectMessage) and member.mention_id in msg.to.user_ids:
            return []  # this command's own direct message is the test
    return [render.direct_messages_check(member)]


async def _ensure_can_pair(
    ctx: Context,
    asker_id: int | None,
    helper: Member,
    *,
    ask: Ask | None = None,
    offer: Offer | None = None,
) -> None:
    if asker_id == helper.id:
        raise NotPossible("You can't be introduced to yourself.")
    for intro in await ctx.uow.introductions.involving(_id(helper)):
        if not intro.involves(asker_id):
            continue
        if intro.status is IntroStatus.DECLINED:
            raise NotPossible("That pairing isn't possible — try someone else.")
        same = (ask is not None and intro.ask_id == ask.id) or (
            offer is not None and intro.offer_id == offer.id and intro.ask_id is None
        )
        if same and intro.status in (IntroStatus.PENDING, IntroStatus.ACCEPTED):
            raise NotPossible("There's already an introduction between you two for this.")
        if same:
            raise NotPossible("That request already ran its course — try someone else.")


async def _at_capacity(ctx: Context, helper: Member) -> bool:
    recent = [
        i
        for i in await ctx.uow.introductions.involving(_id(helper))
        if i.helper_id == helper.id
        and i.requested_at >= ctx.now - WEEK
        and i.status in (IntroStatus.PENDING, IntroStatus.ACCEPTED)
    ]
    return len(recent) >= ctx.community.capacity


async def _propose(
    ctx: Context,
    *,
    asker: Member,
    helper: Member,
    awaiting: Party,
    reason: str,
    ask: Ask | None = None,
    offer: Offer | None = None,
) -> Introduction:
    intro = Introduction(
        community_id=_id(ctx.community),
        asker_id=_id(asker),
        helper_id=_id(helper),
        awaiting=awaiting,
        reason=reason,
        requested_at=ctx.now,
        expires_at=ctx.now + timedelta(days=ctx.community.intro_expiry_days),
        ask_id=ask.id if ask else None,
        offer_id=offer.id if offer else None,
    )
    await ctx.uow.introductions.add(intro)
    return intro


async def accept_intro(ctx: Context, cmd: c.AcceptIntro) -> Messages:
    intro = await _intro(ctx.uow, cmd.intro_id)
    intro.accept(ctx.member, ctx.now, ctx.community.follow_up_days)
    asker = await _member(ctx.uow, intro.asker_id)
    helper = await _member(ctx.uow, intro.helper_id)
    ask = await ctx.uow.asks.get(intro.ask_id) if intro.ask_id else None
    offer = await ctx.uow.offers.get(intro.offer_id) if intro.offer_id else None
    if offer is None and ask is not None:
        offer = next((o for o in await ctx.uow.offers.by_member(_id(helper)) if o.is_open), None)
    other = asker if ctx.member.id == helper.id else helper
    return [
        render.introduction(intro, asker, helper, ask, offer, ctx.community.follow_up_days),
        render.reply(
            ctx.member, "🤝 Done — I've introduced you to ", Mention(other.mention_id), "."
        ),
    ]


async def decline_intro(ctx: Context, cmd: c.DeclineIntro) -> Messages:
    intro = await _intro(ctx.uow, cmd.intro_id)
    intro.decline(ctx.member, ctx.now)
    out: Messages = [
        render.reply(
            ctx.member,
            "No problem — thanks for letting me know. I won't suggest this pairing again.",
        )
    ]
    if intro.awaiting is Party.HELPER:
        out += await _tell_asker_and_suggest_next(
            ctx.uow, ctx.community, intro, ctx.now, why="can't help this time — no worries."
        )
    else:
        helper = await _member(ctx.uow, intro.helper_id)
        out.append(
            message(
                DirectMessage((helper.mention_id,)),
                Paragraph(
                    text(
                        "Thank you for offering to help! This time it isn't needed — ",
                        "your kindness is noted all the same 💛",
                    )
                ),
            )
        )
    return out


async def _tell_asker_and_suggest_next(
    uow: UnitOfWork, community: Community, intro: Introduction, now: datetime, *, why: str
) -> Messages:
    asker = await _member(uow, intro.asker_id)
    helper = await _member(uow, intro.helper_id)
    lead = text(Mention(helper.mention_id), f" {why}")
    ask = await uow.asks.get(intro.ask_id) if intro.ask_id else None
    if ask is None or not ask.is_open:
        return [message(DirectMessage((asker.mention_id,)), Paragraph(lead))]
    ranked = await rank_helpers(uow, community, ask, now)
    ask.looking_for_helper = not ranked
    members = await _members_by_id(uow, [r.member_id for r in ranked])
    suggestion = render.suggestions(
        ask, [(members[r.member_id], r.reasons) for r in ranked], DirectMessage((asker.mention_id,))
    )
    return [message(suggestion.to, Paragraph(lead), *suggestion.blocks)]


async def report_outcome(ctx: Context, cmd: c.ReportOutcome) -> Messages:
    intro = await _intro(ctx.uow, cmd.intro_id)
    intro.record_outcome(ctx.member, cmd.outcome, ctx.now)
    helper = await _member(ctx.uow, intro.helper_id)
    ask = await ctx.uow.asks.get(intro.ask_id) if intro.ask_id else None
    match cmd.outcome:
        case Outcome.HELPED:
            out: Messages = [render.reply(ctx.member, "🎉 So glad it helped!")]
            if ask is not None and ask.is_open:
                ask.solve(ctx.member, ctx.now)
                out += [] if ask.private else [render.ask_post(ask, ctx.member)]
                return out + await _after_solved(ctx, ask)
            out.append(
                message(
                    Ephemeral(ctx.actor.user_id),
                    Paragraph(text("Would you like to thank ", Mention(helper.mention_id), "?")),
                    Buttons(
                        (
                            Button(
                                "Say thanks 🙏", c.ACTION_THANK, str(intro.id), ButtonStyle.PRIMARY
                            ),
                        )
                    ),
                )
            )
            return out
        case Outcome.NOT_YET:
            intro.follow_up_due_at = ctx.now + timedelta(days=ctx.community.follow_up_days)
            intro.follow_up_sent_at = None
            return [
                render.reply(
                    ctx.member, f"OK — I'll check in again in {ctx.community.follow_up_days} days."
                )
            ]
        case Outcome.DIDNT_WORK:
            if ask is None or not ask.is_open:
                return [
                    render.reply(ctx.member, "Sorry it didn't work out. Thanks for telling me.")
                ]
            ranked = await rank_helpers(ctx.uow, ctx.community, ask, ctx.now)
            members = await _members_by_id(ctx.uow, [r.member_id for r in ranked])
            return [
                render.suggestions(
                    ask,
                    [(members[r.member_id], r.reasons) for r in ranked],
                    Ephemeral(ctx.actor.user_id),
                    lead=text(
                        "Sorry it didn't work out. Your ask stays open; these members could help:"
                    )
                    if ranked
                    else text(
                        "Sorry it didn't work out. Your ask stays open and I'll tell "
                        "you when someone new can help."
                    ),
                )
            ]


# --- thanks --------------------------------------------------------------------------------------


async def give_thanks(ctx: Context, cmd: c.GiveThanks) -> Messages:
    note = ""
    if cmd.note.strip():
        note = checked(
            cmd.note,
            what="thank-you note",
            example="/thanks @ana for the CV review",
            limit=MAX_NOTE_LENGTH,
        )
    if cmd.receiver_user_id == ctx.actor.user_id:
        raise NotPossible("Thanks are for others — but well done you 🙂")
    receiver = await ctx.uow.members.get_by_platform_id(_id(ctx.community), cmd.receiver_user_id)
    if receiver is None:
        receiver = Member(
            community_id=_id(ctx.community),
            platform_user_id=cmd.receiver_user_id,
            display_name=cmd.receiver_user_id,
            joined_at=ctx.now,
        )
        await ctx.uow.members.add(receiver)
    return await _thank(ctx, receiver, note, cmd.introduction_id)


async def _thank(ctx: Context, receiver: Member, note: str, intro_id: int | None) -> Messages:
    thanks = Thanks(
        community_id=_id(ctx.community),
        giver_id=_id(ctx.member),
        receiver_id=_id(receiver),
        note=note,
        created_at=ctx.now,
        introduction_id=intro_id,
    )
    await ctx.uow.thanks.add(thanks)
    out = [render.thanks_post(thanks, ctx.member, receiver, public=receiver.public_thanks)]
    out.append(render.reply(ctx.member, "🙏 Thank you for saying thanks — it means a lot."))
    return out


async def prompt_thanks(ctx: Context, cmd: c.PromptThanks) -> Messages:
    intro = await _intro(ctx.uow, cmd.intro_id)
    if intro.asker_id != ctx.member.id:
        raise NotAllowed("Only the person who was helped can thank for this introduction.")
    if any(t.introduction_id == intro.id for t in await ctx.uow.thanks.involving(_id(ctx.member))):
        raise NotPossible("You've already said thanks for this one 💛")
    helper = await _member(ctx.uow, intro.helper_id)
    ask = await ctx.uow.asks.get(intro.ask_id) if intro.ask_id else None
    note = f"for helping with “{shorten(ask.text, 80)}”" if ask and not ask.private else ""
    return await _thank(ctx, helper, note, intro.id)


async def thank_for_post(ctx: Context, cmd: c.ThankForPost) -> Messages:
    if cmd.subject.kind is SubjectKind.OFFER:
        offer = await _offer(ctx.uow, cmd.subject.id)
        author = await _member(ctx.uow, offer.member_id)
        if author.id == ctx.member.id:
            return []
        return await _thank(ctx, author, f"for offering “{shorten(offer.text, 80)}”", None)
    ask = await _ask(ctx.uow, cmd.subject.id)
    if ask.member_id != ctx.member.id:
        return []
    out: Messages = []
    for intro in await ctx.uow.introductions.for_ask(_id(ask)):
        if intro.status is IntroStatus.ACCEPTED:
            out += await prompt_thanks(ctx, c.PromptThanks(_id(intro)))
    return out


# --- the member's own data -----------------------------------------------------------------------


async def list_skills(ctx: Context, cmd: c.ListSkills) -> Messages:
    if not ctx.member.skills:
        return [
            render.reply(
                ctx.member,
                "Your profile has no skills yet. Add some with "
                "`/skills add resumes, public speaking`.",
            )
        ]
    return [render.reply(ctx.member, "Your skills: ", Plain(", ".join(ctx.member.skills)))]


async def add_skills(ctx: Context, cmd: c.AddSkills) -> Messages:
    skills = [
        ctx.vocabulary.normalise(checked(s, what="skill", example="/skills add resumes", limit=60))
        for s in cmd.skills
    ]
    added = ctx.member.add_skills([s for s in skills if s])
    if not added:
        return [render.reply(ctx.member, "You already have those skills.")]
    return [
        render.reply(
            ctx.member,
            "Added: ",
            Plain(", ".join(added)),
            ". I'll suggest you when someone needs them.",
        )
    ]


async def remove_skills(ctx: Context, cmd: c.RemoveSkills) -> Messages:
    removed = ctx.member.remove_skills([ctx.vocabulary.normalise(s) for s in cmd.skills])
    if not removed:
        return [
            render.reply(
                ctx.member, "None of those were in your profile. See yours with `/skills list`."
            )
        ]
    return [render.reply(ctx.member, "Removed: ", Plain(", ".join(removed)), ".")]


async def show_help(ctx: Context, cmd: c.ShowHelp) -> Messages:
    return [render.help_message(ctx.actor.user_id)]


async def show_me(ctx: Context, cmd: c.ShowMe) -> Messages:
    me = _id(ctx.member)
    offers = await ctx.uow.offers.by_member(me)
    asks = await ctx.uow.asks.by_member(me)
    intros = await ctx.uow.introductions.involving(me)
    thanks = await ctx.uow.thanks.involving(me)
    made = [i for i in intros if i.status is IntroStatus.ACCEPTED]
    gave = sum(1 for i in made if i.helper_id == me)
    blocks: list[Any] = [
        Heading(text("Your give-first balance (only you see this)")),
        Paragraph(
            text(
                f"Given: {len(offers)} offers, {gave} introductions as a helper, "
                f"{sum(1 for t in thanks if t.giver_id == me)} thank-yous sent. "
                f"Received: {len(asks)} asks, {len(made) - gave} introductions, "
                f"{sum(1 for t in thanks if t.receiver_id == me)} thank-yous."
            )
        ),
    ]
    for offer in (o for o in offers if o.is_open):
        blocks += [
            Paragraph(text("🎁 Open offer:")),
            Quote(text(shorten(offer.text, 200))),
            Buttons((Button("Withdraw", c.ACTION_WITHDRAW, str(offer.id)),)),
        ]
    for ask in (a for a in asks if a.is_open):
        label = "🔒 Private ask:" if ask.private else "🙋 Open ask:"
        blocks += [
            Paragraph(text(label)),
            Quote(text(shorten(ask.text, 200))),
            Buttons(
                (
                    Button("Solved ✅", c.ACTION_SOLVE, str(ask.id), ButtonStyle.PRIMARY),
                    Button("Close", c.ACTION_CLOSE, str(ask.id)),
                )
            ),
        ]
    for intro in (i for i in intros if i.is_pending and i.awaited_member_id() == me):
        other = await _member(ctx.uow, intro.partner_of(me))
        blocks += [
            Paragraph(
                text("⏳ Waiting for your answer: an introduction with ", Mention(other.mention_id))
            ),
            Buttons(
                (
                    Button("Accept", c.ACTION_ACCEPT, str(intro.id), ButtonStyle.PRIMARY),
                    Button("Decline", c.ACTION_DECLINE, str(intro.id)),
                )
            ),
        ]
    if ctx.member.is_paused(ctx.now) and ctx.member.paused_until is not None:
        blocks += [
            Small(
                text(
                    f"⏸ Paused until {ctx.member.paused_until:%a %d %b} — "
                    "you won't be suggested as a helper."
                )
            ),
            Buttons((Button("Resume", c.ACTION_RESUME, ""),)),
        ]
    else:
        blocks += [Buttons((Button("Pause for 2 weeks", c.ACTION_PAUSE, "14"),))]
    return [message(Ephemeral(ctx.actor.user_id), *blocks)]


async def pause(ctx: Context, cmd: c.Pause) -> Messages:
    ctx.member.pause(ctx.now, cmd.days)
    until = ctx.member.paused_until
    return [
        render.reply(
            ctx.member,
            f"⏸ Paused until {until:%a %d %b}. Enjoy the break — "
            "`/givefirst resume` brings you back any time.",
        )
    ]


async def resume(ctx: Context, cmd: c.Resume) -> Messages:
    ctx.member.resume()
    return [render.reply(ctx.member, "▶️ Welcome back! I'll suggest you to people who need help.")]


async def set_thanks_visibility(ctx: Context, cmd: c.SetThanksVisibility) -> Messages:
    ctx.member.public_thanks = cmd.public
    if cmd.public:
        return [render.reply(ctx.member, "Thanks to you will be shared with the community.")]
    return [
        render.reply(
            ctx.member, "Thanks to you will reach only you, never the channel or the digest."
        )
    ]


async def export(ctx: Context, cmd: c.Export) -> Messages:
    data = await export_member(ctx.uow, ctx.member)
    return [
        message(
            DirectMessage((ctx.actor.user_id,)),
            Paragraph(text("📦 Here is everything givefirst stores about you.")),
            Attachment("givefirst-export.json", json.dumps(data, indent=2, ensure_ascii=False)),
        ),
        render.reply(ctx.member, "📦 I've sent your data to you in a direct message."),
    ]


async def export_member(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    """All data about one member, as plain JSON-ready values."""
    me = _id(member)

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    names: dict[int, str] = {}

    async def name(member_id: int) -> str:
        if member_id not in names:
            names[member_id] = (await _member(uow, member_id)).name
        return names[member_id]

    return {
        "member": {
            "platform_user_id": member.platform_user_id,
            "display_name": member.display_name,
            "timezone": member.timezone,
            "bio": member.bio,
            "skills": member.skills,
            "joined_at": when(member.joined_at),
            "paused_until": when(member.paused_until),
            "public_thanks": member.public_thanks,
        },
        "offers": [
            {
                "id": o.id,
                "text": o.text,
                "skills": o.skills,
                "status": o.status.value,
                "created_at": when(o.created_at),
            }
            for o in await uow.offers.by_member(me)
        ],
        "asks": [
            {
                "id": a.id,
                "text": a.text,
                "skills": a.skills,
                "private": a.private,
                "status": a.status.value,
                "created_at": when(a.created_at),
                "solved_at": when(a.solved_at),
            }
            for a in await uow.asks.by_member(me)
        ],
        "introductions": [
            {
                "id": i.id,
                "role": "asker" if i.asker_id == me else "helper",
                "with": await name(i.partner_of(me)),
                "status": i.status.value,
                "ask_id": i.ask_id,
                "offer_id": i.offer_id,
                "reason": i.reason,
                "requested_at": when(i.requested_at),
                "decided_at": when(i.decided_at),
                "outcome": i.outcome.value if i.outcome else None,
            }
            for i in await uow.introductions.involving(me)
        ],
        "thanks": [
            {
                "direction": "given" if t.giver_id == me else "received",
                "with": await name(t.receiver_id if t.giver_id == me else t.giver_id),
                "note": t.note,
                "created_at": when(t.created_at),
            }
            for t in await uow.thanks.involving(me)
        ],
    }


async def forget_me(ctx: Context, cmd: c.ForgetMe) -> Messages:
    if not cmd.confirmed:
        return [
            message(
                Ephemeral(ctx.actor.user_id),
                Paragraph(
                    wording(
                        "⚠️ This erases your profile, offers, asks, introductions' details and "
                        "thank-you notes, and removes my posts about you. It can't be undone. "
                        "Want a copy first? Use `/givefirst export`."
                    )
                ),
                Buttons((Button("Erase my data", c.ACTION_FORGET, "", ButtonStyle.DANGER),)),
            )
        ]
    out = await erase_member(ctx.uow, ctx.community, ctx.member, ctx.now)
    out.append(
        render.reply(ctx.actor.user_id, "Done — I've erased your data. You're always welcome back.")
    )
    return out


async def erase_member(
    uow: UnitOfWork, community: Community, member: Member, now: datetime
) -> Messages:
    """Erase a member's personal data, keeping only anonymous counts; returns post removals."""
    me = _id(member)
    out: Messages = []
    for offer in await uow.offers.by_member(me):
        offer.text, offer.skills, offer.status = "", [], OfferStatus.WITHDRAWN
        out.append(_remove_posts(Subject(SubjectKind.OFFER, _id(offer))))
    for ask in await uow.asks.by_member(me):
        ask.text, ask.skills = "", []
        ask.status = ask.status if ask.status is AskStatus.SOLVED else AskStatus.CLOSED
        out.append(_remove_posts(Subject(SubjectKind.ASK, _id(ask))))
    for intro in await uow.introductions.involving(me):
        intro.reason = ""
        if intro.is_pending:
            intro.status = IntroStatus.CANCELLED
    for thanks in await uow.thanks.involving(me):
        thanks.note = ""
        out.append(_remove_posts(Subject(SubjectKind.THANKS, _id(thanks))))
    if member.platform_user_id in community.admin_ids:
        community.admin_ids = [a for a in community.admin_ids if a != member.platform_user_id]
    if member.platform_user_id is not None:
        # Scheduled messages not yet out (a digest, a follow-up) would repeat their words.
        # A digest is composed again without them; nothing else needs sending any more.
        dropped = await uow.outbox.drop_unsent_naming(_id(community), member.platform_user_id)
        await uow.claims.release(
            {claim_of(key) for key in dropped if key.startswith(DIGEST_CLAIM_PREFIX)}
        )
    member.forget(now)
    return out


def _remove_posts(subject: Subject) -> Message:
    return Message(to=DeletePosts(subject), blocks=(), subject=subject)


# --- admin ---------------------------------------------------------------------------------------


async def show_config(ctx: Context, cmd: c.ShowConfig) -> Messages:
    return [render.config_message(ctx.actor.user_id, ctx.community)]


async def configure(ctx: Context, cmd: c.Configure) -> Messages:
    if not ctx.is_admin:
        raise NotAllowed(
            "Only community admins can change settings. Ask an admin, or see the "
            "current settings with `/givefirst config`."
        )
    c.validate_setting(cmd.setting, cmd.values)
    community, values = ctx.community, cmd.values
    match cmd.setting:
        case "channel":
            community.channel_id = c.channel_id_of(values[0])
        case "digest":
            community.digest_weekday = c.WEEKDAYS.index(values[0].lower())
            hour = c.parse_hour(values[1])
            if hour.minute:
                raise InvalidInput("The digest goes out on the hour; use e.g. `09:00`.")
            community.digest_hour = hour.hour
            if len(values) == 3:
                community.timezone = c.ensure_timezone(values[2])
        case "timezone":
            community.timezone = c.ensure_timezone(values[0])
        case "capacity":
            community.capacity = int(values[0])
        case "expiry":
            community.intro_expiry_days = int(values[0])
        case "follow-up":
            community.follow_up_days = int(values[0])
        case "quiet-weeks":
            community.skip_quiet_weeks = values[0].lower() == "skip"
        case "admins":
            user = c.user_id_of(values[1]) or ""
            others = [a for a in community.admin_ids if a != user]
            community.admin_ids = [*others, user] if values[0].lower() == "add" else others
        case "alias":
            alias, skill = (v.strip().lower() for v in values[0].split("="))
            community.aliases = {**community.aliases, alias: skill}
    return [
        render.reply(ctx.member, "✅ Saved."),
        render.config_message(ctx.actor.user_id, community),
    ]


# --- scheduled work ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheduled:
    """Messages decided on by one piece of scheduled work, under the key that claimed it."""

    key: str
    community_id: int
    messages: Messages


async def expire_introductions(uow: UnitOfWork, now: datetime) -> list[Scheduled]:
    """Expire unanswered requests and move each ask on to its next candidate."""
    out: list[Scheduled] = []
    for intro in await uow.introductions.pending_expired(now):
        key = f"expire:{_id(intro)}"
        if not await uow.claims.claim(key, now):
            continue
        intro.expire(now)
        community = await uow.communities.get(intro.community_id)
        if community is None:
            continue
        out.append(Scheduled(key, _id(community), await _after_expiry(uow, community, intro, now)))
    return out


async def _after_expiry(
    uow: UnitOfWork, community: Community, intro: Introduction, now: datetime
) -> Messages:
    days = community.intro_expiry_days
    if intro.awaiting is Party.ASKER:
        helper = await _member(uow, intro.helper_id)
        return [
            render.say(
                DirectMessage((helper.mention_id,)),
                "Thank you for offering to help! The asker didn't answer in time, so I've "
                "closed the request — your kindness is noted 💛",
            )
        ]
    ask = await uow.asks.get(intro.ask_id) if intro.ask_id else None
    if ask is not None and ask.is_open:
        return await _move_on(uow, community, ask, intro, now)
    return await _tell_asker_and_suggest_next(
        uow,
        community,
        intro,
        now,
        why=f"didn't answer within {days} days, so nobody was introduced. Maybe another time!",
    )


async def _move_on(
    uow: UnitOfWork, community: Community, ask: Ask, expired: Introduction, now: datetime
) -> Messages:
    """The asker already said yes to being introduced for this ask: ask the next candidate."""
    asker = await _member(uow, ask.member_id)
    late = await _member(uow, expired.helper_id)
    ranked = await rank_helpers(uow, community, ask, now, top=1)
    days = community.intro_expiry_days
    if not ranked:
        ask.looking_for_helper = True
        return [
            message(
                DirectMessage((asker.mention_id,)),
                Paragraph(
                    text(
                        Mention(late.mention_id),
                        f" didn't answer within {days} days and nobody else fits "
                        "yet — I'll tell you when someone can help.",
                    )
                ),
            )
        ]
    helper = await _member(uow, ranked[0].member_id)
    intro = Introduction(
        community_id=_id(community),
        asker_id=_id(asker),
        helper_id=_id(helper),
        awaiting=Party.HELPER,
        reason="; ".join(ranked[0].reasons),
        requested_at=now,
        expires_at=now + timedelta(days=days),
        ask_id=ask.id,
    )
    await uow.introductions.add(intro)
    return [
        render.consent_request(intro, asker, helper, ask.text, volunteered=False),
        message(
            DirectMessage((asker.mention_id,)),
            Paragraph(
                text(
                    Mention(late.mention_id),
                    f" didn't answer within {days} days, so I've asked ",
                    Mention(helper.mention_id),
                    " instead. I'll introduce you if they say yes.",
                )
            ),
        ),
    ]


async def send_follow_ups(uow: UnitOfWork, now: datetime) -> list[Scheduled]:
    """Ask 'did it help?' once per introduction whose follow-up is due."""
    out: list[Scheduled] = []
    for intro in await uow.introductions.follow_ups_due(now):
        key = f"followup:{_id(intro)}"
        if not await uow.claims.claim(key, now):
            continue
        intro.follow_up_sent_at = now
        asker = await _member(uow, intro.asker_id)
        helper = await _member(uow, intro.helper_id)
        if asker.platform_user_id is None or helper.platform_user_id is None:
            continue
        out.append(Scheduled(key, intro.community_id, [render.follow_up(intro, asker, helper)]))
    return out


async def remind_introductions(uow: UnitOfWork, now: datetime) -> list[Scheduled]:
    """Nudge whoever a request is waiting for, once, halfway before it expires."""
    out: list[Scheduled] = []
    for intro in await uow.introductions.reminders_due(now):
        if not intro.needs_reminder(now):
            continue
        key = f"remind:{_id(intro)}"
        if not await uow.claims.claim(key, now):
            continue
        intro.reminded_at = now
        asker = await _member(uow, intro.asker_id)
        helper = await _member(uow, intro.helper_id)
        if asker.platform_user_id is None or helper.platform_user_id is None:
            continue
        volunteered = intro.awaiting is Party.ASKER
        requester, recipient = (helper, asker) if volunteered else (asker, helper)
        ask = await uow.asks.get(intro.ask_id) if intro.ask_id else None
        offer = await uow.offers.get(intro.offer_id) if intro.offer_id else None
        about = ask.text if ask is not None else offer.text if offer is not None else ""
        request = render.consent_request(
            intro, requester, recipient, about, volunteered=volunteered
        )
        reminder = message(
            request.to,
            Paragraph(text("⏰ A gentle reminder — this is still waiting for your answer.")),
            *request.blocks,
        )
        out.append(Scheduled(key, intro.community_id, [reminder]))
    return out


async def check_relevance(uow: UnitOfWork, community: Community, now: datetime) -> list[Scheduled]:
    """Ask authors of old open asks and offers whether they still stand; close
    the ones nobody answered for :data:`RELEVANCE_ANSWER_DAYS` days."""
    cid = _id(community)
    unconfirmed_since = now - timedelta(days=community.stale_after_days)
    asked_before = now - timedelta(days=RELEVANCE_ANSWER_DAYS)
    out: list[Scheduled] = []
    for ask in await uow.asks.stale(cid, unconfirmed_since, asked_before):
        out += await _check_relevance(uow, ask, now, asked_before)
    for offer in await uow.offers.stale(cid, unconfirmed_since, asked_before):
        out += await _check_relevance(uow, offer, now, asked_before)
    return out


async def _check_relevance(
    uow: UnitOfWork, item: Ask | Offer, now: datetime, asked_before: datetime
) -> list[Scheduled]:
    kind = "ask" if isinstance(item, Ask) else "offer"
    if not item.is_open:
        return []
    author = await _member(uow, item.member_id)
    if item.relevance_asked_at is not None:
        if item.relevance_asked_at > asked_before:
            return []
        key = f"stale-close:{kind}:{_id(item)}:{item.relevance_asked_at.isoformat()}"
        if not await uow.claims.claim(key, now):
            return []
        item.relevance_asked_at = None
        if isinstance(item, Ask):
            item.status = AskStatus.CLOSED
            post = render.ask_post(item, author)
        else:
            item.status = OfferStatus.EXPIRED
            post = render.offer_post(item, author)
        closed = render.say(
            DirectMessage((author.mention_id,)),
            f"I didn't hear back, so I've closed your {kind} “",
            Plain(shorten(item.text)),
            f"”. Post a new one with `/{kind}` any time.",
        )
        messages = [*([] if isinstance(item, Ask) and item.private else [post])]
        if author.platform_user_id is not None:
            messages.append(closed)
        return [Scheduled(key, item.community_id, messages)]
    since = item.confirmed_at or item.created_at
    key = f"relevance:{kind}:{_id(item)}:{since.isoformat()}"
    if not await uow.claims.claim(key, now):
        return []
    item.relevance_asked_at = now
    if author.platform_user_id is None:
        return []
    return [Scheduled(key, item.community_id, [render.still_relevant(item, author, kind)])]


async def keep_open(ctx: Context, cmd: c.KeepAsk | c.KeepOffer) -> Messages:
    """The author says their ask or offer still stands: ask again in another N days."""
    item: Ask | Offer = (
        await _ask(ctx.uow, cmd.ask_id)
        if isinstance(cmd, c.KeepAsk)
        else await _offer(ctx.uow, cmd.offer_id)
    )
    if item.member_id != ctx.member.id:
        raise NotAllowed("Only its author can keep this open.")
    if not item.is_open:
        raise NotPossible("That's already closed — post a new one any time.")
    item.confirmed_at = ctx.now
    item.relevance_asked_at = None
    return [
        render.reply(
            ctx.member,
            f"👍 Keeping it open. I'll check again in {ctx.community.stale_after_days} days.",
        )
    ]


async def digest_for(
    uow: UnitOfWork, community: Community, since: datetime, until: datetime
) -> Digest:
    """Load one community's facts for a digest period and compose it."""
    return compose_digest(await uow.digests.facts(_id(community), since, until))


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    offers: int


async def import_directory(
    uow: UnitOfWork, community_key: str, records: Sequence[MemberRecord], now: datetime
) -> ImportSummary:
    """Create or update members (and their offers) from a validated directory file.

    Re-importing the same file changes nothing: members are matched by handle
    and an offer is added only if the member has no offer with the same text.
    """
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        community = Community(key=community_key, created_at=now)
        await uow.communities.add(community)
    vocabulary = vocabulary_for(community)
    created = updated = offers = 0
    for record in records:
        member = await uow.members.get_by_platform_id(_id(community), record.handle)
        if member is None:
            member = Member(
                community_id=_id(community),
                platform_user_id=record.handle,
                display_name=record.name,
                joined_at=now,
            )
            await uow.members.add(member)
            created += 1
        else:
            updated += 1
        member.display_name = record.name
        member.timezone = record.timezone or member.timezone
        member.bio = record.bio or member.bio
        member.add_skills(
            [vocabulary.normalise(s) for s in record.skills if vocabulary.normalise(s)]
        )
        existing = {o.text for o in await uow.offers.by_member(_id(member))}
        for text_ in record.offers:
            if text_ in existing:
                continue
            await uow.offers.add(
                Offer(
                    community_id=_id(community),
                    member_id=_id(member),
                    text=text_,
                    skills=list(vocabulary.extract(text_)),
                    created_at=now,
                )
            )
            offers += 1
    return ImportSummary(created, updated, offers)


async def match_text(
    uow: UnitOfWork, community_key: str, ask_text: str, now: datetime, top: int = SUGGESTIONS
) -> list[tuple[Member, Candidate]]:
    """Who would be suggested for this ask right now (for admins checking the directory)."""
    community = await uow.communities.get_by_key(community_key)
    if community is None:
        raise NotFound(f"There is no community {community_key!r} in this database.")
    probe = Ask(
        community_id=_id(community),
        member_id=0,
        text=ask_text,
        skills=[],
        private=True,
        created_at=now,
    )
    ranked = await rank_helpers(uow, community, probe, now, top=top)
    members = await _members_by_id(uow, [r.member_id for r in ranked])
    return [(members[r.member_id], r) for r in ranked]


# --- lookups -------------------------------------------------------------------------------------


def _id(entity: Community | Member | Offer | Ask | Introduction | Thanks) -> int:
    if entity.id is None:
        raise RuntimeError(f"{type(entity).__name__} has not been stored yet")
    return entity.id


async def _member(uow: UnitOfWork, member_id: int) -> Member:
    member = await uow.members.get(member_id)
    if member is None:
        raise NotFound("That member isn't here any more.")
    return member


async def _members_by_id(uow: UnitOfWork, ids: Sequence[int]) -> dict[int, Member]:
    found = {_id(m): m for m in await uow.members.get_many(set(ids))}
    if set(ids) - found.keys():
        raise NotFound("That member isn't here any more.")
    return found


async def _ask(uow: UnitOfWork, ask_id: int) -> Ask:
    ask = await uow.asks.get(ask_id)
    if ask is None or (not ask.text and ask.status is not AskStatus.OPEN):
        raise NotFound("That ask doesn't exist any more.")
    return ask


async def _offer(uow: UnitOfWork, offer_id: int) -> Offer:
    offer = await uow.offers.get(offer_id)
    if offer is None or not offer.text:
        raise NotFound("That offer doesn't exist any more.")
    return offer


async def _intro(uow: UnitOfWork, intro_id: int) -> Introduction:
    intro = await uow.introductions.get(intro_id)
    if intro is None:
        raise NotFound("That introduction doesn't exist any more.")
    return intro


Handler = Callable[[Context, Any], Awaitable[Messages]]

HANDLERS: dict[type, Handler] = {
    c.MakeOffer: make_offer,
    c.MakeAsk: make_ask,
    c.ListSkills: list_skills,
    c.AddSkills: add_skills,
    c.RemoveSkills: remove_skills,
    c.GiveThanks: give_thanks,
    c.ShowHelp: show_help,
    c.ShowMe: show_me,
    c.Pause: pause,
    c.Resume: resume,
    c.CheckDirectMessages: check_direct_messages,
    c.Export: export,
    c.ForgetMe: forget_me,
    c.SetThanksVisibility: set_thanks_visibility,
    c.ShowConfig: show_config,
    c.Configure: configure,
    c.RequestIntro: request_intro,
    c.Volunteer: volunteer,
    c.RequestOffer: request_offer,
    c.AcceptIntro: accept_intro,
    c.DeclineIntro: decline_intro,
    c.ReportOutcome: report_outcome,
    c.PromptThanks: prompt_thanks,
    c.SolveAsk: solve_ask,
    c.CloseAsk: close_ask,
    c.WithdrawOffer: withdraw_offer,
    c.ThankForPost: thank_for_post,
    c.KeepAsk: keep_open,
    c.KeepOffer: keep_open,
}
