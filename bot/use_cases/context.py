"""What every use case gets: who is acting, where and when, and the lookups they share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.commands import Actor, Command
from bot.directory import HelperDirectory, RankedAhead
from bot.domain import Ask, AskStatus, Community, Introduction, Member, Offer, was_forgotten
from bot.domain.directory import WaitingAsk
from bot.domain.identity import stored_id
from bot.errors import NotFound, NotPossible
from bot.messages import Message
from bot.ports import TextEncoder, UnitOfWork
from bot.sign_in import DashboardAccess
from bot.skills import Vocabulary

Messages = list[Message]

__all__ = ["Ahead", "Context", "Messages", "NewMember", "profile_changes", "stored_id"]


@dataclass(frozen=True)
class Ahead:
    """What a command worked out before its transaction, where it holds up nobody."""

    rankings: RankedAhead = field(default_factory=dict)
    waiting: tuple[WaitingAsk, ...] | None = None
    """For a new offer, the waiting asks closest to it; None if not looked for."""
    nothing_to_do: bool = False
    """The command can change nothing and say nothing (a new offer none of the waiting
    asks near it could be told about): its transaction is not run."""


@dataclass
class Context:
    """Everything a handler needs about who is acting, where and when."""

    uow: UnitOfWork
    now: datetime
    actor: Actor
    community: Community
    member: Member
    helpers: HelperDirectory
    encoder: TextEncoder | None = None
    dashboard: DashboardAccess | None = None
    """Where the dashboard is and how sign-in links are signed; None when the
    operator has not set it up."""
    ahead: Ahead = field(default_factory=Ahead)
    """What the command worked out before its transaction (see
    :func:`bot.use_cases.rank_ahead`)."""
    follow_ups: list[Command] = field(default_factory=list)
    """Commands to run once this one is committed (in a transaction of their own)."""

    @property
    def vocabulary(self) -> Vocabulary:
        return vocabulary_for(self.community)

    @property
    def is_admin(self) -> bool:
        return self.community.is_admin(
            self.actor.user_id, platform_admin=self.actor.is_platform_admin
        )


def vocabulary_for(community: Community) -> Vocabulary:
    """The shipped vocabulary with the community's own aliases."""
    return Vocabulary.for_aliases(community.aliases)


async def member_of(uow: UnitOfWork, member_id: int) -> Member:
    member = await uow.members.get(member_id)
    if member is None:
        raise NotFound("That member isn't here any more.")
    return member


async def members_by_id(uow: UnitOfWork, ids: Sequence[int]) -> Mapping[int, Member]:
    found = {stored_id(m): m for m in await uow.members.get_many(set(ids))}
    if set(ids) - found.keys():
        raise NotFound("That member isn't here any more.")
    return found


async def ask_of(uow: UnitOfWork, ask_id: int) -> Ask:
    ask = await uow.asks.get(ask_id)
    if ask is None or (not ask.text and ask.status is not AskStatus.OPEN):
        raise NotFound("That ask doesn't exist any more.")
    return ask


async def offer_of(uow: UnitOfWork, offer_id: int) -> Offer:
    offer = await uow.offers.get(offer_id)
    if offer is None or not offer.text:
        raise NotFound("That offer doesn't exist any more.")
    return offer


async def introduction_of(uow: UnitOfWork, intro_id: int) -> Introduction:
    intro = await uow.introductions.get(intro_id)
    if intro is None:
        raise NotFound("That introduction doesn't exist any more.")
    return intro


class NewMember(Exception):
    """The member is not saved yet, and what the platform says of them is still on its
    way (see :attr:`~bot.commands.Actor.later`): they are saved with it."""


async def enter(uow: UnitOfWork, actor: Actor, now: datetime) -> tuple[Community, Member]:
    """The community and member an event comes from, made on first sight; the member's
    name and time zone kept as the platform now gives them. Raises :class:`NewMember`
    for a newcomer whose actor is not :meth:`~bot.commands.Actor.complete` yet."""
    community = await uow.communities.get_by_key(actor.community_key)
    if community is None:
        community = Community(key=actor.community_key, name=actor.community_name, created_at=now)
        await uow.communities.add(community)
    assert community.id is not None
    member = await uow.members.get_by_platform_id(community.id, actor.user_id)
    if member is None:
        if actor.later is not None:
            raise NewMember(actor.user_id)
        member = Member(
            community_id=community.id,
            platform_user_id=actor.user_id,
            display_name=actor.display_name or actor.fallback_name or None,
            joined_at=now,
            timezone=actor.timezone,
            first_used_at=now,
        )
        await uow.members.add(member)
    else:
        if member.first_used_at is None:  # imported, thanked or named until now
            member.first_used_at = now
        for name, value in profile_changes(member, actor).items():
            setattr(member, name, value)
    return community, member


def profile_changes(member: Member, actor: Actor) -> dict[str, str]:
    """What the platform says of the member that differs from what is stored: their
    name and time zone, each only where it says one."""
    said = {"display_name": actor.display_name, "timezone": actor.timezone}
    return {name: value for name, value in said.items() if value and getattr(member, name) != value}


async def member_named(ctx: Context, user_id: str, *, gone: str, name: str | None = None) -> Member:
    """The member another member's command names (``/thanks @ana``, ``rounds never
    @ana``), saved from now on if they were not yet, under ``name``; one who used
    forget-me is refused with ``gone``: saving them again would bring them back (a
    directory import, which skips them, would then restore their profile)."""
    community_id = stored_id(ctx.community)
    named = await ctx.uow.members.get_by_platform_id(community_id, user_id)
    if named is not None:
        return named
    if was_forgotten(user_id, await ctx.uow.members.kept_out(community_id)):
        raise NotPossible(gone)
    named = Member(community_id, user_id, name, joined_at=ctx.now)
    await ctx.uow.members.add(named)
    return named


ERASED = (
    "That's from before you erased your data with forget-me: there is nothing left for "
    "it to change."
)


async def came_back(uow: UnitOfWork, member: Member, now: datetime) -> bool:
    """Whether the member was saved just now, by an id that used forget-me: a button or
    reaction from before then is theirs no longer."""
    if member.joined_at != now or member.platform_user_id is None:
        return False
    return was_forgotten(member.platform_user_id, await uow.members.kept_out(member.community_id))
