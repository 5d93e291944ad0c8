"""Saying thank you: ``/thanks``, after an introduction helped, and 🙏 on a post."""

from __future__ import annotations

from bot import commands as c
from bot import render
from bot.domain import IntroStatus, Member, SubjectKind, Thanks
from bot.errors import NotAllowed, NotPossible
from bot.text import MAX_NOTE_LENGTH, checked, shorten
from bot.use_cases.context import (
    Context,
    Messages,
    ask_of,
    introduction_of,
    member_named,
    member_of,
    offer_of,
    stored_id,
)


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
    receiver = await member_named(
        ctx,
        cmd.receiver_user_id,
        gone="I can't pass thanks to them: they don't use givefirst here any more.",
        name=cmd.receiver_user_id,
    )
    return await _thank(ctx, receiver, note, cmd.introduction_id)


async def _thank(ctx: Context, receiver: Member, note: str, intro_id: int | None) -> Messages:
    thanks = Thanks(
        community_id=stored_id(ctx.community),
        giver_id=stored_id(ctx.member),
        receiver_id=stored_id(receiver),
        note=note,
        created_at=ctx.now,
        introduction_id=intro_id,
    )
    await ctx.uow.thanks.add(thanks)
    return [
        render.thanks_post(thanks, ctx.member, receiver, public=receiver.public_thanks),
        render.thanks_sent(ctx.member, note, public=receiver.public_thanks),
    ]


async def prompt_thanks(ctx: Context, cmd: c.PromptThanks) -> Messages:
    intro = await introduction_of(ctx.uow, cmd.intro_id)
    if intro.asker_id != ctx.member.id:
        raise NotAllowed("Only the person who was helped can thank for this introduction.")
    given = await ctx.uow.thanks.involving(stored_id(ctx.member))
    if any(t.introduction_id == intro.id for t in given):
        raise NotPossible("You've already said thanks for this one 💛")
    helper = await member_of(ctx.uow, intro.helper_id)
    ask = await ctx.uow.asks.get(intro.ask_id) if intro.ask_id else None
    note = f"for helping with “{shorten(ask.text, 80)}”" if ask and not ask.private else ""
    return await _thank(ctx, helper, note, intro.id)


async def thank_for_post(ctx: Context, cmd: c.ThankForPost) -> Messages:
    if cmd.subject.kind is SubjectKind.OFFER:
        offer = await offer_of(ctx.uow, cmd.subject.id)
        author = await member_of(ctx.uow, offer.member_id)
        if author.id == ctx.member.id:
            return []
        return await _thank(ctx, author, f"for offering “{shorten(offer.text, 80)}”", None)
    ask = await ask_of(ctx.uow, cmd.subject.id)
    if ask.member_id != ctx.member.id:
        return []
    out: Messages = []
    for intro in await ctx.uow.introductions.for_ask(stored_id(ask)):
        if intro.status is IntroStatus.ACCEPTED:
            out += await prompt_thanks(ctx, c.PromptThanks(stored_id(intro)))
    return out
