"""Several worker processes on one database: each keeps its own helper directory in
memory, and reads what another process changed before it matches an ask, without
reading the whole community again."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from bot.app import GiveFirst
from bot.clock import FakeClock
from storage import Storage
from tests.core.conftest import Town
from tests.core.fakes import FakeChat

ROOT = Path(__file__).resolve().parents[2]
COMMUNITY = "console:test"

OTHER_WORKER = """
import asyncio, sys
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.commands import Actor
from storage import Storage
from tests.core.fakes import FakeChat

async def main(url: str, command: str, text: str) -> None:
    storage = Storage.connect(url)
    try:
        bot = GiveFirst(storage.unit_of_work, FakeClock())
        lee = Actor(%r, "lee", "Lee", channel_id="general")
        handled = await bot.slash_command(lee, command, text, FakeChat())
        print(handled.messages[-1].as_plain_text())
    finally:
        await storage.dispose()

asyncio.run(main(*sys.argv[1:]))
""" % (COMMUNITY,)  # noqa: UP031 - the script's own braces stay as they are


async def in_another_process(storage: Storage, command: str, text: str) -> str:
    url = storage.engine.url.render_as_string(hide_password=False)
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", OTHER_WORKER, url, command, text],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_an_edit_in_one_process_is_matched_by_another(storage: Storage) -> None:
    clock = FakeClock()
    town = Town(GiveFirst(storage.unit_of_work, clock), FakeChat(), clock, storage.unit_of_work)
    await town.say("ana", "/offer Happy to review resumes #resume")
    await town.say("lee", "/offer I can help you plan a vegetable garden #gardening")
    await town.say("zoe", "/ask can someone help with woodworking? my chest's hinge broke")
    assert "@lee" not in town.last_to("zoe"), "this worker has read Lee: gardening only"

    said = await in_another_process(storage, "/skills", "add woodworking, furniture restoration")
    assert said.startswith("Added: crafts"), said

    await town.say("max", "/ask can someone help with woodworking? my table wobbles")
    assert "@lee" in town.last_to("max"), "this worker read Lee's new skills before matching"

    paused = await in_another_process(storage, "/givefirst", "pause 14")
    assert "paus" in paused.lower(), paused
    await town.say("kit", "/ask any woodworking tips for a first bookshelf?")
    assert "@lee" not in town.last_to("kit"), "and that Lee is away for now"
