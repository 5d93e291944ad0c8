"""A community's give-first round, planned: who takes part, who meets whom and why,
the introductions, "did you meet?" a few days before the next, and the figures.

Planning has three steps so the heavy middle one runs off the event loop: read
everything in one transaction (:func:`read_round`), compute the groups in a thread
(:func:`compute_round`), then claim the round and write its groups and messages in
one short transaction (:func:`write_round`), as the digest is claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain import Community, IntroStatus, Member, Round, RoundGroup
from bot.domain.pairing import Obstacle, kept_apart_in_rounds, round_obstacle
from bot.matching import HelperProfile, OfferText
from bot.messages import Message
from bot.ports import UnitOfWork
from bot.render import round_preview
from bot.render import rounds as words
from bot.rounds import Participant, RoundPlan, Scorer, plan_round
from bot.rounds.fit import AskFit
from bot.schedule import RoundSlot, Scheduled
from bot.use_cases.context import stored_id, vocabulary_for

log = logging.getLogger(__name__)

ACQUAINTANCE_ROUNDS = 52
"""Earlier rounds whose pairs count as having met (a year of weekly rounds)."""


@dataclass
class RoundInputs:
    """Everything the pairing needs, read from storage; plain values from here on."""

    community: Community
    slot: RoundSlot
    members: dict[int, Member]
    participants: list[Participant]
    profiles: list[HelperProfile]
    asks: dict[int, list[str]]
    forbidden: set[tuple[int, int]]
    joined: int
    skipping: list[int] = field(default_factory=list)
    sitting_out: dict[int, Obstacle] = field(default_factory=dict)


@dataclass
class PlannedRound:
    inputs: RoundInputs
    plan: RoundPlan
    fit: AskFit
    scorer: Scorer


async def read_round(
    uow: UnitOfWork, community: Community, slot: RoundSlot, now: datetime
) -> RoundInputs:
    cid = stored_id(community)
    joined = await uow.rounds.participants(cid)
    members = {stored_id(m): m for m in await uow.members.get_many([p.member_id for p in joined])}
    inputs = RoundInputs(community, slot, members, [], [], {}, set(), len(joined))
    taking_part: set[int] = set()
    for participant in joined:
        member = members.get(participant.member_id)
        if member is None:
            continue
        if participant.skip_next:
            inputs.skipping.append(participant.member_id)
        elif (found := round_obstacle(member, now)) is not None:
            inputs.sitting_out[participant.member_id] = found
        else:
            taking_part.add(participant.member_id)
    rounds = await uow.rounds.latest(cid, max(ACQUAINTANCE_ROUNDS, community.rounds_window))
    recent = {stored_id(r) for r in rounds[: community.rounds_window]}
    groups = await uow.rounds.groups_of([stored_id(r) for r in rounds])
    introductions = await uow.introductions.in_community(cid)
    met: dict[int, set[int]] = {m: set() for m in taking_part}
    for pair in [g.pairs() for g in groups] + [
        [(i.asker_id, i.helper_id)] for i in introductions if i.status is IntroStatus.ACCEPTED
    ]:
        for a, b in pair:
            met.get(a, set()).add(b)
            met.get(b, set()).add(a)
    inputs.forbidden = kept_apart_in_rounds(
        introductions,
        await uow.rounds.never_pairs(cid),
        [g for g in groups if g.round_id in recent],
    )
    everyone = await uow.directory.changes(cid, 0, await uow.directory.revision(cid), model=None)
    for record in everyone.helpers:
        if record.member_id not in taking_part:
            continue
        inputs.participants.append(
            Participant(
                record.member_id,
                _offset(record.timezone, slot.slot),
                frozenset(met[record.member_id]),
            )
        )
        inputs.profiles.append(
            HelperProfile(
                member_id=record.member_id,
                name=record.name,
                skills=record.skills,
                bio=record.bio or "",
                offers=tuple(OfferText(i, t) for i, t in record.offers),
                timezone=record.timezone,
            )
        )
    for ask in await uow.asks.open_in(cid):
        if not ask.private and ask.member_id in taking_part and ask.text:
            inputs.asks.setdefault(ask.member_id, []).append(ask.text)
    return inputs


def compute_round(inputs: RoundInputs, now: datetime) -> PlannedRound:
    """The groups, with what each member could give the others: CPU only, no I/O."""
    vocabulary = vocabulary_for(inputs.community)
    fit = AskFit(inputs.profiles, inputs.asks, vocabulary, now)
    plan = plan_round(
        inputs.participants,
        fit,
        forbidden=inputs.forbidden,
        size=inputs.community.rounds_size,
        seed=inputs.slot.key,
    )
    return PlannedRound(inputs, plan, fit, Scorer(inputs.participants, fit, inputs.forbidden))


async def write_round(uow: UnitOfWork, planned: PlannedRound, now: datetime) -> Scheduled | None:
    """Claim the round and record its groups and messages; None if it was claimed
    before, or if someone in it left or went away since it was read (it is planned
    again on the next tick)."""
    inputs, slot = planned.inputs, planned.inputs.slot
    if not await uow.claims.claim(slot.key, now):
        return None
    placed = [m for g in planned.plan.groups for m in g.members] + list(planned.plan.unplaced)
    current = {stored_id(m): m for m in await uow.members.get_many(placed)}
    joined = {p.member_id: p for p in await uow.rounds.participants(slot.community_id)}
    if any(m not in joined or m not in current or round_obstacle(current[m], now) for m in placed):
        log.info("a member of %s's round changed while it was planned; planning again", slot.key)
        return None
    round_ = Round(slot.community_id, slot.slot, now, slot.follow_up_at, joined=inputs.joined)
    await uow.rounds.add(round_)
    messages: list[Message] = []
    for group in planned.plan.groups:
        stored = RoundGroup(slot.community_id, stored_id(round_), list(group.members))
        await uow.rounds.add_group(stored)
        members = [current[m] for m in group.members]
        givings, why = explain(planned, members)
        messages.append(
            words.introduction(stored_id(stored), members, givings, why, slot.follow_up_at)
        )
    lone = [current[m] for m in planned.plan.unplaced]
    messages += [words.alone(m) if len(placed) == 1 else words.unplaced(m) for m in lone]
    for member_id in inputs.skipping:
        if member_id in joined:
            joined[member_id].skip_next = False
    for member_id, found in inputs.sitting_out.items():
        member, participant = inputs.members[member_id], joined.get(member_id)
        told = participant is not None and participant.told_paused_until == member.paused_until
        if found is Obstacle.TAKING_A_BREAK and participant is not None and not told:
            participant.told_paused_until = member.paused_until
            messages.append(words.on_a_break(member))
    return Scheduled(slot.key, slot.community_id, messages)


def explain(
    planned: PlannedRound, members: Sequence[Member]
) -> tuple[list[words.Giving], list[str]]:
    """What each member of a group could give the others, and why they were put together."""
    givings: list[words.Giving] = []
    for giver in members:
        for receiver in members:
            if giver is not receiver and (
                found := planned.fit.giving(stored_id(giver), stored_id(receiver))
            ):
                givings.append(words.Giving(giver, receiver, found.ask, found.reasons))
    ids = [stored_id(m) for m in members]
    reasons = [planned.scorer.reasons(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    why: list[str] = []
    if all(r.new_tie for r in reasons):
        why.append(words.new_tie(members))
    elif not any(r.new_tie for r in reasons):
        why.append(words.met_before(members))  # everyone new was met: a chance to catch up
    hours = [r.shared_hours for r in reasons]
    if hours and all(h is not None for h in hours):
        shared = min(h for h in hours if h is not None)
        if shared >= 8:
            zones = list(dict.fromkeys(m.timezone or "" for m in members))
            why.append(words.awake_together(shared, zones))
    return givings, why


async def round_follow_ups(
    uow: UnitOfWork, now: datetime, *, only: int | None = None
) -> list[Scheduled]:
    """Ask each group that has not said whether they met, once per round (in the
    community ``only``, if given)."""
    out: list[Scheduled] = []
    for round_ in await uow.rounds.follow_ups_due(now):
        if only is not None and round_.community_id != only:
            continue
        key = f"round-followup:{stored_id(round_)}"
        if not await uow.claims.claim(key, now):
            continue
        round_.follow_up_sent_at = now
        community = await uow.communities.get(round_.community_id)
        zone = ZoneInfo(community.timezone if community is not None else "UTC")
        messages: list[Message] = []
        for group in await uow.rounds.groups_of([stored_id(round_)]):
            if group.outcome is not None:  # they said, one way or the other
                continue
            members = [
                m for m in await uow.members.get_many(group.member_ids) if m.forgotten_at is None
            ]
            if len(members) >= 2:
                messages.append(
                    words.follow_up(stored_id(group), members, round_.slot.astimezone(zone))
                )
        out.append(Scheduled(key, round_.community_id, messages))
    return out


def preview_message(planned: PlannedRound) -> Message:
    """The planned round in words, for an operator; nothing is claimed or sent."""
    inputs = planned.inputs
    lines = []
    for group in planned.plan.groups:
        members = [inputs.members[m] for m in group.members]
        givings, why = explain(planned, members)
        lines.append(round_preview.preview_line(members, givings, why))
    left = {m: "no one they may be paired with this time" for m in planned.plan.unplaced}
    left.update({m: "skipping this round" for m in inputs.skipping})
    left.update({m: found.value.replace("_", " ") for m, found in inputs.sitting_out.items()})
    lines += [
        round_preview.preview_left_out(inputs.members[m], why) for m, why in sorted(left.items())
    ]
    return round_preview.preview(inputs.community, inputs.slot.slot, lines)


def _offset(timezone: str | None, at: datetime) -> float | None:
    if not timezone:
        return None
    try:
        offset = at.astimezone(ZoneInfo(timezone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder, or too long a name
        return None
    return offset.total_seconds() / 3600 if offset is not None else None
