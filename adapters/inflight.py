"""The work an adapter has taken on after acknowledging it, so that stopping can let it
finish: a platform was told "got it", and the member is owed what follows."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any

from bot.ports import StorageUnavailable

log = logging.getLogger(__name__)


class InFlight:
    """Tasks doing acknowledged work: started here, or the current task while inside
    :meth:`tracked`. :meth:`drain` waits for them for a bounded time."""

    def __init__(self, name: str = "work after an acknowledgement") -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None], *, name: str | None = None) -> None:
        """Run ``work`` as a task of its own, kept until it is done."""
        task = asyncio.create_task(work, name=name or self._name)
        self._tasks.add(task)  # the loop keeps only weak references to tasks
        task.add_done_callback(self._finished)

    @contextlib.asynccontextmanager
    async def tracked(self) -> AsyncIterator[None]:
        """Count the current task (one the platform library started) while inside."""
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            yield
        finally:
            self._tasks.discard(task)

    async def drain(self, timeout: float) -> tuple[int, int]:  # noqa: ASYNC109
        """Wait up to ``timeout`` seconds for the work in flight, then cancel what is
        left; returns how many tasks finished and how many were cut short."""
        pending = set(self._tasks)
        if not pending:
            return 0, 0
        _, late = await asyncio.wait(pending, timeout=max(timeout, 0))
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=1)
            log.warning("cut short %d pieces of %s after the grace period", len(late), self._name)
        return len(pending) - len(late), len(late)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or (error := task.exception()) is None:
            return
        if isinstance(error, StorageUnavailable):
            log.warning("%s could not reach the database: %s", self._name, error)
        else:
            log.error("%s failed", self._name, exc_info=error)
