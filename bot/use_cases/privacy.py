"""A member's data: a copy of all of it (``export``), or erasing it (``forget-me``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import commands as c
from bot import render
from bot.domain import (
    FORMER_MEMBER,
    AskStatus,
    Community,
    IntroStatus,
    Member,
    OfferStatus,
    Subject,
    SubjectKind,
)
from bot.messages import DeletePosts, Message, UpdatePosts
from bot.ports import UnitOfWork
from bot.render import rounds as round_words
from bot.schedule import DIGEST_CLAIM_PREFIX, claim_of
from bot.text import mention_of
from bot.use_cases.context import Context, Messages, member_of, stored_id


async def export(ctx: Context, cmd: c.Export) -> Messages:
    data = await export_member(ctx.uow, ctx.member)
    return [
        render.export(ctx.actor.user_id, json.dumps(data, indent=2, ensure_ascii=False)),
        render.reply(ctx.member, "📦 I've sent your data to you in a direct message."),
    ]


async def export_member(uow: UnitOfWork, member: Member) -> dict[str, Any]:
    """All data about one member, as plain JSON-ready values."""
    me = stored_id(member)

    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    names: dict[int, str] = {}

    async def name(member_id: int) -> str:
        if member_id not in names:
            names[member_id] = (await member_of(uow, member_id)).name
        return names[member_id]

    return {
        "member": {
            "platform_user_id": member.platform_user_id,
            "display_name": member.display_name,
            "timezone": member.timezone,
            "bio": member.bio,
            "skills": member.skills,
            "joined_at": when(member.joined_at),
            "first_used_at": when(member.first_used_at),
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
                # How it went is the asker's to say, and theirs alone to see.
                "outcome": i.outcome.value if i.outcome and i.asker_id == me else None,
            }
            for i in await uow.introductions.involving(me)
        ],
        "rounds": {
            "joined": (taking_part := await uow.rounds.participant(me)) is not None,
            "joined_at": when(taking_part.joined_at) if taking_part else None,
            "skipping_the_next": taking_part.skip_next if taking_part else False,
            "never_paired_with": [await name(n.other_id) for n in await uow.rounds.never_list(me)],
            "groups": [
                {
                    "round": when(round_.slot),
                    "with": [await name(other) for other in group.member_ids if other != me],
                    "outcome": group.outcome.value if group.outcome else None,
                    "outcome_at": when(group.outcome_at),
                    "your_answer": (said.value if (said := group.answer_of(me)) else None),
                }
                for round_, group in await uow.rounds.groups_involving(member)
            ],
        },
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
        return [render.forget_confirmation(ctx.actor.user_id)]
    out = await erase_member(ctx.uow, ctx.community, ctx.member, ctx.now)
    out.append(
        render.reply(ctx.actor.user_id, "Done — I've erased your data. You're always welcome back.")
    )
    return out


async def erase_member(
    uow: UnitOfWork, community: Community, member: Member, now: datetime
) -> Messages:
    """Erase a member's personal data, keeping only anonymous counts; returns post removals."""
    me = stored_id(member)
    out: Messages = []
    for offer in await uow.offers.by_member(me):
        offer.text, offer.skills, offer.status = "", [], OfferStatus.WITHDRAWN
        out.append(remove_posts(Subject(SubjectKind.OFFER, stored_id(offer))))
    for ask in await uow.asks.by_member(me):
        ask.text, ask.skills = "", []
        ask.status = ask.status if ask.status is AskStatus.SOLVED else AskStatus.CLOSED
        out.append(remove_posts(Subject(SubjectKind.ASK, stored_id(ask))))
    for intro in await uow.introductions.involving(me):
        intro.reason = ""
        if intro.is_pending:
            intro.status = IntroStatus.CANCELLED
    for thanks in await uow.thanks.involving(me):
        thanks.note = ""
        out.append(remove_posts(Subject(SubjectKind.THANKS, stored_id(thanks))))
    out += await _tell_round_partners(uow, member)
    await uow.rounds.forget_member(me)
    if member.platform_user_id in community.admin_ids:
        community.admin_ids = [a for a in community.admin_ids if a != member.platform_user_id]
    if member.platform_user_id is not None:
        out += await unmention(uow, community, member.platform_user_id)
        # Weekly digests posted that quote or name them come down (others' lines too:
        # a digest is not rewritten after the week).
        naming = await uow.posts.unname(stored_id(community), member.platform_user_id)
        out += [remove_posts(subject) for subject in naming]
        # Scheduled messages not yet out (a digest, a follow-up) would repeat their words.
        # A digest is composed again without them; nothing else needs sending any more.
        dropped = await uow.outbox.drop_unsent_naming(stored_id(community), member.platform_user_id)
        await uow.claims.release(
            {claim_of(key) for key in dropped if key.startswith(DIGEST_CLAIM_PREFIX)}
        )
    await uow.vectors.forget_member(me)
    if member.platform_user_id is not None:
        await uow.members.keep_out(stored_id(community), member.platform_user_id)
    member.forget(now)
    return out


ROUNDS_STILL_ASKING = 2
"""Rounds that may not yet have asked whether their groups met: the latest (the
question comes before the next round), and the one before it if the scheduler was
away when its question was due."""


async def _tell_round_partners(uow: UnitOfWork, member: Member) -> Messages:
    """The member's group in a round not yet asked whether it met hears they left,
    rather than wait for someone who won't come (they are not named: they asked to be
    forgotten)."""
    out: Messages = []
    waiting = [
        stored_id(r)
        for r in await uow.rounds.latest(member.community_id, ROUNDS_STILL_ASKING)
        if r.follow_up_sent_at is None
    ]
    for group in await uow.rounds.groups_of(waiting):
        if not group.involves(member.id) or group.outcome is not None:
            continue
        others = await uow.members.get_many([i for i in group.member_ids if i != member.id])
        out += [
            round_words.partner_left(m)
            for m in others
            if m.forgotten_at is None and m.platform_user_id is not None
        ]
    return out


async def unmention(uow: UnitOfWork, community: Community, user_id: str) -> Messages:
    """Where other members' words mention the member (an ask "could <@U1> help?"), the
    mention becomes "a former member": in what is stored, so that no digest, post or
    export shows their id again, and in the posts already showing those words. Done
    at erase time, because afterwards nothing stored says whose id it was."""
    mention, cid = mention_of(user_id), stored_id(community)
    out: Messages = []
    for offer in await uow.offers.containing(cid, mention):
        offer.text = offer.text.replace(mention, FORMER_MEMBER)
        subject = Subject(SubjectKind.OFFER, stored_id(offer))
        author = await member_of(uow, offer.member_id)
        out.append(render.offer_post(offer, author, to=UpdatePosts(subject)))
    for ask in await uow.asks.containing(cid, mention):
        ask.text = ask.text.replace(mention, FORMER_MEMBER)
        subject = Subject(SubjectKind.ASK, stored_id(ask))
        author = await member_of(uow, ask.member_id)
        out.append(render.ask_post(ask, author, to=UpdatePosts(subject)))
    for thanks in await uow.thanks.containing(cid, mention):
        thanks.note = thanks.note.replace(mention, FORMER_MEMBER)
        giver = await member_of(uow, thanks.giver_id)
        receiver = await member_of(uow, thanks.receiver_id)
        subject = Subject(SubjectKind.THANKS, stored_id(thanks))
        out.append(
            render.thanks_post(thanks, giver, receiver, public=True, to=UpdatePosts(subject))
        )
    for intro in await uow.introductions.containing(cid, mention):
        intro.reason = intro.reason.replace(mention, FORMER_MEMBER)
    return out


def remove_posts(subject: Subject) -> Message:
    return Message(to=DeletePosts(subject), blocks=(), subject=subject)
