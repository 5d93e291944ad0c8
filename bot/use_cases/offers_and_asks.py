"""Offering help and asking for it: ``/offer``, ``/ask``, solving, closing, withdrawing."""

from __future__ import annotations

from bot import commands as c
from bot import render
from bot.domain import Ask, AskStatus, IntroStatus, Offer
from bot.errors import NotAllowed, NotPossible
from bot.messages import DirectMessage, Ephemeral
from bot.text import checked
from bot.use_cases.context import (
    Context,
    Messages,
    ask_of,
    member_of,
    members_by_id,
    offer_of,
    stored_id,
)
from bot.use_cases.helpers import Helpers, load_helpers, open_asks_for, rank_helpers, search_helpers


async def make_offer(ctx: Context, cmd: c.MakeOffer) -> Messages:
    body = checked(cmd.text, what="offer", example="/offer happy to review resumes #resume")
    offer = Offer(
        community_id=stored_id(ctx.community),
        member_id=stored_id(ctx.member),
        text=body,
        skills=list(ctx.vocabulary.extract(body)),
        created_at=ctx.now,
    )
    await ctx.uow.offers.add(offer)
    out = [render.offer_post(offer, ctx.member), render.offer_shared(ctx.actor.user_id, offer)]
    out += await _tell_waiting_askers(ctx, offer)
    return out


async def _tell_waiting_askers(ctx: Context, offer: Offer) -> Messages:
    """Asks that had nobody hear, once, that someone new could help."""
    out: Messages = []
    helpers: Helpers | None = None  # read once, only if some ask is still looking
    for ask in await ctx.uow.asks.looking_for_helper(stored_id(ctx.community)):
        if ask.member_id == ctx.member.id:
            continue
        helpers = helpers or await load_helpers(ctx.uow, ctx.directory, ctx.community, ctx.now)
        only = {stored_id(ctx.member)}
        ranked = search_helpers(helpers, ctx.community, ask, ctx.now, only=only)
        if not ranked:
            continue
        asker = await member_of(ctx.uow, ask.member_id)
        ask.suggested(1, ctx.now)
        out.append(
            render.suggestions(
                ask,
                [(ctx.member, ranked[0].reasons)],
                DirectMessage((asker.mention_id,)),
                lead=render.someone_new(ask),
            )
        )
    return out


async def make_ask(ctx: Context, cmd: c.MakeAsk) -> Messages:
    body = checked(cmd.text, what="ask", example="/ask could someone look over my CV?")
    ask = Ask(
        community_id=stored_id(ctx.community),
        member_id=stored_id(ctx.member),
        text=body,
        skills=list(ctx.vocabulary.extract(body)),
        private=cmd.private,
        created_at=ctx.now,
    )
    await ctx.uow.asks.add(ask)
    ranked = await rank_helpers(ctx.uow, ctx.directory, ctx.community, ask, ctx.now)
    ask.suggested_count = len(ranked)
    ask.suggested(len(ranked), ctx.now)
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    members = await members_by_id(ctx.uow, [r.member_id for r in ranked])
    suggestions = render.suggestions(
        ask, [(members[r.member_id], r.reasons) for r in ranked], Ephemeral(ctx.actor.user_id)
    )
    has_offered = bool(await ctx.uow.offers.by_member(stored_id(ctx.member)))
    out.append(render.ask_saved(suggestions, ask, has_offered=has_offered))
    return out


async def solve_ask(ctx: Context, cmd: c.SolveAsk) -> Messages:
    ask = await ask_of(ctx.uow, cmd.ask_id)
    ask.solve(ctx.member, ctx.now)
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    out.append(render.reply(ctx.member, "✅ Marked as solved — wonderful!"))
    out += await after_solved(ctx, ask)
    return out


async def close_ask(ctx: Context, cmd: c.CloseAsk) -> Messages:
    ask = await ask_of(ctx.uow, cmd.ask_id)
    if ask.member_id != ctx.member.id:
        raise NotAllowed("Only the person who asked can close this ask.")
    ask.ensure_open()
    ask.status = AskStatus.CLOSED
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    return [*out, render.reply(ctx.member, "Closed your ask. Ask again any time with `/ask`.")]


async def withdraw_offer(ctx: Context, cmd: c.WithdrawOffer) -> Messages:
    offer = await offer_of(ctx.uow, cmd.offer_id)
    offer.withdraw(ctx.member)
    return [
        render.offer_post(offer, ctx.member),
        render.reply(ctx.member, "Withdrawn. Thank you for offering!"),
    ]


async def keep_open(ctx: Context, cmd: c.KeepAsk | c.KeepOffer) -> Messages:
    """The author says their ask or offer still stands: ask again in another N days."""
    item: Ask | Offer = (
        await ask_of(ctx.uow, cmd.ask_id)
        if isinstance(cmd, c.KeepAsk)
        else await offer_of(ctx.uow, cmd.offer_id)
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


async def after_solved(ctx: Context, ask: Ask) -> Messages:
    """Thank the helpers, then invite the asker to pay it forward."""
    out: Messages = []
    for intro in await ctx.uow.introductions.for_ask(stored_id(ask)):
        if intro.status is IntroStatus.ACCEPTED:
            helper = await member_of(ctx.uow, intro.helper_id)
            out.append(render.thank_prompt(ctx.actor.user_id, helper, intro))
    forward = await open_asks_for(ctx.uow, ctx.community, ctx.member)
    if (note := render.pay_it_forward(forward, ctx.member)) is not None:
        out.append(note)
    return out
