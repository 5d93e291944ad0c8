"""Stopping a serving process the way a deploy does: SIGTERM (or Ctrl-C), then a
bounded grace period to finish what is in flight, then exit.

The first SIGTERM or SIGINT sets :attr:`Shutdown.requested`. A command then stops
taking new work (stops listening, disconnects, stops leasing scheduled messages and
hands the ones it has not started to other processes at once), finishes what it has
acknowledged within :attr:`Shutdown.grace` seconds of the signal, cuts short what is
left, and closes its connections. A second signal exits at once.

Any long-running command can use it::

    async with Shutdown(grace).on_signals() as shutdown:
        ...start serving...
        await shutdown.requested.wait()
        await shutdown.finish(work_in_flight, "the requests in flight")
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any

log = logging.getLogger("givefirst")

DEFAULT_GRACE = 20.0
"""Seconds a stopping process has to finish what is in flight (``--grace``,
``GIVEFIRST_SHUTDOWN_GRACE``); keep it below the platform's own limit before it
kills the process (Kubernetes waits 30 s by default)."""
SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Shutdown:
    """When a process was asked to stop, and how long it has left to do so.

    ``requested`` may be given (tests stop a command by setting it); the grace period
    then counts from when it is first looked at after being set.
    """

    def __init__(self, grace: float = DEFAULT_GRACE, *, requested: asyncio.Event | None = None):
        if grace < 0:
            raise ValueError("the grace period cannot be negative")
        self.grace = grace
        self.requested = requested or asyncio.Event()
        self.reason = ""
        self._deadline: float | None = None

    def request(self, reason: str = "asked to stop") -> None:
        """Ask the process to stop; the grace period starts now."""
        if not self.requested.is_set():
            self.reason = reason
            self._deadline = _now() + self.grace
            self.requested.set()

    def remaining(self) -> float:
        """Seconds left of the grace period (all of it, until a stop is requested)."""
        if self._deadline is None:
            if not self.requested.is_set():
                return self.grace
            self._deadline = _now() + self.grace
        return max(self._deadline - _now(), 0.0)

    async def finish(self, work: asyncio.Future[Any], what: str) -> bool:
        """Wait for ``work`` until the grace period is over, then cancel it; True if it
        finished in time. Its own exceptions are raised."""
        done, _ = await asyncio.wait({work}, timeout=self.remaining())
        if done:
            work.result()
            return True
        log.warning("%s did not finish within the %.0f s grace period: cut short", what, self.grace)
        work.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await work
        return False

    @contextlib.asynccontextmanager
    async def on_signals(self) -> AsyncIterator[Shutdown]:
        """Let SIGTERM and SIGINT request the stop while the block runs (from the main
        thread only: a command run in another thread is stopped by ``requested``)."""
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(signum, self._signalled, signum)
                    installed.append(signum)
        try:
            yield self
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    def _signalled(self, signum: signal.Signals) -> None:
        name = signal.Signals(signum).name
        if self.requested.is_set():
            log.warning("%s again: exiting now, without finishing what is in flight", name)
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(128 + signum)
        log.info(
            "%s: finishing what is in flight within %.0f s, taking nothing new "
            "(send it again to exit at once)",
            name,
            self.grace,
        )
        self.request(name)


def _now() -> float:
    return asyncio.get_running_loop().time()
