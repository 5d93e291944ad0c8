"""What the benchmarks measure the same way: how long the event loop stalls, and how
much memory the process holds."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

TICK = 0.01
"""Seconds the stall ticker sleeps between looks."""


class StallTicker:
    """How late a 10 ms sleep wakes up, over and over, from creation until
    :meth:`stop`: the event loop's stalls, in milliseconds."""

    def __init__(self) -> None:
        self.stalls: list[float] = []
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self._tick())

    @property
    def longest(self) -> float:
        return max(self.stalls, default=0.0)

    async def _tick(self) -> None:
        while not self._stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            self.stalls.append((time.perf_counter() - before - TICK) * 1000)

    async def stop(self) -> list[float]:
        self._stop.set()
        await self._task
        return self.stalls


def status_mb(name: str) -> float:
    """A memory figure of this process from /proc (``VmRSS`` now, ``VmHWM`` its
    peak), in MB; 0 where there is no /proc."""
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return 0.0
    for line in lines:
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) / 1024
    return 0.0
