"""`givefirst db`: the operator's database commands, through the real command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from bot.app import GiveFirst
from bot.clock import SystemClock
from bot.commands import Actor
from givefirst import cli
from storage import Storage
from tests.core.fakes import FakeChat


async def test_forget_community_asks_first_then_erases_only_that_community(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        for key in ("slack:T0LEAVING", "slack:T0STAYING"):
            ana = Actor(key, "U0ANA", "Ana")
            await bot.slash_command(ana, "/offer", "resume reviews #resume", FakeChat())
    finally:
        await storage.dispose()

    def givefirst(*args: str, answer: str = "") -> tuple[int, str]:
        result = CliRunner().invoke(cli.main, ["--database-url", url, *args], input=answer)
        return result.exit_code, result.output

    code, output = await asyncio.to_thread(
        givefirst, "db", "forget-community", "slack:T0LEAVING", answer="n\n"
    )
    assert code == 1 and "Aborted" in output
    code, output = await asyncio.to_thread(
        givefirst, "db", "forget-community", "slack:T0LEAVING", answer="y\n"
    )
    assert code == 0 and "Erased slack:T0LEAVING and all its data." in output
    code, output = await asyncio.to_thread(
        givefirst, "db", "forget-community", "slack:T0LEAVING", "--yes"
    )
    assert code == 1 and "There is no community 'slack:T0LEAVING'" in output

    storage = Storage.connect(url)
    try:
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        assert await bot.community("slack:T0LEAVING") is None
        assert await bot.community("slack:T0STAYING") is not None
    finally:
        await storage.dispose()
