"""The loop that keeps scheduled work going: planning every so often, delivering
in between, stopping promptly when asked, and waiting out a database that is away."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.ports import StorageUnavailable

log = logging.getLogger("bot.scheduler")

DELIVER_EVERY = 5.0
"""Seconds between looks at the outbox between two planning ticks: how soon a message
handed on by a stopping process, or left by a dead one, is picked up."""
BACKOFF_CAP = 15.0
"""The longest wait between rounds while the database is out of reach."""


async def run_scheduler(
    tick: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    every: float = 30.0,
    deliver: Callable[[], Awaitable[object]] | None = None,
    deliver_every: float = DELIVER_EVERY,
    stopping: Callable[[], Awaitable[object]] | None = None,
    backoff_cap: float = BACKOFF_CAP,
) -> None:
    """Run ``tick`` (e.g. a scheduler's ``tick`` with its chat) every ``every`` seconds,
    and ``deliver`` every ``deliver_every`` seconds in between, until ``stop`` is set;
    each process serving a platform may run one, and they share the work through the
    database.

    When ``stop`` is set during a round, ``stopping`` is awaited at once (the scheduler
    hands on what it has not started) and the round finishes what it has in flight.
    While the database is out of reach, rounds back off (doubling, up to
    ``backoff_cap`` seconds) and the work resumes by itself once it is back."""
    loop = asyncio.get_running_loop()
    deliver_every = min(deliver_every, every)
    next_tick = loop.time()
    away_since: float | None = None
    failures = 0
    while not stop.is_set():
        planning = deliver is None or loop.time() >= next_tick
        if planning:
            next_tick = loop.time() + every
        try:
            await _round(tick if planning else deliver or tick, stop, stopping)
        except StorageUnavailable as error:
            failures += 1
            if away_since is None:
                away_since = loop.time()
                log.warning("the database is out of reach (%s); scheduled work waits", error)
            next_tick = loop.time()  # plan again as soon as it is back
            wait = min(deliver_every * 2 ** (failures - 1), max(backoff_cap, deliver_every))
        except Exception:
            wait = deliver_every if deliver is not None else every
            log.exception("scheduled work failed; trying again in %s s", wait)
        else:
            if away_since is not None:
                log.info(
                    "the database is back after %.1f s; scheduled work resumes",
                    loop.time() - away_since,
                )
            away_since, failures = None, 0
            wait = deliver_every if deliver is not None else every
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)


async def _round(
    work: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    stopping: Callable[[], Awaitable[object]] | None,
) -> None:
    """One round of scheduled work; if ``stop`` is set meanwhile, ``stopping`` runs at
    once while the round finishes what it started."""
    round_ = asyncio.ensure_future(work())
    told = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({round_, told}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set() and not round_.done() and stopping is not None:
            await stopping()
        await round_
    except asyncio.CancelledError:
        round_.cancel()
        await asyncio.gather(round_, return_exceptions=True)
        raise
    finally:
        told.cancel()
