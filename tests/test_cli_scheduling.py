"""The scheduler that runs inside `givefirst slack` and `givefirst discord`."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.domain import Community
from bot.messages import ChannelPost
from bot.scheduler import Scheduler
from givefirst.cli.serve import scheduling
from storage import Storage
from tests.core.fakes import FakeChat


async def test_it_starts_once_the_platform_is_ready_and_stops_with_the_process(
    tmp_path: Path,
) -> None:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'givefirst.db'}")
    await storage.upgrade()
    async with storage.unit_of_work() as uow:
        await uow.communities.add(
            Community(
                key="console:town",
                channel_id="town-square",
                skip_quiet_weeks=False,
                created_at=SystemClock().now() - timedelta(days=30),
            )
        )
        await uow.commit()
    ready = asyncio.Event()
    chat = FakeChat()

    async def connected() -> None:
        await ready.wait()

    try:
        async with scheduling(
            Scheduler(storage.unit_of_work, SystemClock()),
            lambda c: chat,
            ready=connected,
            every=0.01,
        ):
            await asyncio.sleep(0.2)
        assert chat.sent == [], "not connected: the digest waits"

        async with scheduling(
            Scheduler(storage.unit_of_work, SystemClock()),
            lambda c: chat,
            ready=connected,
            every=0.01,
        ):
            ready.set()
            for _ in range(100):
                if chat.sent:
                    break
                await asyncio.sleep(0.05)
    finally:
        await storage.dispose()
    assert [s.message.to for s in chat.sent] == [ChannelPost("town-square")], "the digest"
