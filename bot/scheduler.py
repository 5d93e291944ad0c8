"""Scheduled work — digests, give-first rounds, follow-ups, reminders, expiry —
done exactly once by whichever of several processes gets to it first.

Every tick has two halves. *Planning* decides what is due and, in the same transaction
that records the decision (a claim keyed by community and week, an introduction marked
expired), writes the resulting messages to the outbox. *Delivery* sends the outbox
(see :mod:`bot.outbox`)."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta

from bot.delivery import enqueue
from bot.directory import HelperDirectory
from bot.domain import Community
from bot.messages import ChannelPost
from bot.metrics import Metrics, NoMetrics
from bot.outbox import (
    BATCH_SIZE,
    LEASE,
    ChatFor,
    Delivered,
    OutboxSender,
    Sleep,
    Tally,
)
from bot.ports import Clock, StorageUnavailable, UnitOfWork
from bot.repeating import DELIVER_EVERY, run_scheduler
from bot.schedule import (
    DigestPeriod,
    RoundSlot,
    Scheduled,
    digest_claims,
    digest_period,
    round_slot,
    slot_of_claim,
)
from bot.use_cases import round_planning, scheduled

log = logging.getLogger(__name__)

UnitOfWorkFactory = Callable[[], UnitOfWork]

__all__ = ["ChatFor", "Delivered", "Scheduler", "run_scheduler"]

EVENT_MEMORY = timedelta(days=1)
"""How long platform event ids are remembered: Slack retries an event within the hour,
and refuses to replay a request after five minutes (its signature's time stamp)."""


class Scheduler:
    """Plans due work into the outbox and delivers the outbox, paced per destination.

    ``min_interval``, ``lease`` and the other sending options are the
    :class:`OutboxSender`'s. With ``platform`` (``"slack"``, ``"discord"``) only messages
    for that platform's communities are delivered, so processes serving different
    platforms can share one database (planning covers every community); with
    ``community`` (a community's key) only that community's work is planned and
    delivered."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        min_interval: float = 1.0,
        lease: timedelta = LEASE,
        batch_size: int = BATCH_SIZE,
        retry_delay: timedelta = timedelta(seconds=30),
        max_attempts: int = 12,
        relevance_every: timedelta = timedelta(hours=1),
        concurrency: int = 8,
        platform: str | None = None,
        community: str | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        helpers: HelperDirectory | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._metrics = metrics or NoMetrics()
        self._sender = OutboxSender(
            unit_of_work,
            clock,
            min_interval=min_interval,
            lease=lease,
            batch_size=batch_size,
            retry_delay=retry_delay,
            max_attempts=max_attempts,
            concurrency=concurrency,
            sleep=sleep,
            monotonic=monotonic,
            metrics=self._metrics,
        )
        self._helpers = helpers or HelperDirectory(unit_of_work)
        self._relevance_every = relevance_every
        self._key_prefix = f"{platform}:" if platform else ""
        self._community = community
        self._last_relevance_check: datetime | None = None
        self._last_forgetting: datetime | None = None
        self._told_no_channel: set[str] = set()
        self._too_soon: set[str] = set()
        """Digest weeks not due: one went out lately, on the schedule before a change."""

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
        return await self.deliver_each_platform(chats)

    async def deliver_each_platform(self, chats: Mapping[str, ChatFor]) -> Delivered:
        """Deliver each platform's messages through its own chat, side by side."""
        results = await asyncio.gather(
            *(
                self._sender.deliver(chat_for, key_prefix=f"{platform}:")
                for platform, chat_for in chats.items()
            ),
            return_exceptions=True,
        )
        total = Delivered()
        for platform, result in zip(chats, results, strict=True):
            if isinstance(result, Delivered):
                total += result
            elif isinstance(result, StorageUnavailable):
                raise result
            else:
                log.error(
                    "delivering to %s failed; trying again next tick", platform, exc_info=result
                )
        return total

    async def run(
        self,
        chats: ChatFor | Mapping[str, ChatFor],
        stop: asyncio.Event,
        *,
        every: float = 30.0,
        deliver_every: float = DELIVER_EVERY,
    ) -> None:
        """Plan and deliver every ``every`` seconds, and deliver every ``deliver_every``
        seconds in between, until ``stop`` is set (see :func:`run_scheduler`); through
        one chat, or each platform's (``{"slack": …, "discord": …}``)."""
        tick: Callable[[], Awaitable[Delivered]]
        deliver: Callable[[], Awaitable[Delivered]]
        if isinstance(chats, Mapping):
            tick = functools.partial(self.tick_each_platform, chats)
            deliver = functools.partial(self.deliver_each_platform, chats)
        else:
            tick = functools.partial(self.tick, chats)
            deliver = functools.partial(self.deliver, chats)
        log.info(
            "the scheduler is running: looking for due work every %.0f s, for messages "
            "to send every %.0f s",
            every,
            min(every, deliver_every),
        )
        tally = Tally()
        await run_scheduler(
            functools.partial(tally.counted, tick),
            stop,
            every=every,
            deliver=functools.partial(tally.counted, deliver),
            deliver_every=deliver_every,
            stopping=self.stop,
        )

    async def stop(self) -> None:
        """Take no new work, and hand the messages not yet started to other processes at
        once; a round in progress finishes what it has in flight."""
        await self._sender.stop()

    async def plan(self) -> int:
        """Write the messages of all due work to the outbox; returns how many."""
        self._metrics.scheduler_ran()
        now = self._clock.now()
        planned = 0
        steps = (
            self.plan_introductions,
            self.plan_relevance_checks,
            self.plan_digests,
            self.plan_rounds,
            self.forget_old_events,
        )
        for step in steps:
            if self._sender.stopping:
                break
            try:
                planned += await step(now)
            except StorageUnavailable:
                raise  # the whole round waits for the database
            except Exception:
                log.exception("planning %s failed; it will be tried again", step.__name__)
        return planned

    # --- planning ---------------------------------------------------------------------------

    async def _only(self, uow: UnitOfWork) -> int | None:
        """The id of the one community this scheduler plans for, if it has one (-1 if
        that community is not there: nothing is planned)."""
        if self._community is None:
            return None
        community = await uow.communities.get_by_key(self._community)
        return community.id if community is not None and community.id is not None else -1

    def _ours(self, communities: Sequence[Community]) -> list[Community]:
        return [c for c in communities if self._community in (None, c.key)]

    async def plan_introductions(self, now: datetime) -> int:
        """Expire unanswered requests, remind awaited members, ask how it went."""
        async with self._uow() as uow:
            only = await self._only(uow)
            expiring = {i.community_id for i in await uow.introductions.pending_expired(now)}
            communities = [
                c
                for cid in expiring
                if only in (None, cid) and (c := await uow.communities.get(cid))
            ]
        for community in communities:  # the next candidates are looked for
            await self._helpers.refresh(community)
        async with self._uow() as uow:
            work = [
                *await scheduled.expire_introductions(uow, self._helpers, now, only=only),
                *await scheduled.remind_introductions(uow, now, only=only),
                *await scheduled.send_follow_ups(uow, now, only=only),
            ]
            planned = await enqueue(uow, work, now, self._metrics)
            await uow.commit()
        return planned

    async def plan_relevance_checks(self, now: datetime) -> int:
        """Ask about old asks and offers and close unanswered ones; bring back members
        whose break ran out (hourly per process)."""
        last = self._last_relevance_check
        if last is not None and now - last < self._relevance_every:
            return 0
        async with self._uow() as uow:
            communities = self._ours(await uow.communities.list())
            back = {m.community_id for m in await uow.members.breaks_over(now)}
        planned = 0
        for community in communities:
            if community.id in back:  # the asks they could help are looked for
                await self._helpers.refresh(community)
            async with self._uow() as uow:
                work = await scheduled.check_relevance(uow, community, now)
                work += await scheduled.back_from_breaks(uow, self._helpers, community, back, now)
                planned += await enqueue(uow, work, now, self._metrics)
                await uow.commit()
        self._last_relevance_check = now
        return planned

    async def forget_old_events(self, now: datetime) -> int:
        """Forget event ids older than :data:`EVENT_MEMORY` (hourly per process)."""
        last = self._last_forgetting
        if last is not None and now - last < self._relevance_every:
            return 0
        async with self._uow() as uow:
            forgotten = await uow.events.forget_before(now - EVENT_MEMORY)
            await uow.commit()
        self._last_forgetting = now
        if forgotten:
            log.info("forgot %d platform event ids older than %s", forgotten, EVENT_MEMORY)
        return 0  # nothing to send

    async def plan_digests(self, now: datetime) -> int:
        """Claim and compose each community's digest whose slot has passed."""
        async with self._uow() as uow:
            communities = self._ours(await uow.communities.list())
            due = {p.key: (c, p) for c in communities if (p := digest_period(c, now)) is not None}
            done = await uow.claims.claimed(list(due)) if due else set()
        planned = 0
        for key, (community, _) in due.items():
            if key in done or key in self._too_soon:
                continue
            if not community.channel_id:
                if key not in self._told_no_channel:
                    self._told_no_channel.add(key)
                    log.info(
                        "no digest for %s: no channel is set (it will post once one is)",
                        community.key,
                    )
                continue
            if (following := await self._after_the_last(community, now)) is None:
                self._too_soon.add(key)  # the schedule changed: that week's digest went out
                continue
            planned += await self.claim_digest(community, following, now)
        return planned

    async def _after_the_last(self, community: Community, now: datetime) -> DigestPeriod | None:
        """The digest due, as it follows the one posted before (see :func:`digest_period`)."""
        assert community.id is not None
        async with self._uow() as uow:
            last = await uow.claims.latest(digest_claims(community.id))
        return digest_period(community, now, slot_of_claim(last) if last else None)

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
            digest = await scheduled.digest_for(uow, community, period.since, period.slot, now=now)
            if digest.is_quiet and community.skip_quiet_weeks and not even_if_quiet:
                await uow.commit()
                self._metrics.claimed("digest")
                log.info("quiet week in %s: no digest for %s", community.key, period.slot)
                return 0
            post = dataclasses.replace(
                digest.message, to=ChannelPost(community.channel_id), subject=period.subject
            )
            work = [Scheduled(period.key, period.community_id, [post])]
            planned = await enqueue(uow, work, now, self._metrics)
            await uow.commit()
        return planned

    async def plan_rounds(self, now: datetime) -> int:
        """Ask last round's pairs whether they met; plan each round that is due, unless
        past the day its groups would be asked that (the next one comes soon)."""
        async with self._uow() as uow:
            only = await self._only(uow)
            follow_ups = await round_planning.round_follow_ups(uow, now, only=only)
            planned = await enqueue(uow, follow_ups, now, self._metrics)
            await uow.commit()
        async with self._uow() as uow:
            due = {
                s.key: (c, s)
                for c in self._ours(await uow.communities.list())
                if (s := round_slot(c, now)) is not None and now < s.follow_up_at
            }
            done = await uow.claims.claimed(list(due)) if due else set()
        for key, (community, slot) in due.items():
            if key not in done:
                planned += await self.claim_round(community, slot, now)
        return planned

    async def claim_round(self, community: Community, slot: RoundSlot, now: datetime) -> int:
        """Plan one community's round and queue its introductions, claimed like a
        digest; the pairing itself runs in a thread, off the event loop, between a
        transaction that reads and one that claims and writes."""
        async with self._uow() as uow:
            inputs = await round_planning.read_round(uow, community, slot, now)
        planned = await asyncio.to_thread(round_planning.compute_round, inputs, now)
        async with self._uow() as uow:
            work = await round_planning.write_round(uow, planned, now)
            if work is None:
                return 0
            queued = await enqueue(uow, [work], now, self._metrics)
            await uow.commit()
        log.info("planned %s: %d groups", slot.key, len(planned.plan.groups))
        return queued

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
        week = digest_period(community, now)
        if week is None:
            return "This community is younger than a week; its first digest is still to come."
        # As the scheduler would: after the digest before (see _after_the_last).
        period = await self._after_the_last(community, now)
        if period is None or not await self.claim_digest(
            community, period, now, even_if_quiet=even_if_quiet
        ):
            return f"The digest for the week up to {week.slot:%Y-%m-%d %H:%M} UTC is already out."
        return "queued"

    # --- delivery ---------------------------------------------------------------------------

    async def deliver(self, chat_for: ChatFor) -> Delivered:
        """Send every due outbox message of this scheduler's platform or community."""
        return await self._sender.deliver(
            chat_for, key_prefix=self._key_prefix, community_key=self._community
        )
