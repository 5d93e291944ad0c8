"""Sending the outbox: scheduled messages, delivered by whichever process leases
them first (see :mod:`bot.leases`), paced per destination, retried while the
platform is busy or down.

A message whose sender died (or lost the platform's answer) mid-send may have
arrived: the next sender says so to the chat (:class:`~bot.ports.SendOnce` ``retry``),
which keeps it from arriving twice where the platform allows that (see
:meth:`bot.ports.Chat.send`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.delivery import Arrival, Delivery, settle
from bot.domain import Community, OutboxMessage, OutboxStatus
from bot.leases import LEASE, Leases, Round
from bot.message_json import MessageFormatError, from_json
from bot.messages import ChannelPost, DeletePosts, DirectMessage, Message, UpdatePosts
from bot.metrics import Metrics, NoMetrics
from bot.ports import Chat, Clock, DeliveryFailed, SendOnce, StorageUnavailable, UnitOfWork

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]
ChatFor = Callable[[Community], Chat]
Sleep = Callable[[float], Awaitable[None]]

__all__ = ["BATCH_SIZE", "LEASE", "ChatFor", "Delivered", "OutboxSender", "Sleep"]

BATCH_SIZE = 16
"""Messages leased at a time: what a sender that dies leaves waiting for its lease."""
MAX_RETRY_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class Delivered:
    """What one delivery round did. ``in_doubt`` counts the messages sent again after
    an interrupted attempt (the platform was asked not to repeat them, where it can)."""

    sent: int = 0
    held: int = 0
    failed: int = 0
    in_doubt: int = 0

    def __add__(self, other: Delivered) -> Delivered:
        return Delivered(
            self.sent + other.sent,
            self.held + other.held,
            self.failed + other.failed,
            self.in_doubt + other.in_doubt,
        )


class OutboxSender:
    """Leases due outbox messages, sends them and records how it went.

    ``min_interval`` is the least time between two messages to the same channel or
    member (Slack allows about one a second per channel); ``lease`` is how long a
    sender may hold a message without renewing it (every ``renew_every`` seconds,
    a quarter of the lease by default, while it works).
    """

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        min_interval: float = 1.0,
        lease: timedelta = LEASE,
        renew_every: float | None = None,
        batch_size: int = BATCH_SIZE,
        retry_delay: timedelta = timedelta(seconds=30),
        max_attempts: int = 12,
        concurrency: int = 8,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._metrics = metrics or NoMetrics()
        self._delivery = Delivery(unit_of_work, clock, self._metrics)
        self._leases = Leases(
            unit_of_work, clock, lease=lease, renew_every=renew_every, monotonic=monotonic
        )
        self._min_interval = min_interval
        self._batch_size = batch_size
        self._retry_delay = retry_delay
        self._max_attempts = max_attempts
        self._concurrency = concurrency
        self._sleep = sleep
        self._monotonic = monotonic
        self._last_sent: dict[str, float] = {}

    @property
    def stopping(self) -> bool:
        return self._leases.stopping

    async def deliver(
        self, chat_for: ChatFor, *, key_prefix: str = "", community_key: str | None = None
    ) -> Delivered:
        """Send every due message (only those of communities whose key starts with
        ``key_prefix``, or only ``community_key``'s), a leased batch at a time, until
        none is left or the sender is stopped."""
        total = Delivered()
        async with self._leases.round() as held:
            while not self._leases.stopping:
                batch, communities = await self._leases.lease(
                    held, self._batch_size, key_prefix=key_prefix, community_key=community_key
                )
                if not batch:
                    break
                total += await self._send_batch(held, batch, communities, chat_for)
                if len(batch) < self._batch_size:
                    break
        return total

    async def stop(self) -> None:
        """Start no more sends and hand what is not started to other senders at once;
        a :meth:`deliver` in progress returns once its sends in flight are done."""
        await self._leases.stop()

    async def _send_batch(
        self,
        held: Round,
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
                        held.settled(entry)
                        await self._fail(entry, "unreadable message or community gone")
                        done += Delivered(failed=1)
                        continue
                    await self._pace(destination)
                    if not self._leases.may_send(held, entry):
                        continue  # handed on (stopping), or its lease is in doubt
                    done += await self._send(held, entry, msg, community, chat_for(community))
                    self._last_sent[destination] = self._monotonic()
            return done

        # Every lane finishes what it started, even when another one fails.
        results = await asyncio.gather(
            *(lane(d, e) for d, e in lanes.items()), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum((r for r in results if isinstance(r, Delivered)), Delivered())

    async def _pace(self, destination: str) -> None:
        last = self._last_sent.get(destination)
        if last is None or self._min_interval <= 0:
            return
        wait = last + self._min_interval - self._monotonic()
        if wait > 0:
            await self._sleep(wait)

    async def _send(
        self, held: Round, entry: OutboxMessage, msg: Message, community: Community, chat: Chat
    ) -> Delivered:
        once = SendOnce(entry.key, entry.created_at, retry=entry.maybe_delivered)
        self._leases.sending(held, entry)
        try:
            arrival = await self._delivery.send(
                msg, community, chat, channel=community.channel_id, once=once
            )
        except DeliveryFailed as failure:
            # The platform answered: it did not take the message.
            held.settled(entry)
            if failure.problem.is_transient:
                await self._hold(entry, str(failure), failure.retry_after, in_doubt=False)
                return Delivered(held=1)
            log.warning("could not deliver %s to %s: %s", entry.key, msg.to, failure)
            await self._fail(entry, str(failure), (failure, msg))
            return Delivered(failed=1)
        except Exception as error:
            # Network trouble and platform outages look like this: try again later,
            # telling the next attempt that the platform may have the message already.
            log.warning("delivering %s failed, will retry: %r", entry.key, error)
            held.settled(entry)
            await self._hold(entry, repr(error), None, in_doubt=True)
            return Delivered(held=1)
        await self._sent(entry, community, arrival)
        held.settled(entry)
        self._metrics.delivery("scheduled", "delivered")
        return Delivered(sent=1, in_doubt=int(once.retry))

    async def _settle(
        self, entry: OutboxMessage, record: Callable[[UnitOfWork], Awaitable[None]]
    ) -> None:
        """Record how a send went (see :func:`bot.delivery.settle`); a message whose
        outcome cannot be recorded stays leased, and goes on in doubt."""
        try:
            await settle(self._uow, record)
        except StorageUnavailable:
            log.warning("could not record how sending %s went", entry.key)
            raise

    async def _sent(self, entry: OutboxMessage, community: Community, arrival: Arrival) -> None:
        async def record(uow: UnitOfWork) -> None:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.status = OutboxStatus.SENT
                stored.sent_at = self._clock.now()
                stored.payload = ""  # delivered: members' words are not kept here
            await self._delivery.record(uow, community, [arrival])

        await self._settle(entry, record)

    async def _hold(
        self, entry: OutboxMessage, error: str, retry_after: float | None, *, in_doubt: bool
    ) -> None:
        """Leave the message pending, out of reach until a later attempt; unless
        ``in_doubt``, let go of it, so the next attempt knows it did not arrive."""
        backoff = min(self._retry_delay * 2 ** max(entry.attempts - 1, 0), MAX_RETRY_DELAY)
        delay = max(backoff, timedelta(seconds=retry_after or 0))

        async def record(uow: UnitOfWork) -> None:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is None:
                return
            stored.last_error = error[:500]
            if stored.attempts >= self._max_attempts:
                log.error("giving up on %s after %d attempts", entry.key, stored.attempts)
                stored.status = OutboxStatus.FAILED
                stored.payload = ""  # never sent: members' words are not kept either
                self._metrics.delivery("scheduled", "failed")
            else:
                stored.claimed_until = self._clock.now() + delay
                self._metrics.delivery("scheduled", "retried")
                if not in_doubt:
                    stored.claimed_by = None

        await self._settle(entry, record)

    async def _fail(
        self,
        entry: OutboxMessage,
        error: str,
        refused: tuple[DeliveryFailed, Message] | None = None,
    ) -> None:
        self._metrics.delivery("scheduled", "failed")

        async def record(uow: UnitOfWork) -> None:
            stored = await uow.outbox.get(entry.id or 0)
            if stored is not None:
                stored.status = OutboxStatus.FAILED
                stored.last_error = error[:500]
                stored.payload = ""  # never sent: members' words are not kept either
            if refused is not None:
                await self._delivery.mark_unreachable(uow, entry.community_id, *refused)

        await self._settle(entry, record)


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


@dataclass
class Tally:
    """What the scheduler sent, said in the log once an hour, so a quiet scheduler is
    seen to be alive."""

    every: float = 3600.0
    delivered: Delivered = field(default_factory=Delivered)
    since: float = field(default_factory=time.monotonic)

    async def counted(self, work: Callable[[], Awaitable[Delivered]]) -> Delivered:
        done = await work()
        self.delivered += done
        if time.monotonic() - self.since >= self.every:
            d = self.delivered
            logging.getLogger("bot.scheduler").info(
                "the scheduler is running; in the last hour: %d messages sent, %d to retry, "
                "%d failed",
                d.sent,
                d.held,
                d.failed,
            )
            self.delivered, self.since = Delivered(), time.monotonic()
        return done
