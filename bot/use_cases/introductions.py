"""Introductions, double opt-in: asking, volunteering, saying yes or no, how it went."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import commands as c
from bot import render
from bot.directory import HelperDirectory
from bot.domain import (
    Ask,
    Community,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    Outcome,
    Party,
)
from bot.domain.pairing import introduction_obstacle
from bot.errors import NotAllowed, NotFound, NotPossible
from bot.messages import DirectMessage, Ephemeral, Paragraph, message, plain, wording
from bot.ports import UnitOfWork
from bot.text import shorten
from bot.use_cases.context import (
    Context,
    Messages,
    ask_of,
    introduction_of,
    member_of,
    offer_of,
    stored_id,
)
from bot.use_cases.helpers import (
    ask_vector,
    explain_helper,
    find_helpers,
    forget_words,
    thanked_already,
)
from bot.use_cases.offers_and_asks import after_solved, suggestions_for


async def request_intro(ctx: Context, cmd: c.RequestIntro) -> Messages:
    ask = await ask_of(ctx.uow, cmd.ask_id)
    if ask.member_id != ctx.member.id:
        raise NotAllowed("Only the person who asked can request introductions for this ask.")
    ask.ensure_open()
    helper = await member_of(ctx.uow, cmd.helper_member_id)
    await ensure_may_pair(ctx, stored_id(ctx.member), helper, ask=ask, capacity=True)
    vector = await ask_vector(ctx.uow, ctx.helpers, ask)
    reasons = await explain_helper(
        ctx.uow, ctx.helpers, ctx.community, ask, helper, ctx.now, vector=vector
    )
    reason = " · ".join(reasons) if reasons else "you picked them"
    intro = await propose(
        ctx, ask=ask, asker=ctx.member, helper=helper, awaiting=Party.HELPER, reason=reason
    )
    return [
        render.consent_request(
            intro, ctx.member, helper, ask.text, volunteered=False, private=ask.private
        ),
        render.request_sent(ctx.member, helper),
    ]


async def volunteer(ctx: Context, cmd: c.Volunteer) -> Messages:
    ask = await ask_of(ctx.uow, cmd.ask_id)
    if ask.member_id == ctx.member.id:
        raise NotPossible("That's your own ask — I'll find helpers for you.")
    if ask.private:
        raise NotFound("That ask doesn't exist any more.")
    ask.ensure_open()
    asker = await member_of(ctx.uow, ask.member_id)
    await ensure_may_pair(ctx, stored_id(asker), ctx.member, ask=ask, helper_is_acting=True)
    intro = await propose(
        ctx,
        ask=ask,
        asker=asker,
        helper=ctx.member,
        awaiting=Party.ASKER,
        reason=render.VOLUNTEERED,
    )
    return [
        render.consent_request(intro, ctx.member, asker, ask.text, volunteered=True),
        render.volunteered(ctx.member, asker),
    ]


async def request_offer(ctx: Context, cmd: c.RequestOffer) -> Messages:
    offer = await offer_of(ctx.uow, cmd.offer_id)
    if offer.member_id == ctx.member.id:
        raise NotPossible("That's your own offer — thank you for giving!")
    if not offer.is_open:
        raise NotPossible("That offer is no longer available.")
    helper = await member_of(ctx.uow, offer.member_id)
    await ensure_may_pair(ctx, stored_id(ctx.member), helper, offer=offer, capacity=True)
    intro = await propose(
        ctx,
        offer=offer,
        asker=ctx.member,
        helper=helper,
        awaiting=Party.HELPER,
        reason=f"you offered: “{shorten(offer.text)}”",
    )
    return [
        render.consent_request(intro, ctx.member, helper, offer.text, volunteered=False),
        render.request_sent(ctx.member, helper),
    ]


async def ensure_may_pair(
    ctx: Context,
    asker_id: int,
    helper: Member,
    *,
    ask: Ask | None = None,
    offer: Offer | None = None,
    helper_is_acting: bool = False,
    capacity: bool = False,
) -> None:
    """Refuse, with the reason, a pairing :mod:`bot.domain.pairing` does not allow."""
    found = introduction_obstacle(
        asker_id,
        helper,
        await ctx.uow.introductions.involving(stored_id(helper)),
        now=ctx.now,
        ask_id=ask.id if ask else None,
        offer_id=offer.id if offer else None,
        helper_is_acting=helper_is_acting,
        capacity=ctx.community.capacity if capacity else None,
    )
    if found is not None:
        said = render.obstacle(found, helper)
        raise NotPossible(plain(wording(*said)), said=said)


async def propose(
    ctx: Context,
    *,
    asker: Member,
    helper: Member,
    awaiting: Party,
    reason: str,
    ask: Ask | None = None,
    offer: Offer | None = None,
) -> Introduction:
    if ask is not None:
        for earlier in await ctx.uow.introductions.for_ask(stored_id(ask)):
            if earlier.helper_id == stored_id(helper) and earlier.status is IntroStatus.EXPIRED:
                earlier.ask_again(awaiting, reason, ctx.now, ctx.community.intro_expiry_days)
                return earlier
    intro = new_introduction(
        ctx.community, asker, helper, awaiting, reason, ctx.now, ask=ask, offer=offer
    )
    await ctx.uow.introductions.add(intro)
    return intro


def new_introduction(
    community: Community,
    asker: Member,
    helper: Member,
    awaiting: Party,
    reason: str,
    now: datetime,
    *,
    ask: Ask | None = None,
    offer: Offer | None = None,
) -> Introduction:
    return Introduction(
        community_id=stored_id(community),
        asker_id=stored_id(asker),
        helper_id=stored_id(helper),
        awaiting=awaiting,
        reason=reason,
        requested_at=now,
        expires_at=now + timedelta(days=community.intro_expiry_days),
        ask_id=ask.id if ask else None,
        offer_id=offer.id if offer else None,
    )


async def accept_intro(ctx: Context, cmd: c.AcceptIntro) -> Messages:
    intro = await introduction_of(ctx.uow, cmd.intro_id)
    intro.accept(ctx.member, ctx.now, ctx.community.follow_up_days)
    asker = await member_of(ctx.uow, intro.asker_id)
    helper = await member_of(ctx.uow, intro.helper_id)
    ask = await ctx.uow.asks.get(intro.ask_id) if intro.ask_id else None
    offer = await ctx.uow.offers.get(intro.offer_id) if intro.offer_id else None
    if offer is None and ask is not None:
        offer = next(
            (o for o in await ctx.uow.offers.by_member(stored_id(helper)) if o.is_open), None
        )
    other = asker if ctx.member.id == helper.id else helper
    return [
        render.introduction(intro, asker, helper, ask, offer, ctx.community.follow_up_days),
        render.introduced(ctx.member, other),
    ]


async def decline_intro(ctx: Context, cmd: c.DeclineIntro) -> Messages:
    intro = await introduction_of(ctx.uow, cmd.intro_id)
    intro.decline(ctx.member, ctx.now)
    out: Messages = [render.declined(ctx.member)]
    if intro.awaiting is Party.HELPER:
        out += await tell_asker_and_suggest_next(
            ctx.uow,
            ctx.helpers,
            ctx.community,
            intro,
            ctx.now,
            why="can't help this time — no worries.",
        )
    else:
        out.append(render.not_needed(await member_of(ctx.uow, intro.helper_id)))
    return out


async def tell_asker_and_suggest_next(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    intro: Introduction,
    now: datetime,
    *,
    why: str,
) -> Messages:
    asker = await member_of(uow, intro.asker_id)
    helper = await member_of(uow, intro.helper_id)
    lead = render.helper_answer(helper, why)
    ask = await uow.asks.get(intro.ask_id) if intro.ask_id else None
    if ask is None or not ask.is_open:
        return [message(DirectMessage((asker.mention_id,)), Paragraph(lead))]
    vector = await ask_vector(uow, helpers, ask)
    found = await find_helpers(uow, helpers, community, ask, now, vector=vector)
    ask.suggested(len(found.confident), now)
    return [await suggestions_for(uow, ask, found, DirectMessage((asker.mention_id,)), lead)]


async def report_outcome(ctx: Context, cmd: c.ReportOutcome) -> Messages:
    intro = await introduction_of(ctx.uow, cmd.intro_id)
    intro.record_outcome(ctx.member, cmd.outcome, ctx.now)
    ask = await ctx.uow.asks.get(intro.ask_id) if intro.ask_id else None
    days = ctx.community.follow_up_days
    out: Messages = [render.outcome_reply(ctx.member, cmd.outcome, days)]
    match cmd.outcome:
        case Outcome.HELPED if ask is not None and ask.is_open:
            ask.solve(ctx.member, ctx.now)
            await forget_words(ctx.uow, ask)
            out += [] if ask.private else [render.ask_post(ask, ctx.member)]
            return out + await after_solved(ctx, ask)
        case Outcome.HELPED if thanked_already(
            intro, await ctx.uow.thanks.involving(intro.asker_id)
        ):
            return out
        case Outcome.HELPED:
            helper = await member_of(ctx.uow, intro.helper_id)
            return [*out, render.thank_prompt(ctx.actor.user_id, helper, intro)]
        case Outcome.NOT_YET:
            intro.follow_up_due_at = ctx.now + timedelta(days=days)
            intro.follow_up_sent_at = None
            return out
    if ask is None or not ask.is_open:
        return out
    vector = await ask_vector(ctx.uow, ctx.helpers, ask)
    found = await find_helpers(ctx.uow, ctx.helpers, ctx.community, ask, ctx.now, vector=vector)
    lead = render.didnt_work_lead(bool(found.confident))
    return [await suggestions_for(ctx.uow, ask, found, Ephemeral(ctx.actor.user_id), lead)]
