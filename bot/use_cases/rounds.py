"""Members and the give-first rounds: joining, leaving, sitting one out, a private
never list, and saying whether a round's introduction led to a meeting."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot import commands as c
from bot.domain import (
    Community,
    Member,
    NeverPair,
    RoundGroup,
    RoundOutcome,
    RoundParticipant,
)
from bot.domain.pairing import round_obstacle
from bot.domain.rounds import meeting_rate, was_a_group
from bot.errors import NotFound, NotPossible
from bot.messages import Block
from bot.ports import UnitOfWork
from bot.render import rounds as words
from bot.schedule import next_round
from bot.use_cases.context import Context, Messages, member_named, stored_id

DIGEST_ROUND_AGE = (timedelta(days=2), timedelta(days=35))
"""A round shows in the digest once its groups were asked whether they met and had two
days to answer, for five weeks after it: before that, "0 of 5 met" says nothing."""


async def show_rounds(ctx: Context, cmd: c.ShowRounds) -> Messages:
    me = stored_id(ctx.member)
    participant = await ctx.uow.rounds.participant(me)
    never = await ctx.uow.rounds.never_list(me)
    others = {stored_id(m): m for m in await ctx.uow.members.get_many([n.other_id for n in never])}
    return [
        words.status(
            ctx.member,
            ctx.community,
            taking_part=participant is not None,
            skipping=participant is not None and participant.skip_next,
            next_at=next_round(ctx.community, ctx.now),
            found=round_obstacle(ctx.member, ctx.now),
            never=[others[n.other_id] for n in never if n.other_id in others],
        )
    ]


async def join_rounds(ctx: Context, cmd: c.JoinRounds) -> Messages:
    if not ctx.community.rounds_on:
        return [words.rounds_are_off(ctx.member)]
    me = stored_id(ctx.member)
    participant = await ctx.uow.rounds.participant(me)
    was_skipping = participant is not None and participant.skip_next
    if participant is None:
        await ctx.uow.rounds.join(RoundParticipant(stored_id(ctx.community), me, ctx.now))
    elif participant.skip_next:
        participant.skip_next = False
    return [
        words.joined(
            ctx.member,
            next_round(ctx.community, ctx.now),
            round_obstacle(ctx.member, ctx.now),
            was_skipping=was_skipping,
            already=participant is not None,
        )
    ]


async def leave_rounds(ctx: Context, cmd: c.LeaveRounds) -> Messages:
    participant = await ctx.uow.rounds.participant(stored_id(ctx.member))
    if participant is None:
        return [words.not_in_rounds(ctx.member)]
    await ctx.uow.rounds.leave(participant)
    return [words.left(ctx.member)]


async def skip_round(ctx: Context, cmd: c.SkipRound) -> Messages:
    participant = await ctx.uow.rounds.participant(stored_id(ctx.member))
    if participant is None:
        return [words.not_in_rounds(ctx.member)]
    participant.skip_next = True
    return [words.skipping(ctx.member, next_round(ctx.community, ctx.now))]


async def never_pair_with(ctx: Context, cmd: c.NeverPairWith) -> Messages:
    other = await _member_named(ctx, cmd.user_id)
    me = stored_id(ctx.member)
    if not any(n.other_id == other.id for n in await ctx.uow.rounds.never_list(me)):
        await ctx.uow.rounds.add_never(
            NeverPair(stored_id(ctx.community), me, stored_id(other), ctx.now)
        )
    return [words.never_added(ctx.member, other)]


async def allow_pair_with(ctx: Context, cmd: c.AllowPairWith) -> Messages:
    other = await _member_named(ctx, cmd.user_id)
    listed = [
        n for n in await ctx.uow.rounds.never_list(stored_id(ctx.member)) if n.other_id == other.id
    ]
    for never in listed:
        await ctx.uow.rounds.remove_never(never)
    return [
        words.never_removed(ctx.member, other)
        if listed
        else words.never_not_listed(ctx.member, other)
    ]


async def report_round_outcome(ctx: Context, cmd: c.ReportRoundOutcome) -> Messages:
    group = await ctx.uow.rounds.group(cmd.group_id)
    if group is None:
        raise NotFound("That round's introduction doesn't exist any more.")
    group.record(ctx.member, RoundOutcome.MET if cmd.met else RoundOutcome.NOT_MET, ctx.now)
    return [words.outcome(ctx.member, cmd.met)]


async def _member_named(ctx: Context, user_id: str) -> Member:
    """The member a command names, known from now on if they were not yet."""
    if user_id == ctx.actor.user_id:
        raise NotPossible("That's you — rounds never pair you with yourself.")
    return await member_named(
        ctx,
        user_id,
        gone="They don't use givefirst here any more, so no round will pair you with them.",
    )


async def digest_lines(
    uow: UnitOfWork,
    community: Community,
    since: datetime,
    until: datetime,
    *,
    now: datetime | None = None,
) -> tuple[tuple[Block, ...], bool]:
    """The digest's line about the latest round old enough to tell how it went, or an
    invitation to the next round after ``now`` (by default, ``until``); and whether it
    is news: a round's result in the first digest it can be told in (from ``since`` to
    ``until``), which a quiet week's digest is posted for (else it is never told)."""
    youngest, oldest = DIGEST_ROUND_AGE
    for round_ in await uow.rounds.latest(stored_id(community), 3):
        asked = round_.follow_up_sent_at
        if until - oldest <= round_.slot and asked is not None and asked <= until - youngest:
            met, groups = meeting_rate(await _asked(uow, stored_id(round_)))
            if groups:
                news = asked + youngest > since
                lines = words.digest_lines(
                    round_.slot.astimezone(ZoneInfo(community.timezone)),
                    met,
                    groups,
                    join=community.rounds_on,
                )
                return lines, news
            break
    if community.rounds_on:
        return words.digest_invitation(next_round(community, max(until, now or until))), False
    return (), False


async def _asked(uow: UnitOfWork, round_id: int) -> list[RoundGroup]:
    """A round's groups that count in how many met (see :func:`was_a_group`)."""
    groups = list(await uow.rounds.groups_of([round_id]))
    ids = {member_id for group in groups for member_id in group.member_ids}
    here = {stored_id(m) for m in await uow.members.get_many(list(ids)) if m.forgotten_at is None}
    return [g for g in groups if was_a_group(g.outcome, g.member_ids, here)]
