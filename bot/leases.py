"""Who is sending which scheduled message: short leases on outbox messages, renewed
while a sender works, handed on at once when it stops.

A sender leases a few messages at a time for :data:`LEASE` and renews the lease every
quarter of it while it holds any, so the messages of a sender that dies move on to
another within seconds rather than minutes. A sender asked to stop starts nothing new
and hands what it has not started to the others at once; the sends in flight finish.
One interrupted mid-send (cut short, or its platform's answer lost) is handed on
*in doubt*: the next sender is told it may have arrived already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bot.domain import Community, OutboxMessage
from bot.ports import Clock, UnitOfWork

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]

LEASE = timedelta(seconds=15)
"""How long a sender holds a message without renewing it: a dead sender's messages
wait this long (then up to one delivery round, a few seconds) for another sender."""
LET_GO_SECONDS = 5.0
"""How long a sender tries to hand its leases on before leaving them to run out."""


@dataclass(eq=False)
class Round:
    """What one delivery round holds: messages leased and not yet settled, those handed
    to the platform whose answer is not recorded yet, and (on the monotonic clock) when
    the lease last renewed runs out."""

    lease_end: float
    entries: dict[int, OutboxMessage] = field(default_factory=dict)
    sending: set[int] = field(default_factory=set)

    def settled(self, entry: OutboxMessage) -> None:
        """The platform answered and the answer is recorded (or will not be sent)."""
        self.sending.discard(entry.id or 0)
        self.entries.pop(entry.id or 0, None)


class Leases:
    """The leases of one sender (one per process), across its delivery rounds."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        lease: timedelta = LEASE,
        renew_every: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._renew_every = lease.total_seconds() / 4 if renew_every is None else renew_every
        if not 0 < self._renew_every < lease.total_seconds():
            raise ValueError("a lease must be renewed before it runs out")
        self._uow = unit_of_work
        self._clock = clock
        self._lease = lease
        self._monotonic = monotonic
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        """How this sender's leases are marked in the outbox."""
        self._rounds: set[Round] = set()
        self.stopping = False

    @contextlib.asynccontextmanager
    async def round(self) -> AsyncIterator[Round]:
        """A delivery round: its leases are renewed while it runs and handed on when it
        ends (a process being killed lets them run out instead)."""
        held = Round(lease_end=self._monotonic())
        self._rounds.add(held)
        renewing = asyncio.create_task(self._keep(held))
        try:
            yield held
        except (Exception, asyncio.CancelledError):
            await self._end(held, renewing)
            raise
        except BaseException:
            renewing.cancel()  # the process is going down: the leases run out
            self._rounds.discard(held)
            raise
        await self._end(held, renewing)

    async def lease(
        self,
        held: Round,
        limit: int,
        *,
        key_prefix: str,
        community_key: str | None,
    ) -> tuple[Sequence[OutboxMessage], dict[int, Community]]:
        """Lease up to ``limit`` due messages for the round, with their communities."""
        asked_at = self._monotonic()
        now = self._clock.now()
        async with self._uow() as uow:
            batch = await uow.outbox.claim_due(
                now,
                now + self._lease,
                limit,
                key_prefix=key_prefix,
                community_key=community_key,
                owner=self.owner,
            )
            communities = {
                cid: community
                for cid in {e.community_id for e in batch}
                if (community := await uow.communities.get(cid)) is not None
            }
            await uow.commit()
        if batch:
            held.lease_end = asked_at + self._lease.total_seconds()
            held.entries.update({e.id or 0: e for e in batch})
        return batch, communities

    def may_send(self, held: Round, entry: OutboxMessage) -> bool:
        """Whether to start sending ``entry`` now: the sender is not stopping, the round
        still holds it, and at least half its lease is left (so a renewal is due before
        it could run out mid-send)."""
        left = held.lease_end - self._monotonic()
        return (
            not self.stopping
            and (entry.id or 0) in held.entries
            and left > self._lease.total_seconds() / 2
        )

    def sending(self, held: Round, entry: OutboxMessage) -> None:
        """``entry`` is being handed to the platform now."""
        held.sending.add(entry.id or 0)

    async def stop(self) -> None:
        """Start no more sends, and hand every leased message not yet started to other
        senders at once; sends in flight go on, and their rounds end after them."""
        self.stopping = True
        waiting: set[int] = set()
        in_flight = 0
        for held in self._rounds:
            not_started = set(held.entries) - held.sending
            for entry_id in not_started:
                del held.entries[entry_id]
            waiting |= not_started
            in_flight += len(held.sending)
        if waiting or in_flight:
            log.info(
                "stopping: %d scheduled messages handed to other processes, %d in flight finishing",
                len(waiting),
                in_flight,
            )
        await self._hand_on(waiting, set())

    async def _keep(self, held: Round) -> None:
        """Renew the round's leases every ``renew_every`` seconds while it holds any.
        Messages whose lease was lost (a renewal came too late) leave the round, so
        that two senders never send them."""
        failing = False
        while True:
            await asyncio.sleep(self._renew_every)
            if not held.entries:
                continue
            asked_at = self._monotonic()
            try:
                async with self._uow() as uow:
                    renewed = await uow.outbox.renew(
                        self.owner, set(held.entries), self._clock.now() + self._lease
                    )
                    await uow.commit()
            except Exception as error:
                if not failing:
                    log.warning("could not renew the outbox leases, still trying: %r", error)
                failing = True
                continue
            if failing:
                log.info("the outbox leases are renewed again")
                failing = False
            held.lease_end = asked_at + self._lease.total_seconds()
            for lost in set(held.entries) - set(renewed) - held.sending:
                del held.entries[lost]

    async def _end(self, held: Round, renewing: asyncio.Task[None]) -> None:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        self._rounds.discard(held)
        interrupted = held.sending & set(held.entries)
        waiting = set(held.entries) - interrupted
        held.entries.clear()
        if interrupted:
            log.warning(
                "%d scheduled messages were interrupted mid-send; whoever sends them next "
                "is told they may have arrived",
                len(interrupted),
            )
        await self._hand_on(waiting, interrupted)

    async def _hand_on(self, waiting: set[int], interrupted: set[int]) -> None:
        """Let other senders have these messages now, rather than when the leases run out."""
        if not waiting and not interrupted:
            return
        now = self._clock.now()
        try:
            async with asyncio.timeout(LET_GO_SECONDS), self._uow() as uow:
                await uow.outbox.release(self.owner, waiting, now, in_doubt=False)
                await uow.outbox.release(self.owner, interrupted, now, in_doubt=True)
                await uow.commit()
        except (Exception, TimeoutError) as error:
            log.warning("could not hand on the outbox leases (they run out): %r", error)
