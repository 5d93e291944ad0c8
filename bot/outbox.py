"""Sending the outbox: scheduled messages, delivered by whichever process leases
them first, paced per destination, retried while the platform is busy or down.

A process that dies while sending leaves its lease to run out, and another process
sends the message. The one window left: a process killed after the platform accepted
a message but before it recorded that, which sends that one message again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.delivery import Arrival, Delivery
from bot.domain import Community, OutboxMessage, OutboxStatus
from bot.message_json import MessageFormatError, from_json
from bot.messages import ChannelPost, DeletePosts, DirectMessage, Message, UpdatePosts
from bot.metrics import Metrics, NoMetrics
from bot.ports import Chat, Clock, DeliveryFailed, UnitOfWork

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


class OutboxSender:
    """Leases due outbox messages, sends them and records how it went.

    ``min_interval`` is the least time between two messages to the same channel
    or member (Slack allows about one a second per channel); ``lease`` is how
    long a sender may hold a message before others may take it over, so it
    must comfortably exceed ``batch_size × min_interval``.
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
        concurrency: int = 8,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        if lease.total_seconds() <= batch_size * min_interval:
            raise ValueError("the lease must outlast sending a whole batch to one destination")
        self._uow = unit_of_work
        self._clock = clock
        self._metrics = metrics or NoMetrics()
        self._delivery = Delivery(unit_of_work, clock, self._metrics)
        self._min_interval = min_interval
        self._lease = lease
        self._batch_size = batch_size
        self._retry_delay = retry_delay
        self._max_attempts = max_attempts
        self._concurrency = concurrency
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_sent: dict[str, float] = {}

    async def deliver(
        self, chat_for: ChatFor, *, key_prefix: str = "", community_key: str | None = None
    ) -> Delivered:
        """Send every due message (only those of communities whose key starts with
        ``key_prefix``, or only ``community_key``'s), a leased batch at a time."""
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
        try:
            arrival = await self._delivery.send(msg, community, chat, channel=community.channel_id)
        except DeliveryFailed as failure:
            if failure.problem.is_transient:
                await self._hold(entry, str(failure), failure.retry_after)
                return Delivered(held=1)
            log.warning("could not deliver %s to %s: %s", entry.key, msg.to, failure)
            await self._fail(entry, str(failure), (failure, msg))
            return Delivered(failed=1)
        except Exception as error:
            # Network trouble and platform outages look like this: try again later.
            log.warning("delivering %s failed, will retry: %r", entry.key, error)
            await self._hold(entry, repr(error), None)
            return Delivered(held=1)
        await self._sent(entry, community, arrival)
        self._metrics.delivery("scheduled", "delivered")
        return Delivered(sent=1)

    async def _sent(self, entry: OutboxMessage, community: Community, arrival: Arrival) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.status = OutboxStatus.SENT
                stored.sent_at = now
                stored.payload = ""  # delivered: members' words are not kept here
            await self._delivery.record(uow, community, [arrival])
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
                    self._metrics.delivery("scheduled", "failed")
                else:
                    stored.claimed_until = now + delay
                    self._metrics.delivery("scheduled", "retried")
            await uow.commit()

    async def _fail(
        self,
        entry: OutboxMessage,
        error: str,
        refused: tuple[DeliveryFailed, Message] | None = None,
    ) -> None:
        self._metrics.delivery("scheduled", "failed")
        async with self._uow() as uow:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.status = OutboxStatus.FAILED
                stored.last_error = error[:500]
                stored.payload = ""  # never sent: members' words are not kept either
            if refused is not None:
                await self._delivery.mark_unreachable(uow, entry.community_id, *refused)
            await uow.commit()


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
