"""One way out for everything the bot says, live or scheduled.

A message is sent, posted, or revised (earlier posts about its subject updated or
deleted) through the adapter's :class:`Chat`; then what its arrival means is
recorded: where a channel post landed (so later reactions find their subject),
and that the members a direct message reached can be reached (their closed-DMs
mark is lifted). A direct message refused because DMs are closed marks its members
as unreachable. Commands and the scheduler both go through here.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import Community, OutboxMessage, Post, SubjectKind
from bot.message_json import to_json
from bot.messages import DeletePosts, DirectMessage, Message, UpdatePosts
from bot.metrics import Metrics, NoMetrics
from bot.ports import (
    Chat,
    Clock,
    Conflict,
    DeliveryFailed,
    DeliveryProblem,
    PostRef,
    SendOnce,
    StorageUnavailable,
    UnitOfWork,
)
from bot.schedule import Scheduled, outbox_key

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]

SETTLE_DELAYS = (0.5, 1.0, 2.0, 4.0)
"""Pauses between tries at recording a platform's answer while the database is away."""


async def settle(
    unit_of_work: UnitOfWorkFactory,
    record: Callable[[UnitOfWork], Awaitable[None]],
    *,
    delays: Sequence[float] = SETTLE_DELAYS,
) -> None:
    """Record what a platform's answer means, in a transaction of its own, trying again
    for a few seconds while the database is out of reach: the answer is in hand, and
    would be lost (a post nobody's reactions find, a message left in doubt)."""
    for delay in (*delays, None):
        try:
            async with unit_of_work() as uow:
                await record(uow)
                await uow.commit()
            return
        except StorageUnavailable:
            if delay is None:
                raise
            await asyncio.sleep(delay)


@dataclass(frozen=True)
class Arrival:
    """A message that reached the platform: where it landed if it was a post, and
    the members it reached if it was a direct message."""

    message: Message
    ref: PostRef | None = None
    reached: tuple[str, ...] = ()

    @classmethod
    def of(cls, message: Message, ref: PostRef | None = None) -> Arrival:
        to = message.to
        return cls(message, ref, to.user_ids if isinstance(to, DirectMessage) else ())

    @classmethod
    def partly(cls, message: Message, failure: DeliveryFailed) -> Arrival | None:
        """What a direct message that reached only some of its members did reach."""
        if not failure.users or not isinstance(message.to, DirectMessage):
            return None
        return cls(message, None, tuple(u for u in message.to.user_ids if u not in failure.users))


async def _all_of_them(_community: Community, user_ids: Collection[str]) -> Collection[str]:
    return user_ids


class Delivery:
    """Sends messages through a chat and records what their arrival means."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        metrics: Metrics | None = None,
        *,
        maybe_closed: Callable[[Community, Collection[str]], Awaitable[Collection[str]]]
        | None = None,
    ) -> None:
        """``maybe_closed`` tells which members a direct message reached may still be
        marked as having closed their DMs (by default, all): only they are written."""
        self._uow = unit_of_work
        self._clock = clock
        self._metrics = metrics or NoMetrics()
        self._maybe_closed = maybe_closed or _all_of_them

    async def deliver(
        self,
        messages: Sequence[Message],
        community: Community | None,
        chat: Chat,
        *,
        channel: str | None,
        explain: Callable[[DeliveryFailed, Message], Message | None],
    ) -> None:
        """Send what a command said, each message on its own, so one that fails never
        keeps the others (the member's own reply above all) from going out; record where
        each post landed at once (a reaction a moment later must find it), and that the
        members its direct messages reached can be reached once all are sent (one
        transaction for them all); and tell the member who acted, as ``explain`` words
        it, about what could not arrive."""
        reached: dict[str, None] = {}  # in the order they were reached
        for message in messages:
            try:
                arrival = await self.send(message, community, chat, channel=channel)
                self._metrics.delivery("live", "delivered")
            except DeliveryFailed as failure:
                self._metrics.delivery("live", "failed")
                log.warning("could not deliver to %s: %s", message.to, failure)
                if await self._revise_later(community, message):
                    continue
                partly = Arrival.partly(message, failure)
                reached.update(dict.fromkeys(partly.reached if partly else ()))
                for user_id in closed_to(failure, message):  # closed since it reached them
                    reached.pop(user_id, None)
                await self._refused(community, message, failure, chat, explain)
                continue
            except StorageUnavailable as error:  # revising posts reads where they are
                log.warning("could not revise the posts of %s: %s", message.subject, error)
                continue
            except Exception:
                log.exception("delivering a message to %s failed", message.to)
                await self._revise_later(community, message)
                continue
            reached.update(dict.fromkeys(arrival.reached))
            if arrival.ref is not None:
                await self._record_now(community, [Arrival(arrival.message, arrival.ref)])
        await self._reached(community, reached)

    async def _revise_later(self, community: Community | None, message: Message) -> bool:
        """A take-down of posts (a forgotten member's words, above all) that the
        platform did not make now, put in the outbox for the scheduler to make: words
        must not stay up because the platform was busy a moment. An edit is not kept:
        made later, it could undo a newer one (a solved ask shown open again). False if
        it is not a take-down, or cannot be kept."""
        if not isinstance(message.to, DeletePosts):
            return False
        if community is None or community.id is None:
            return False
        later = Scheduled(f"take-down:{uuid.uuid4().hex}", community.id, [message])

        async def keep(uow: UnitOfWork) -> None:
            await enqueue(uow, [later], self._clock.now(), self._metrics)

        try:
            await settle(self._uow, keep)
        except StorageUnavailable as error:
            log.warning("could not keep %s to try again: %s", message.to, error)
            return False
        log.info("will take down the posts of %s shortly", message.subject)
        return True

    async def _reached(self, community: Community | None, user_ids: Collection[str]) -> None:
        """Record that direct messages reached these members, if any may still be
        marked as having closed their DMs: lifting a mark nobody has is no news, and
        takes no transaction."""
        if community is None or not user_ids:
            return
        try:
            closed = await self._maybe_closed(community, user_ids)
        except StorageUnavailable:
            closed = user_ids
        if closed:
            await self._record_now(community, [], reached=closed)

    async def _record_now(
        self,
        community: Community | None,
        arrivals: Sequence[Arrival],
        *,
        reached: Collection[str] = (),
    ) -> None:
        try:
            await self.record_now(community, arrivals, reached=reached)
        except StorageUnavailable as error:
            log.warning("could not record where a message landed: %s", error)
        except Conflict:
            # Another record holds that place: two shells on one community numbered a
            # post alike. The message went out; only its record is missing.
            key = community.key if community else "?"
            log.warning("could not record where a message landed in %s: already on record", key)
        except Exception:
            log.exception("could not record where a message landed in %s", community)

    async def _refused(
        self,
        community: Community | None,
        message: Message,
        failure: DeliveryFailed,
        chat: Chat,
        explain: Callable[[DeliveryFailed, Message], Message | None],
    ) -> None:
        if community is not None and community.id is not None and closed_to(failure, message):
            community_id = community.id

            async def mark(uow: UnitOfWork) -> None:
                await self.mark_unreachable(uow, community_id, failure, message)

            try:
                await settle(self._uow, mark)
            except StorageUnavailable as error:
                log.warning("could not mark %s unreachable: %s", message.to, error)
        note = explain(failure, message)
        if note is None:
            return
        try:
            await chat.send(note, default_channel=None)
        except DeliveryFailed:
            log.warning("could not tell the member about an undeliverable message")

    async def send(
        self,
        message: Message,
        community: Community | None,
        chat: Chat,
        *,
        channel: str | None,
        once: SendOnce | None = None,
    ) -> Arrival:
        """Send or post one message (``channel`` is where a post without its own goes),
        or revise the posts about its subject; raises :class:`DeliveryFailed`.
        ``once`` is a scheduled message's identity (see :meth:`Chat.send`); revising
        is the same however often it is done."""
        if isinstance(message.to, UpdatePosts | DeletePosts):
            await self._revise(community, message, chat)
            return Arrival(message)
        return Arrival.of(message, await chat.send(message, default_channel=channel, once=once))

    async def record(
        self,
        uow: UnitOfWork,
        community: Community | None,
        arrivals: Sequence[Arrival],
        *,
        reached: Collection[str] = (),
    ) -> None:
        """In the caller's transaction: the posts that landed, and the members who
        can be reached by direct message again (those the arrivals reached, and
        ``reached``)."""
        if community is None or community.id is None:
            return
        now = self._clock.now()
        reached = set(reached)
        for arrival in arrivals:
            reached.update(arrival.reached)
            subject = arrival.message.subject
            if arrival.ref is not None and subject is not None:
                post = Post(
                    community_id=community.id,
                    kind=subject.kind,
                    subject_id=subject.id,
                    channel_id=arrival.ref.channel_id,
                    message_id=arrival.ref.message_id,
                    created_at=now,
                )
                # A digest quotes many members: forget-me looks for those it names.
                digest = subject.kind is SubjectKind.DIGEST
                await uow.posts.add(post, arrival.message.names() if digest else ())
        if reached:
            await uow.members.set_direct_messages_closed(community.id, reached, closed=False)

    async def record_now(
        self,
        community: Community | None,
        arrivals: Sequence[Arrival],
        *,
        reached: Collection[str] = (),
    ) -> None:
        """:meth:`record` in a transaction of its own (see :func:`settle`)."""
        if community is None or not (arrivals or reached):
            return

        async def record(uow: UnitOfWork) -> None:
            await self.record(uow, community, arrivals, reached=reached)

        await settle(self._uow, record)

    async def mark_unreachable(
        self, uow: UnitOfWork, community_id: int, failure: DeliveryFailed, message: Message
    ) -> Collection[str]:
        """In the caller's transaction: the members a refused direct message could not
        reach because their DMs are closed; returns them."""
        unreachable = closed_to(failure, message)
        if unreachable:
            await uow.members.set_direct_messages_closed(community_id, unreachable, closed=True)
            self._metrics.direct_messages_closed(len(unreachable))
        return unreachable

    async def _revise(self, community: Community | None, message: Message, chat: Chat) -> None:
        """Update or delete the subject's posts; no transaction is held open while the
        platform is asked, so a slow platform keeps no database connection busy."""
        if community is None or community.id is None or message.subject is None:
            return
        async with self._uow() as uow:
            posts = await uow.posts.for_subject(community.id, message.subject)
        removed = []
        for post in posts:
            ref = PostRef(post.channel_id, post.message_id)
            if isinstance(message.to, DeletePosts):
                await chat.delete(ref)
                removed.append(post)
            else:
                await chat.update(ref, message)
        if removed:
            async with self._uow() as uow:
                for post in removed:
                    await uow.posts.delete(post)
                await uow.commit()


def closed_to(failure: DeliveryFailed, message: Message) -> tuple[str, ...]:
    """The members a direct message did not reach because their DMs are closed."""
    if failure.problem is DeliveryProblem.DM_CLOSED and isinstance(message.to, DirectMessage):
        return failure.users or message.to.user_ids
    return ()


async def enqueue(
    uow: UnitOfWork, work: Sequence[Scheduled], now: datetime, metrics: Metrics
) -> int:
    """Write each piece of work's messages to the outbox, keyed by its claim, for the
    scheduler to send."""
    count = 0
    for item in work:
        metrics.claimed(item.key.partition(":")[0])
        for n, msg in enumerate(item.messages):
            await uow.outbox.add(
                OutboxMessage(
                    key=outbox_key(item.key, n),
                    community_id=item.community_id,
                    payload=to_json(msg),
                    created_at=now,
                    claimed_until=now,
                ),
                names=msg.names(),
            )
            count += 1
    return count
