"""Scheduled work — digests, follow-ups, reminders, expiry — done exactly once
by whichever of several processes gets to it first.

Every tick has two halves. *Planning* decides what is due and, in the same
transaction that records the decision (a claim keyed by community and week, an
introduction marked expired), writes the resulting messages to the outbox.
*Delivery* leases due outbox rows, sends them through the platform and marks
them sent. A process that dies between the two leaves its lease to run out, and
another process sends the message. The one window left: a process killed after
the platform accepted a message but before it recorded that, which sends that
one message again when the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import services
from bot.domain import Community, OutboxMessage, OutboxStatus, Post
from bot.message_json import MessageFormatError, from_json, to_json
from bot.messages import ChannelPost, DeletePosts, DirectMessage, Message, UpdatePosts
from bot.ports import Chat, Clock, DeliveryFailed, DeliveryProblem, PostRef, UnitOfWork
from bot.schedule import DigestPeriod, digest_period, outbox_key

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]
ChatFor = Callable[[Community], Chat]
Sleep = Callable[[float], Awaitable[None]]

MAX_RETRY_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class Delivered:
    """What one delivery round did."""

    sent: int = 0
    held: int = 0
    failed: int = 0

    def __add__(self, other: Delivered) -> Delivered:
        return Delivered(self.sent + other.sent, self.held + other.held, self.failed + other.failed)


class Scheduler:
    """Plans due work into the outbox and delivers the outbox, paced per destination.

    ``min_interval`` is the least time between two messages to the same channel
    or member (Slack allows about one a second per channel); ``lease`` is how
    long a sender may hold a message before others may take it over, so it
    must comfortably exceed ``batch_size × min_interval``. With ``platform``
    (``"slack"``, ``"discord"``) only messages for that platform's communities are
    delivered, so processes serving different platforms can share one database;
    with ``community`` (a community's key) only that community's. Planning covers
    every community either way.
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        min_interval: float = 1.0,
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 100,
        retry_delay: timedelta = timedelta(seconds=30),
        max_attempts: int = 12,
        relevance_every: timedelta = timedelta(hours=1),
        concurrency: int = 8,
        platform: str | None = None,
        community: str | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if lease.total_seconds() <= batch_size * min_interval:
            raise ValueError("the lease must outlast sending a whole batch to one destination")
        self._uow = unit_of_work
        self._clock = clock
        self._min_interval = min_interval
        self._lease = lease
        self._batch_size = batch_size
        self._retry_delay = retry_delay
        self._max_attempts = max_attempts
        self._relevance_every = relevance_every
        self._concurrency = concurrency
        self._key_prefix = f"{platform}:" if platform else ""
        self._community = community
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_sent: dict[str, float] = {}
        self._last_relevance_check: datetime | None = None
        self._told_no_channel: set[str] = set()

    # --- a tick -----------------------------------------------------------------------------

    async def tick(self, chat_for: ChatFor) -> Delivered:
        """Plan everything that is due, then deliver everything waiting."""
        await self.plan()
        return await self.deliver(chat_for)

    async def tick_each_platform(self, chats: Mapping[str, ChatFor]) -> Delivered:
        """Plan everything that is due once, then deliver each platform's messages
        through its own chat (``{"slack": …, "discord": …}``), the platforms side by
        side; one platform's trouble leaves the others' delivery going."""
        await self.plan()
        results = await asyncio.gather(
            *(self._deliver(chat_for, f"{platform}:") for platform, chat_for in chats.items()),
            return_exceptions=True,
        )
        total = Delivered()
        for platform, result in zip(chats, results, strict=True):
            if isinstance(result, Delivered):
                total += result
            else:
                log.error(
                    "delivering to %s failed; trying again next tick", platform, exc_info=result
                )
        return total

    async def plan(self) -> int:
        """Write the messages of all due work to the outbox; returns how many."""
        now = self._clock.now()
        planned = 0
        for step in (self.plan_introductions, self.plan_relevance_checks, self.plan_digests):
            try:
                planned += await step(now)
            except Exception:
                log.exception("planning %s failed; it will be tried again", step.__name__)
        return planned

    # --- planning ---------------------------------------------------------------------------

    async def plan_introductions(self, now: datetime) -> int:
        """Expire unanswered requests, remind awaited members, ask how it went."""
        async with self._uow() as uow:
            work = [
                *await services.expire_introductions(uow, now),
                *await services.remind_introductions(uow, now),
                *await services.send_follow_ups(uow, now),
            ]
            planned = await _enqueue(uow, work, now)
            await uow.commit()
        return planned

    async def plan_relevance_checks(self, now: datetime) -> int:
        """Ask about old asks and offers and close unanswered ones (hourly per process)."""
        last = self._last_relevance_check
        if last is not None and now - last < self._relevance_every:
            return 0
        async with self._uow() as uow:
            communities = await uow.communities.list()
        planned = 0
        for community in communities:
            async with self._uow() as uow:
                work = await services.check_relevance(uow, community, now)
                planned += await _enqueue(uow, work, now)
                await uow.commit()
        self._last_relevance_check = now
        return planned

    async def plan_digests(self, now: datetime) -> int:
        """Claim and compose each community's digest whose slot has passed."""
        async with self._uow() as uow:
            communities = await uow.communities.list()
            due = {p.key: (c, p) for c in communities if (p := digest_period(c, now)) is not None}
            done = await uow.claims.claimed(list(due)) if due else set()
        planned = 0
        for key, (community, period) in due.items():
            if key in done:
                continue
            if not community.channel_id:
                if key not in self._told_no_channel:
                    self._told_no_channel.add(key)
                    log.info(
                        "no digest for %s: no channel is set (it will post once one is)",
                        community.key,
                    )
                continue
            planned += await self.claim_digest(community, period, now)
        return planned

    async def claim_digest(
        self,
        community: Community,
        period: DigestPeriod,
        now: datetime,
        *,
        even_if_quiet: bool = False,
    ) -> int:
        """Claim one digest week and queue its post, in one transaction; returns 1 if
        queued, 0 if the week was claimed before (or was quiet and is skipped)."""
        async with self._uow() as uow:
            if not await uow.claims.claim(period.key, now):
                return 0
            digest = await services.digest_for(uow, community, period.since, period.slot)
            if digest.is_quiet and community.skip_quiet_weeks and not even_if_quiet:
                await uow.commit()
                log.info("quiet week in %s: no digest for %s", community.key, period.slot)
                return 0
            post = dataclasses.replace(digest.message, to=ChannelPost(community.channel_id))
            work = [services.Scheduled(period.key, period.community_id, [post])]
            planned = await _enqueue(uow, work, now)
            await uow.commit()
        return planned

    async def claim_current_digest(self, community_key: str, *, even_if_quiet: bool) -> str:
        """Queue the digest of the current week now (for ``givefirst digest``); the same
        claim as the scheduler's, so it never posts twice. Returns what happened."""
        now = self._clock.now()
        async with self._uow() as uow:
            community = await uow.communities.get_by_key(community_key)
        if community is None:
            return f"There is no community {community_key!r} in this database."
        if not community.channel_id:
            return "No digest channel is set; an admin can set one with /givefirst config channel."
        period = digest_period(community, now)
        if period is None:
            return "This community is younger than a week; its first digest is still to come."
        if not await self.claim_digest(community, period, now, even_if_quiet=even_if_quiet):
            return f"The digest for the week up to {period.slot:%Y-%m-%d %H:%M} UTC is already out."
        return "queued"

    # --- delivery ---------------------------------------------------------------------------

    async def deliver(self, chat_for: ChatFor) -> Delivered:
        """Send every due outbox message, a leased batch at a time."""
        return await self._deliver(chat_for, self._key_prefix, self._community)

    async def _deliver(
        self, chat_for: ChatFor, key_prefix: str, community_key: str | None = None
    ) -> Delivered:
        total = Delivered()
        while True:
            now = self._clock.now()
            async with self._uow() as uow:
                batch = await uow.outbox.claim_due(
                    now,
                    now + self._lease,
                    self._batch_size,
                    key_prefix=key_prefix,
                    community_key=community_key,
                )
                communities = {
                    cid: community
                    for cid in {e.community_id for e in batch}
                    if (community := await uow.communities.get(cid)) is not None
                }
                await uow.commit()
            if not batch:
                return total
            total += await self._send_batch(batch, communities, chat_for)
            if len(batch) < self._batch_size:
                return total

    async def _send_batch(
        self,
        batch: Sequence[OutboxMessage],
        communities: dict[int, Community],
        chat_for: ChatFor,
    ) -> Delivered:
        lanes: dict[str, list[tuple[OutboxMessage, Message | None]]] = {}
        for entry in batch:
            try:
                msg: Message | None = from_json(entry.payload)
            except MessageFormatError:
                msg = None
            lanes.setdefault(_destination(entry, msg), []).append((entry, msg))
        gate = asyncio.Semaphore(self._concurrency)

        async def lane(
            destination: str, entries: list[tuple[OutboxMessage, Message | None]]
        ) -> Delivered:
            done = Delivered()
            async with gate:
                for entry, msg in entries:
                    community = communities.get(entry.community_id)
                    if msg is None or community is None:
                        await self._fail(entry, "unreadable message or community gone")
                        done += Delivered(failed=1)
                        continue
                    await self._pace(destination)
                    done += await self._send(entry, msg, community, chat_for(community))
                    self._last_sent[destination] = self._monotonic()
            return done

        results = await asyncio.gather(*(lane(d, e) for d, e in lanes.items()))
        return sum(results, Delivered())

    async def _pace(self, destination: str) -> None:
        last = self._last_sent.get(destination)
        if last is None or self._min_interval <= 0:
            return
        wait = last + self._min_interval - self._monotonic()
        if wait > 0:
            await self._sleep(wait)

    async def _send(
        self, entry: OutboxMessage, msg: Message, community: Community, chat: Chat
    ) -> Delivered:
        ref: PostRef | None = None
        try:
            if isinstance(msg.to, UpdatePosts | DeletePosts):
                await self._revise(community, msg, chat)
            else:
                ref = await chat.send(msg, default_channel=community.channel_id)
        except DeliveryFailed as failure:
            if failure.problem.is_transient:
                await self._hold(entry, str(failure), failure.retry_after)
                return Delivered(held=1)
            log.warning("could not deliver %s to %s: %s", entry.key, msg.to, failure)
            await self._fail(entry, str(failure), dm_closed=_dm_closed(failure, msg))
            return Delivered(failed=1)
        except Exception as error:
            # Network trouble and platform outages look like this: try again later.
            log.warning("delivering %s failed, will retry: %r", entry.key, error)
            await self._hold(entry, repr(error), None)
            return Delivered(held=1)
        await self._sent(entry, msg, community, ref)
        return Delivered(sent=1)

    async def _revise(self, community: Community, msg: Message, chat: Chat) -> None:
        if msg.subject is None or community.id is None:
            return
        async with self._uow() as uow:
            for post in await uow.posts.for_subject(community.id, msg.subject):
                ref = PostRef(post.channel_id, post.message_id)
                if isinstance(msg.to, DeletePosts):
                    await chat.delete(ref)
                    await uow.posts.delete(post)
                else:
                    await chat.update(ref, msg)
            await uow.commit()

    async def _sent(
        self, entry: OutboxMessage, msg: Message, community: Community, ref: PostRef | None
    ) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.status = OutboxStatus.SENT
                stored.sent_at = now
                stored.payload = ""  # delivered: members' words are not kept here
            if isinstance(msg.to, DirectMessage) and community.id is not None:
                for user_id in msg.to.user_ids:  # it arrived, so their DMs are open
                    member = await uow.members.get_by_platform_id(community.id, user_id)
                    if member is not None and member.dm_closed:
                        member.dm_closed = False
            if ref is not None and msg.subject is not None and community.id is not None:
                await uow.posts.add(
                    Post(
                        community_id=community.id,
                        kind=msg.subject.kind,
                        subject_id=msg.subject.id,
                        channel_id=ref.channel_id,
                        message_id=ref.message_id,
                        created_at=now,
                    )
                )
            await uow.commit()

    async def _hold(self, entry: OutboxMessage, error: str, retry_after: float | None) -> None:
        """Leave the message pending, out of reach until a later attempt."""
        now = self._clock.now()
        backoff = min(self._retry_delay * 2 ** max(entry.attempts - 1, 0), MAX_RETRY_DELAY)
        delay = max(backoff, timedelta(seconds=retry_after or 0))
        async with self._uow() as uow:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.last_error = error[:500]
                if stored.attempts >= self._max_attempts:
                    log.error("giving up on %s after %d attempts", entry.key, stored.attempts)
                    stored.status = OutboxStatus.FAILED
                    stored.payload = ""  # never sent: members' words are not kept either
                else:
                    stored.claimed_until = now + delay
            await uow.commit()

    async def _fail(self, entry: OutboxMessage, error: str, dm_closed: Sequence[str] = ()) -> None:
        async with self._uow() as uow:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.status = OutboxStatus.FAILED
                stored.last_error = error[:500]
                stored.payload = ""  # never sent: members' words are not kept either
            for user_id in dm_closed:
                member = await uow.members.get_by_platform_id(entry.community_id, user_id)
                if member is not None:
                    member.dm_closed = True
            await uow.commit()


async def _enqueue(uow: UnitOfWork, work: Sequence[services.Scheduled], now: datetime) -> int:
    """Write each piece of work's messages to the outbox, keyed by its claim."""
    count = 0
    for item in work:
        for n, msg in enumerate(item.messages):
            await uow.outbox.add(
                OutboxMessage(
                    key=outbox_key(item.key, n),
                    community_id=item.community_id,
                    payload=to_json(msg),
                    created_at=now,
                    claimed_until=now,
                )
            )
            count += 1
    return count


def _destination(entry: OutboxMessage, msg: Message | None) -> str:
    """Where a message lands, for pacing: one lane per channel or conversation."""
    match msg.to if msg is not None else None:
        case ChannelPost(channel):
            return f"{entry.community_id}:channel:{channel or ''}"
        case DirectMessage(users):
            return f"{entry.community_id}:dm:{','.join(sorted(users))}"
        case UpdatePosts(subject) | DeletePosts(subject):
            return f"{entry.community_id}:posts:{subject.kind}:{subject.id}"
    return f"{entry.community_id}:other"


def _dm_closed(failure: DeliveryFailed, msg: Message) -> Sequence[str]:
    if failure.problem is DeliveryProblem.DM_CLOSED and isinstance(msg.to, DirectMessage):
        return msg.to.user_ids
    return ()


async def run_scheduler(
    tick: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    every: float = 30.0,
) -> None:
    """Run ``tick`` (e.g. a scheduler's ``tick`` with its chat) every ``every`` seconds
    until ``stop`` is set; each process serving a platform may run one, and they share
    the work through the database."""
    while not stop.is_set():
        try:
            await tick()
        except Exception:
            log.exception("scheduled work failed; trying again in %s s", every)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
