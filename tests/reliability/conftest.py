"""Real ``givefirst`` processes, started and stopped as an operator's deploys and crashes
would, against the local fake platforms and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest

from storage import Storage
from tests.conftest import _postgres_storage

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_API_URL",
    "DISCORD_TOKEN",
    "DISCORD_API_URL",
    "DISCORD_GATEWAY_URL",
    "DISCORD_GUILD_ID",
    "GIVEFIRST_NO_SCHEDULER",
    "GIVEFIRST_SHUTDOWN_GRACE",
)
T = TypeVar("T")
GRACE = 20
"""The shutdown grace the schedulers these tests stop are given, in seconds."""


@dataclass
class Process:
    """One ``givefirst`` command running as a process of its own, its output in a file."""

    name: str
    handle: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.handle.pid

    def send(self, signum: signal.Signals) -> None:
        if self.handle.returncode is None:
            self.handle.send_signal(signum)

    async def exited(self, within: float) -> int:
        """Its exit code, waiting up to ``within`` seconds for it."""
        return await asyncio.wait_for(self.handle.wait(), timeout=within)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Processes:
    """Starts ``givefirst`` commands; kills whichever are left when the test ends."""

    folder: Path
    started: list[Process] = field(default_factory=list)

    async def start(self, name: str, *args: str, env: Mapping[str, str]) -> Process:
        environment = {k: v for k, v in os.environ.items() if k not in CREDENTIALS}
        environment |= {"PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO", **env}
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            handle = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "givefirst",
                *args,
                env=environment,
                cwd=self.folder,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=output,
                stderr=asyncio.subprocess.STDOUT,
            )
        process = Process(name, handle, log)
        self.started.append(process)
        return process

    def outputs(self) -> str:
        return "\n".join(f"--- {p.name} ---\n{p.output()[-4000:]}" for p in self.started)

    async def stop_all(self) -> None:
        for process in self.started:
            process.send(signal.SIGKILL)
        for process in self.started:
            await process.handle.wait()


async def start_scheduler(
    processes: Processes, n: int, storage: Storage, env: Mapping[str, str]
) -> Process:
    """``givefirst scheduler`` number ``n`` on the storage's database, ticking every
    second, with ``env`` naming its platforms."""
    return await processes.start(
        f"scheduler-{n}",
        "scheduler",
        "--every",
        "1",
        "--grace",
        str(GRACE),
        env={"DATABASE_URL": url_of(storage), **env},
    )


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[Processes]:
    launched = Processes(tmp_path)
    try:
        yield launched
    finally:
        await launched.stop_all()


@pytest.fixture
async def postgres() -> AsyncIterator[Storage]:
    """A migrated PostgreSQL schema of its own (the test is skipped without a server)."""
    async for storage in _postgres_storage():
        yield storage


def url_of(storage: Storage) -> str:
    return storage.engine.url.render_as_string(hide_password=False)


async def until(
    found: Callable[[], T | None], *, within: float, every: float = 0.05, what: str = ""
) -> T:
    """Poll ``found`` until it returns something other than None or False."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = found()
        if result is not None and result is not False:
            return result
        if loop.time() > deadline:
            raise TimeoutError(f"not within {within} s: {what}")
        await asyncio.sleep(every)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until_healthy(session: aiohttp.ClientSession, base: str, processes: Processes) -> None:
    """Wait for ``GET base/readyz`` to answer 200: a `givefirst slack` serving, its
    helper directories read (as a load balancer would wait for it)."""
    for _ in range(200):
        try:
            async with session.get(f"{base}/readyz") as reply:
                if reply.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail(f"givefirst slack did not come up\n{processes.outputs()}")
