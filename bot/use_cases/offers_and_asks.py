"""Offering help and asking for it: ``/offer``, ``/ask``, solving, closing, withdrawing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot import commands as c
from bot import render
from bot.directory import CommunityDirectory, HelperDirectory, ranking_key
from bot.domain import (
    Ask,
    AskStatus,
    Community,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    Outcome,
    Party,
)
from bot.domain.directory import FieldKind, WaitingAsk, field_key
from bot.errors import InvalidInput, NotAllowed, NotPossible
from bot.matching.fields import Vector
from bot.matching.hybrid import LEAD_FLOOR, Suggestions
from bot.messages import Audience, DirectMessage, Ephemeral, Message, Text
from bot.ports import TextEncoder, UnitOfWork
from bot.skills import Vocabulary
from bot.text import checked
from bot.use_cases.context import (
    Ahead,
    Context,
    Messages,
    ask_of,
    member_of,
    members_by_id,
    offer_of,
    stored_id,
    vocabulary_for,
)
from bot.use_cases.helpers import (
    EncodedAhead,
    asks_now_fitting,
    could_come_out,
    encoded,
    find_helpers,
    forget_words,
    keep_vector,
    open_asks_for,
    remember_words,
    thanked_already,
    waiting_vector,
)

WAITING_ASKS = 5
"""Waiting asks a new offer is checked against: the ones closest to it."""


async def make_offer(ctx: Context, cmd: c.MakeOffer) -> Messages:
    body = checked(
        cmd.text, what="offer", example="/offer happy to review resumes #resume", in_words=True
    )
    if any(_same(text, body) for text in await ctx.uow.offers.open_texts_of(stored_id(ctx.member))):
        raise NotPossible(
            "You offered this already, and it is still open: thank you! "
            "`/givefirst me` shows it (and withdraws it, if it no longer stands)."
        )
    offer = Offer(
        community_id=stored_id(ctx.community),
        member_id=stored_id(ctx.member),
        text=body,
        skills=list(ctx.vocabulary.tags(body)),
        created_at=ctx.now,
    )
    await ctx.uow.offers.add(offer)
    await remember_words(
        ctx.uow, ctx.encoder, ctx.community, ctx.member, FieldKind.OFFER, stored_id(offer), body
    )
    ctx.follow_ups.append(c.TellWaitingAskers(stored_id(offer), stored_id(ctx.member)))
    return [render.offer_post(offer, ctx.member), render.offer_shared(ctx.actor.user_id, offer)]


def _same(said: str, again: str) -> bool:
    """Whether a member said the same thing again (a double submit, a paste twice)."""
    return " ".join(said.split()).casefold() == " ".join(again.split()).casefold()


async def tell_waiting_askers(ctx: Context, cmd: c.TellWaitingAskers) -> Messages:
    """Asks that had nobody hear, once, that someone new could help: those the new offer
    is closest to (or, without vectors, those sharing a skill with it), if its author now
    comes out as a confident suggestion for them."""
    offer = await ctx.uow.offers.get(cmd.offer_id)
    if offer is None or not offer.is_open or offer.member_id != ctx.member.id:
        return []
    return await waiting_askers_told(
        ctx.uow, ctx.helpers, ctx.community, ctx.member, offer, ctx.now, ahead=ctx.ahead
    )


async def waiting_askers_told(
    uow: UnitOfWork,
    helpers: HelperDirectory,
    community: Community,
    member: Member,
    offer: Offer,
    now: datetime,
    *,
    ahead: Ahead | None = None,
) -> Messages:
    """What :func:`tell_waiting_askers` tells, of a member's open offer (with what was
    worked out ``ahead`` of the transaction, if anything)."""
    directory = helpers.current(community)
    me = stored_id(member)
    early = ahead.waiting if ahead is not None else None
    waiting = (
        list(early) if early is not None else _near_by_meaning(directory, me, stored_id(offer))
    )
    if waiting is None:
        skills = set(offer.skills)
        waiting = [a for a in directory.waiting.values() if skills & set(a.skills)]
        waiting = waiting[:WAITING_ASKS]
    rankings = ahead.rankings if ahead is not None else None
    fitting = await asks_now_fitting(uow, helpers, community, me, waiting, now, ahead=rankings)
    # As committed now, not as last read (all in one query, and their askers in one).
    still = {
        stored_id(ask): ask
        for ask in await uow.asks.get_many(list(fitting))
        if ask.looking_for_helper and ask.is_open
    }
    askers = await members_by_id(uow, [ask.member_id for ask in still.values()])
    out: Messages = []
    for ask_id, (candidate, margin) in fitting.items():
        if (ask := still.get(ask_id)) is None:
            continue
        asker = askers[ask.member_id]
        ask.suggested(1, now)
        ask.match_margin = margin
        out.append(
            render.suggestions(
                ask,
                [(member, candidate.reasons)],
                DirectMessage((asker.mention_id,)),
                lead=render.someone_new(ask),
            )
        )
    return out


def _near_by_meaning(
    directory: CommunityDirectory, member_id: int, offer_id: int
) -> list[WaitingAsk] | None:
    """The waiting asks a member's offer is closest to in meaning; None if the offer
    has no vector."""
    offered = (
        directory.vectors.field_vector(member_id, field_key(FieldKind.OFFER, offer_id))
        if directory.vectors is not None
        else None
    )
    if offered is None or directory.ask_vectors is None or not directory.meaning_ready():
        return None
    near = directory.ask_vectors.closest(offered, LEAD_FLOOR, WAITING_ASKS)
    return [directory.waiting[i] for i in near if i in directory.waiting]


def words_to_encode(command: object, vocabulary: Vocabulary) -> tuple[str, str] | None:
    """The text a command will give the sentence model, when it is known before the
    command's transaction: encoding it first (in the model's own thread) leaves the
    transactions, which run one at a time, free for other members meanwhile. The text
    as said, and as the model reads it (with what the community's aliases stand for)."""
    if not isinstance(command, c.MakeOffer | c.MakeAsk):
        return None
    try:
        # As its handler keeps it.
        said = checked(command.text, what="text", example="", in_words=True)
    except InvalidInput:
        return None  # refused in the transaction, with the reason
    return said, vocabulary.read_for_meaning(said)


async def rank_ahead(
    helpers: HelperDirectory, community: Community, command: object, encoder: TextEncoder | None
) -> Ahead:
    """Rank what a command will rank, before its transaction: in a large community the
    product over every member's profile is most of a search, and made here it holds up
    no other member's command; the transaction is given these rankings (see
    :meth:`HelperDirectory.rank_each`), and a new offer's waiting asks: if its author
    could come out for none of them, there is nothing to tell, and no transaction."""
    asks: list[tuple[str, Vector | None]] = []
    near: list[WaitingAsk] | None = None
    if isinstance(command, c.MakeAsk) and isinstance(encoder, EncodedAhead):
        # Read with the aliases last known; if they changed since, the transaction ranks.
        if vocabulary_for(community).read_for_meaning(encoder.said) == encoder.text:
            asks = [(encoder.said, encoder.vector)]
    elif isinstance(command, c.TellWaitingAskers):
        directory = helpers.current(community)
        near = _near_by_meaning(directory, command.member_id, command.offer_id)
        others = [a for a in near or () if a.member_id != command.member_id]
        asks = [(a.text, waiting_vector(a)) for a in others]
    rankings = await helpers.rank_each(community, asks) if asks else []
    return Ahead(
        rankings={ranking_key(*ask): r for ask, r in zip(asks, rankings, strict=True)},
        waiting=tuple(near) if near is not None else None,
        nothing_to_do=isinstance(command, c.TellWaitingAskers)
        and near is not None
        and not any(could_come_out(ranking, command.member_id) for ranking in rankings),
    )


async def make_ask(ctx: Context, cmd: c.MakeAsk) -> Messages:
    body = checked(
        cmd.text, what="ask", example="/ask could someone look over my CV?", in_words=True
    )
    asked = await ctx.uow.asks.open_texts_of(stored_id(ctx.member))
    if any(private == cmd.private and _same(text, body) for text, private in asked):
        raise NotPossible(
            "You asked this already, and it is still open: I'll tell you when someone new "
            "can help. `/givefirst me` shows it."
        )
    ask = Ask(
        community_id=stored_id(ctx.community),
        member_id=stored_id(ctx.member),
        text=body,
        skills=list(ctx.vocabulary.tags(body)),
        private=cmd.private,
        created_at=ctx.now,
    )
    read = ctx.vocabulary.read_for_meaning(body)
    vector = await encoded(ctx.encoder, read)
    # Helpers are found before the ask is written, so that it is written once, with them.
    found = await find_helpers(
        ctx.uow,
        ctx.helpers,
        ctx.community,
        ask,
        ctx.now,
        vector=vector,
        asker=ctx.member,
        ahead=ctx.ahead.rankings,
    )
    ask.suggested_count = len(found.confident)
    ask.suggested(len(found.confident), ctx.now)
    await ctx.uow.asks.add(ask)
    if ctx.encoder is not None and vector is not None:
        await keep_vector(
            ctx.uow,
            ctx.encoder,
            ctx.community,
            ctx.member,
            FieldKind.ASK,
            stored_id(ask),
            read,
            vector,
        )
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    suggestions = await suggestions_for(ctx.uow, ask, found, Ephemeral(ctx.actor.user_id))
    out.append(render.ask_saved(suggestions, ask, has_offered=await _has_offered(ctx)))
    return out


async def _has_offered(ctx: Context) -> bool:
    """Whether the member ever offered help: an open offer in the helper directory says
    so without reading the database."""
    profile = ctx.helpers.current(ctx.community).words.profile(stored_id(ctx.member))
    return bool(profile and profile.offers) or await ctx.uow.offers.has_offered(
        stored_id(ctx.member)
    )


async def suggestions_for(
    uow: UnitOfWork,
    ask: Ask,
    found: Suggestions,
    to: Audience,
    lead: Text | None = None,
) -> Message:
    """The message offering an asker the helpers found (or the closest, or nobody)."""
    members = await members_by_id(uow, [c.member_id for c in (*found.confident, *found.closest)])
    return render.suggestions(
        ask,
        [(members[c.member_id], c.reasons) for c in found.confident],
        to,
        lead,
        closest=[(members[c.member_id], c.reasons) for c in found.closest],
    )


async def share_ask(ctx: Context, cmd: c.ShareAsk) -> Messages:
    """A private ask, shared with the community after all."""
    ask = await ask_of(ctx.uow, cmd.ask_id)
    if ask.member_id != ctx.member.id:
        raise NotAllowed("Only the person who asked can share this ask.")
    ask.ensure_open()
    if not ask.private:
        return [render.reply(ctx.member, "Your ask is already shared with the community.")]
    ask.private = False
    return [
        render.ask_post(ask, ctx.member),
        render.reply(ctx.member, "🙋 Shared — I'll tell you when someone can help."),
    ]


async def solve_ask(ctx: Context, cmd: c.SolveAsk) -> Messages:
    ask = await ask_of(ctx.uow, cmd.ask_id)
    ask.solve(ctx.member, ctx.now)
    await forget_words(ctx.uow, ask)
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
    await forget_words(ctx.uow, ask)
    out: Messages = [] if ask.private else [render.ask_post(ask, ctx.member)]
    out.append(render.reply(ctx.member, "Closed your ask. Ask again any time with `/ask`."))
    return out + await withdraw_requests(ctx.uow, ask, ctx.member)


async def withdraw_requests(
    uow: UnitOfWork, ask: Ask, asker: Member, intros: Sequence[Introduction] | None = None
) -> Messages:
    """An ask is solved or closed: the requests about it still waiting for an answer
    are withdrawn (no reminder, no "didn't answer in time"), and the helpers they
    concern are told there is nothing to answer; a follow-up promised after "Not yet"
    is not sent. ``intros``: the ask's introductions, if the caller read them."""
    out: Messages = []
    if intros is None:
        intros = await uow.introductions.for_ask(stored_id(ask))
    for intro in intros:
        if intro.outcome is Outcome.NOT_YET and intro.follow_up_sent_at is None:
            intro.follow_up_due_at = None
        if not intro.is_pending:
            continue
        intro.withdraw()
        helper = await member_of(uow, intro.helper_id)
        if helper.platform_user_id is not None:
            volunteered = intro.awaiting is Party.ASKER
            out.append(render.request_withdrawn(helper, asker, ask, volunteered=volunteered))
    return out


async def withdraw_offer(ctx: Context, cmd: c.WithdrawOffer) -> Messages:
    offer = await offer_of(ctx.uow, cmd.offer_id)
    offer.withdraw(ctx.member)
    await forget_words(ctx.uow, offer)
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
    """Withdraw the requests still waiting, thank the helpers, then invite the asker to
    pay it forward."""
    intros = await ctx.uow.introductions.for_ask(stored_id(ask))
    out: Messages = await withdraw_requests(ctx.uow, ask, ctx.member, intros)
    thanks = await ctx.uow.thanks.involving(stored_id(ctx.member))
    for intro in intros:
        if intro.status is IntroStatus.ACCEPTED and not thanked_already(intro, thanks):
            helper = await member_of(ctx.uow, intro.helper_id)
            out.append(render.thank_prompt(ctx.actor.user_id, helper, intro))
    forward = await open_asks_for(ctx.uow, ctx.helpers, ctx.community, ctx.member)
    if (note := render.pay_it_forward(forward, ctx.member)) is not None:
        out.append(note)
    return out
