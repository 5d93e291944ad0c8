"""A member's own profile and presence: skills, balance, breaks, thanks visibility,
and whether direct messages reach them."""

from __future__ import annotations

from datetime import timedelta

from bot import commands as c
from bot import render
from bot.domain import IntroStatus
from bot.domain.directory import FieldKind, field_key
from bot.errors import InvalidInput
from bot.matching.fields import skills_text
from bot.messages import DirectMessage, Plain
from bot.parsing import NO_SKILLS_NAMED, NO_SKILLS_TO_REMOVE
from bot.skills import Vocabulary
from bot.skills.text import tag_slug, words
from bot.text import checked, day
from bot.use_cases.context import Context, Messages, member_of, stored_id
from bot.use_cases.helpers import remember_words

DM_RECHECK = timedelta(days=1)
"""How often, at most, a member whose DMs are closed gets a test message on their own."""


async def list_skills(ctx: Context, cmd: c.ListSkills) -> Messages:
    """The member's profile skills, and those their open offers are tagged with (which
    count for matching while the offers are open, but are not in the profile)."""
    offers = await ctx.uow.offers.by_member(stored_id(ctx.member))
    tagged = dict.fromkeys(
        skill
        for offer in offers
        if offer.is_open
        for skill in offer.skills
        if skill not in ctx.member.skills
    )
    on_offers: list[str | Plain] = (
        [
            " Your open offers are also tagged ",
            Plain(", ".join(tagged)),
            ": they count while the offers are open (`/skills add` keeps them for good).",
        ]
        if tagged
        else []
    )
    if not ctx.member.skills:
        return [
            render.reply(
                ctx.member,
                "Your profile has no skills yet. Add some with "
                "`/skills add resumes, public speaking`.",
                *on_offers,
            )
        ]
    return [
        render.reply(
            ctx.member, "Your skills: ", Plain(", ".join(ctx.member.skills)), ".", *on_offers
        )
    ]


async def add_skills(ctx: Context, cmd: c.AddSkills) -> Messages:
    read = [
        ctx.vocabulary.read_skill(
            checked(
                s,
                what="skill",
                example="/skills add resumes",
                limit=60,
                advice="A skill is a few words, like `salary negotiation`.",
            )
        )
        for s in cmd.skills
    ]
    if not cmd.skills:
        raise InvalidInput(NO_SKILLS_NAMED)
    if not any(read):  # punctuation, emoji, symbols: nothing a skill's name is made of
        raise InvalidInput(f"There is no skill name I can read in that. {NO_SKILLS_NAMED}")
    added = ctx.member.add_skills([name for names in read for name in names])
    unread = [typed for typed, names in zip(cmd.skills, read, strict=True) if not names]
    skipped = (
        (" (Left out, with no letters or digits: ", Plain(", ".join(unread)), ".)")
        if unread
        else ()
    )
    if not added:
        return [render.reply(ctx.member, "You already have those skills.", *skipped)]
    await _remember_skills(ctx)
    # What the vocabulary read a typed skill as, where that is another name: shown, so
    # that "seed saving" read as personal finance can be put right.
    read_as: dict[str, list[str]] = {}
    for typed, names in zip(cmd.skills, read, strict=True):
        for skill in names:
            if skill in added and _as_listed(typed) != skill:
                read_as.setdefault(skill, []).append(typed.strip())
    shown = ", ".join(f"{s} ({', '.join(read_as[s])})" if s in read_as else s for s in added)
    correction: tuple[str | Plain, ...] = ()
    if read_as:
        correction = (f" Not what you meant? `/skills remove {next(iter(read_as))}`.",)
    return [
        render.reply(
            ctx.member,
            "Added: ",
            Plain(shown),
            ". I'll suggest you when someone needs them.",
            *correction,
            *skipped,
        )
    ]


async def remove_skills(ctx: Context, cmd: c.RemoveSkills) -> Messages:
    if not cmd.skills:
        raise InvalidInput(NO_SKILLS_TO_REMOVE)
    shipped, mine = Vocabulary.default(), set(ctx.member.skills)
    wanted: list[str] = []
    for typed in cmd.skills:
        if (listed := _as_listed(typed)) in mine:
            # Named as `/skills list` shows it: that one ("seed-saving", not the
            # personal finance its words hold).
            wanted.append(listed)
        else:
            # As the community reads the words now, and as they were read when added
            # (before an alias gave them another meaning).
            wanted += [ctx.vocabulary.normalise(typed), shipped.normalise(typed)]
    removed = ctx.member.remove_skills(list(dict.fromkeys(wanted)))
    if removed:
        await _remember_skills(ctx)
    if not removed:
        return [
            render.reply(
                ctx.member, "None of those were in your profile. See yours with `/skills list`."
            )
        ]
    return [render.reply(ctx.member, "Removed: ", Plain(", ".join(removed)), ".")]


def _as_listed(typed: str) -> str:
    """A typed skill as `/skills list` would show it if kept as typed."""
    return tag_slug(tuple(words(typed.lstrip("#"))))


async def _remember_skills(ctx: Context) -> None:
    """Keep the vector of the member's skills in step with them."""
    member_id = stored_id(ctx.member)
    if ctx.member.skills:
        await remember_words(
            ctx.uow,
            ctx.encoder,
            ctx.community,
            ctx.member,
            FieldKind.SKILLS,
            member_id,
            skills_text(ctx.member.skills),
        )
    else:
        await ctx.uow.vectors.delete([field_key(FieldKind.SKILLS, member_id)])


async def show_help(ctx: Context, cmd: c.ShowHelp) -> Messages:
    return [render.help_message(ctx.actor.user_id)]


async def show_me(ctx: Context, cmd: c.ShowMe) -> Messages:
    me = stored_id(ctx.member)
    offers = await ctx.uow.offers.by_member(me)
    asks = await ctx.uow.asks.by_member(me)
    intros = await ctx.uow.introductions.involving(me)
    thanks = await ctx.uow.thanks.involving(me)
    made = [i for i in intros if i.status is IntroStatus.ACCEPTED]
    gave = sum(1 for i in made if i.helper_id == me)
    pending = [
        (intro, await member_of(ctx.uow, intro.partner_of(me)))
        for intro in intros
        if intro.is_pending
    ]
    return [
        render.balance(
            ctx.actor.user_id,
            ctx.member,
            now=ctx.now,
            given=(len(offers), gave, sum(1 for t in thanks if t.giver_id == me)),
            received=(len(asks), len(made) - gave, sum(1 for t in thanks if t.receiver_id == me)),
            open_offers=[o for o in offers if o.is_open],
            open_asks=[a for a in asks if a.is_open],
            awaiting=[(i, m) for i, m in pending if i.awaited_member_id() == me],
            waiting_on=[(i, m) for i, m in pending if i.awaited_member_id() != me],
        )
    ]


async def pause(ctx: Context, cmd: c.Pause) -> Messages:
    ctx.member.pause(ctx.now, cmd.days)
    until = ctx.member.paused_until
    assert until is not None  # just set
    return [
        render.reply(
            ctx.member,
            f"⏸ Paused until {day(until, ctx.now)}. Enjoy the break — "
            "`/givefirst resume` brings you back any time.",
        )
    ]


async def resume(ctx: Context, cmd: c.Resume) -> Messages:
    """Back from a break: asks still waiting hear if the member's open offers fit them."""
    if ctx.member.paused_until is None:  # (a pause that ran out still tells the askers)
        return [
            render.reply(
                ctx.member,
                "You're not paused: I already suggest you to people who need help. "
                "(`/givefirst pause 14` takes a break.)",
            )
        ]
    ctx.member.resume()
    for offer in await ctx.uow.offers.by_member(stored_id(ctx.member)):
        if offer.is_open:
            ctx.follow_ups.append(c.TellWaitingAskers(stored_id(offer), stored_id(ctx.member)))
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
    stays set aside until one reaches them (see :mod:`bot.delivery`), and if it fails
    they are told where they acted how to open their DMs."""
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
