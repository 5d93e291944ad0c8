"""Passes over every member's profile, shared by the searches that wait for one.

In a large community the pass that scores every profile for an ask (see
:mod:`bot.matching.vectors`) is most of a search, and most of the pass is reading the
profiles from memory: scoring five asks in one pass costs less than twice one. Searches
that arrive while a pass runs wait for it to end, then share the next one, in another
thread; a search that finds no pass running starts one at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.matching.fields import Vector
from bot.matching.vectors import Coarse, ProfileScores, VectorIndex, build_coarse

log = logging.getLogger(__name__)


@dataclass
class _Waiting:
    vectors: Sequence[Vector]
    scored: asyncio.Future[list[ProfileScores]]


class SharedPasses:
    """One community's passes over its profiles, one at a time, each for every search
    waiting when it starts."""

    def __init__(self, index: VectorIndex) -> None:
        self._index = index
        self._waiting: list[_Waiting] = []
        self._running: asyncio.Task[None] | None = None

    async def scores(self, vectors: Sequence[Vector]) -> list[ProfileScores]:
        """Every profile scored for each of these vectors, in order, as of the profiles
        when the pass that scores them starts (at the earliest, now)."""
        if not vectors:
            return []
        waiting = _Waiting(vectors, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._run(), name="givefirst: profiles")
        return await waiting.scored

    async def _run(self) -> None:
        batch: list[_Waiting] = []
        try:
            while self._waiting:
                # Those who gave up meanwhile (their command was cancelled) are left out.
                batch = [w for w in self._waiting if not w.scored.done()]
                self._waiting = []
                if batch:
                    await self._score(batch)
        finally:
            for waiting in [*batch, *self._waiting]:  # stopped: nobody is left waiting
                if not waiting.scored.done():
                    waiting.scored.cancel()
            self._waiting = []

    async def _score(self, batch: list[_Waiting]) -> None:
        if self._index.wants_coarse:
            await self._make_coarse()
        wanted = [vector for waiting in batch for vector in waiting.vectors]
        try:
            scored = await asyncio.to_thread(self._index.profiles_now().scores_for, wanted)
        except Exception as error:
            for waiting in batch:
                if not waiting.scored.done():
                    waiting.scored.set_exception(error)
            return
        start = 0
        for waiting in batch:
            end = start + len(waiting.vectors)
            if not waiting.scored.done():
                waiting.scored.set_result(scored[start:end])
            start = end

    async def _make_coarse(self) -> None:
        """The profiles' coarse copy for the first pass, made once, in another thread,
        before the first pass that can use it (a search meanwhile waits, the event loop
        does not); without it, passes stay exact."""
        coarse: Coarse | None = None
        rows = self._index.coarse_begun()
        try:
            coarse = await asyncio.to_thread(build_coarse, rows)
        except Exception:
            log.exception("could not make the profiles' coarse copy: passes stay exact")
        finally:
            self._index.coarse_made(coarse)
