"""The entry point adapters talk to: commands, buttons and reactions in, messages out.

``GiveFirst`` runs one use case per event inside one unit of work, commits, and
only then delivers the resulting messages through the adapter's :class:`Chat`,
remembering where channel posts landed so later reactions find their subject.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import commands as c
from bot import render, services
from bot.domain import Community, Member, Post, Subject
from bot.errors import GiveFirstError
from bot.messages import (
    Button,
    Buttons,
    ChannelPost,
    DeletePosts,
    DirectMessage,
    Ephemeral,
    Mention,
    Message,
    Paragraph,
    UpdatePosts,
    message,
    text,
)
from bot.ports import Chat, Clock, Conflict, DeliveryFailed, DeliveryProblem, PostRef, UnitOfWork
from bot.scheduler import Scheduler

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]
CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Handled:
    """What one event produced, for adapters and tests that want to look."""

    messages: tuple[Message, ...]
    error: str | None = None


class GiveFirst:
    """The platform-neutral bot."""

    def __init__(
        self, unit_of_work: UnitOfWorkFactory, clock: Clock, *, concurrent_use_cases: int = 1
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock
        # Use cases are mostly CPU (matching, the ORM) between short database calls.
        # Run one at a time per process: several at once finish no sooner on one event
        # loop, but delay the acknowledgements the platforms wait for. Deliveries (the
        # network) still overlap; more processes add throughput.
        self._use_cases = asyncio.Semaphore(concurrent_use_cases)

    @property
    def clock(self) -> Clock:
        return self._clock

    async def slash_command(self, actor: c.Actor, name: str, text_: str, chat: Chat) -> Handled:
        """``/offer``, ``/ask``, … with their text (mentions as ``<@id>``)."""
        try:
            command = c.parse(name, text_)
        except GiveFirstError as error:
            return await self._refuse(actor, error, chat)
        return await self.handle(actor, command, chat)

    async def button(self, actor: c.Actor, action: str, value: str, chat: Chat) -> Handled:
        try:
            command = c.parse_action(action, value)
        except GiveFirstError as error:
            return await self._refuse(actor, error, chat)
        return await self.handle(actor, command, chat)

    async def reaction(
        self, actor: c.Actor, channel_id: str, message_id: str, reaction: str, chat: Chat
    ) -> Handled:
        """A reaction on a post; ignored unless it is one of ours and means something."""
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(actor.community_key)
            post = (
                await uow.posts.find(community.id, channel_id, message_id)
                if community is not None and community.id is not None
                else None
            )
        if post is None:
            return Handled(())
        command = c.reaction_command(reaction, post.subject)
        if command is None:
            return Handled(())
        return await self.handle(actor, command, chat)

    async def handle(self, actor: c.Actor, command: c.Command, chat: Chat) -> Handled:
        try:
            community, messages, dm_test = await self._run(actor, command)
        except GiveFirstError as error:
            return await self._refuse(actor, error, chat)
        except Exception:
            log.exception("%s failed for %s", type(command).__name__, actor.community_key)
            sorry = render.reply(
                actor.user_id,
                "😬 Something went wrong on my side and nothing "
                "was changed. Please try again in a moment.",
            )
            await self._deliver(community=None, messages=[sorry], chat=chat, actor=actor)
            return Handled((sorry,), error="internal error")
        reached = await self._deliver(
            community=community, messages=messages, chat=chat, actor=actor
        )
        if dm_test is not None and dm_test in reached:
            await self._mark_dm_open(community, dm_test)
        return Handled(tuple(messages))

    async def _run(
        self, actor: c.Actor, command: c.Command
    ) -> tuple[Community, list[Message], str | None]:
        """Run a use case in one transaction, again if a concurrent event got in first.

        Also says whose closed DMs the messages test (see
        :func:`services.recheck_direct_messages`), if anyone's."""
        handler = services.HANDLERS[type(command)]
        for attempt in range(1, CONFLICT_RETRIES + 1):
            now = self._clock.now()
            try:
                async with self._use_cases, self._uow() as uow:
                    community, member = await self._enter(uow, actor, now)
                    ctx = services.Context(uow, now, actor, community, member)
                    messages = await handler(ctx, command)
                    messages += services.recheck_direct_messages(ctx, messages)
                    testing = member.dm_closed and any(
                        isinstance(m.to, DirectMessage) and member.mention_id in m.to.user_ids
                        for m in messages
                    )
                    await uow.commit()
                return community, messages, member.mention_id if testing else None
            except Conflict:
                if attempt == CONFLICT_RETRIES:
                    raise
                log.info("retrying %s after a concurrent change", type(command).__name__)
        raise AssertionError("unreachable")

    async def overview(self, actor: c.Actor) -> Message:
        """The member's own open offers, asks, pending introductions and pause state,
        for a home screen; nothing is sent."""
        now = self._clock.now()
        async with self._uow() as uow:
            community, member = await self._enter(uow, actor, now)
            ctx = services.Context(uow, now, actor, community, member)
            [overview] = await services.show_me(ctx, c.ShowMe())
            await uow.commit()
        return overview

    async def first_time(self, event_key: str) -> bool:
        """True the first time a platform event id is seen, across all workers."""
        async with self._uow() as uow:
            fresh = await uow.events.first_time(event_key, self._clock.now())
            await uow.commit()
        return fresh

    async def run_due_work(self, chat_for: Callable[[Community], Chat]) -> int:
        """Do all scheduled work that is due now, through the outbox (see
        :mod:`bot.scheduler`), without pacing; returns messages sent."""
        scheduler = Scheduler(self._uow, self._clock, min_interval=0)
        return (await scheduler.tick(chat_for)).sent

    async def community(self, key: str) -> Community | None:
        async with self._uow() as uow:
            return await uow.communities.get_by_key(key)

    async def forget_community(self, key: str) -> bool:
        """Erase everything personal a community holds (an operator's action, say when a
        workspace leaves): every member as by forget-me, and the community's name and
        settings; only anonymous counts remain. False if there is no such community.

        Rows stay rather than being deleted, so their ids, which scheduled work is
        claimed by, are never given to new rows (SQLite reuses the highest)."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(key)
            if community is None or community.id is None:
                return False
            for member in await uow.members.list(community.id):
                if member.forgotten_at is None:
                    # Their posts are left: the bot may no longer be there to remove them.
                    await services.erase_member(uow, community, member, now)
            community.forget()
            await uow.commit()
        log.info("erased the data of community %s", key)
        return True

    async def _enter(
        self, uow: UnitOfWork, actor: c.Actor, now: datetime
    ) -> tuple[Community, Member]:
        community = await uow.communities.get_by_key(actor.community_key)
        if community is None:
            community = Community(
                key=actor.community_key, name=actor.community_name, created_at=now
            )
            await uow.communities.add(community)
        assert community.id is not None
        member = await uow.members.get_by_platform_id(community.id, actor.user_id)
        if member is None:
            member = Member(
                community_id=community.id,
                platform_user_id=actor.user_id,
                display_name=actor.display_name or actor.fallback_name or None,
                joined_at=now,
                timezone=actor.timezone,
            )
            await uow.members.add(member)
        else:
            if actor.display_name and member.display_name != actor.display_name:
                member.display_name = actor.display_name
            if actor.timezone and member.timezone != actor.timezone:
                member.timezone = actor.timezone
        return community, member

    async def _refuse(self, actor: c.Actor, error: GiveFirstError, chat: Chat) -> Handled:
        reply = render.reply(actor.user_id, error.message)
        await self._deliver(community=None, messages=[reply], chat=chat, actor=actor)
        return Handled((reply,), error=error.message)

    async def _deliver(
        self,
        *,
        community: Community | None,
        messages: Sequence[Message],
        chat: Chat,
        actor: c.Actor | None,
    ) -> set[str]:
        """Send, post or revise each message; returns the members a DM reached."""
        default_channel = (community.channel_id if community else None) or (
            actor.channel_id if actor else None
        )
        reached: set[str] = set()
        for msg in messages:
            dm_to = set(msg.to.user_ids) if isinstance(msg.to, DirectMessage) else set()
            try:
                match msg.to:
                    case UpdatePosts(subject) | DeletePosts(subject):
                        await self._revise(community, subject, msg, chat)
                    case _:
                        ref = await chat.send(msg, default_channel=default_channel)
                        if ref is not None and msg.subject is not None and community is not None:
                            # Recorded at once, so a reaction moments later finds its subject.
                            await self._remember_post(community, msg.subject, ref)
            except DeliveryFailed as failure:
                await self._undeliverable(community, msg, failure, chat, actor)
                # Only some of a DM's members may have been out of reach.
                reached |= dm_to - set(failure.users) if failure.users else set()
            else:
                reached |= dm_to
        return reached

    async def _remember_post(self, community: Community, subject: Subject, ref: PostRef) -> None:
        async with self._uow() as uow:
            await uow.posts.add(
                Post(
                    community_id=community.id or 0,
                    kind=subject.kind,
                    subject_id=subject.id,
                    channel_id=ref.channel_id,
                    message_id=ref.message_id,
                    created_at=self._clock.now(),
                )
            )
            await uow.commit()

    async def _revise(
        self, community: Community | None, subject: Subject, msg: Message, chat: Chat
    ) -> None:
        if community is None or community.id is None:
            return
        async with self._uow() as uow:
            posts = await uow.posts.for_subject(community.id, subject)
            for post in posts:
                ref = _ref(post)
                if isinstance(msg.to, DeletePosts):
                    await chat.delete(ref)
                    await uow.posts.delete(post)
                else:
                    await chat.update(ref, msg)
            await uow.commit()

    async def _undeliverable(
        self,
        community: Community | None,
        msg: Message,
        failure: DeliveryFailed,
        chat: Chat,
        actor: c.Actor | None,
    ) -> None:
        log.warning("could not deliver to %s: %s", msg.to, failure)
        if failure.problem is DeliveryProblem.DM_CLOSED and isinstance(msg.to, DirectMessage):
            await self._mark_dm_closed(community, failure.users or msg.to.user_ids)
        if actor is None or isinstance(msg.to, Ephemeral):
            return
        note = _explain(failure, msg, actor)
        try:
            await chat.send(note, default_channel=None)
        except DeliveryFailed:
            log.warning("could not tell %s about an undeliverable message", actor.user_id)

    async def _mark_dm_open(self, community: Community, user_id: str) -> None:
        """A direct message reached a member set aside for closed DMs: they are back."""
        assert community.id is not None
        async with self._uow() as uow:
            member = await uow.members.get_by_platform_id(community.id, user_id)
            if member is not None:
                member.dm_closed = False
            await uow.commit()

    async def _mark_dm_closed(self, community: Community | None, user_ids: Sequence[str]) -> None:
        if community is None or community.id is None:
            return
        async with self._uow() as uow:
            for user_id in user_ids:
                member = await uow.members.get_by_platform_id(community.id, user_id)
                if member is not None:
                    member.dm_closed = True
            await uow.commit()


def _ref(post: Post) -> PostRef:
    return PostRef(post.channel_id, post.message_id)


def _explain(failure: DeliveryFailed, msg: Message, actor: c.Actor) -> Message:
    """An ephemeral note to the member who acted, saying what didn't arrive and what to do."""
    to = Ephemeral(actor.user_id)
    match failure.problem:
        case DeliveryProblem.DM_CLOSED if isinstance(msg.to, DirectMessage):
            unreachable = failure.users or msg.to.user_ids
            if actor.user_id in unreachable:
                intro = "I couldn't send you a direct message (your DMs are closed), so here it is:"
                check = Button("I've opened my DMs", c.ACTION_CHECK_DMS, "")
                return message(to, Paragraph(text(intro)), *msg.blocks, Buttons((check,)))
            names = [part for user in unreachable for part in (Mention(user), " ")]
            return render.say(
                to,
                "I couldn't send a direct message to ",
                *names,
                "— their DMs are closed. You could mention them in a channel instead.",
            )
        case DeliveryProblem.NOT_IN_CHANNEL | DeliveryProblem.CHANNEL_NOT_FOUND if isinstance(
            msg.to, ChannelPost
        ):
            return render.say(
                to,
                "I couldn't post in the community channel — I'm not a member of it or can't "
                "see it. Add me to the channel (on Slack: `/invite @givefirst`), or ask an "
                "admin to set another one with `/givefirst config channel #channel`.",
            )
        case DeliveryProblem.MISSING_PERMISSION:
            return render.say(
                to,
                "I'm missing a permission to do that. An admin can reinstall or re-invite "
                "me with the permissions listed in the README.",
            )
    return message(
        to,
        Paragraph(
            text("I couldn't deliver one of my messages. Your action was saved all the same.")
        ),
    )
