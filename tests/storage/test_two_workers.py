"""Several worker processes on one database: each keeps its own helper directory in
memory, and reads what another process changed before it matches an ask, without
reading the whole community again."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot import directory
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


HELPERS = {
    "ana": ("/offer Happy to review resumes #resume", "/ask could someone review my resume?"),
    "bo": ("/offer I bake sourdough every week #baking", "/ask my sourdough bread will not rise"),
    "cy": ("/offer I can help you plan a vegetable garden #gardening", "/ask gardening tips?"),
    "di": ("/offer Ask me about Kubernetes #kubernetes", "/ask help with my kubernetes cluster"),
    "ed": ("/offer I do woodworking, happy to help #woodworking", "/ask any woodworking tips?"),
    "fay": ("/offer Happy to help with salary negotiation", "/ask how do I negotiate my salary?"),
    "gus": ("/offer I can proofread in Spanish #spanish", "/ask can someone check my Spanish?"),
}


async def _community_of_helpers(storage: Storage) -> Town:
    clock = FakeClock()
    town = Town(GiveFirst(storage.unit_of_work, clock), FakeChat(), clock, storage.unit_of_work)
    for helper, (offer, _) in HELPERS.items():
        await town.say(helper, offer)
    return town


async def _everyone_found(bot: GiveFirst, first: Town) -> None:
    """Every helper suggested for their ask by ``bot``, in ``first``'s chat."""
    town = Town(bot, first.chat, first.clock, first.unit_of_work)
    for helper, (_, ask) in HELPERS.items():
        await town.say("zed", ask)
        assert f"@{helper}" in town.last_to("zed"), (helper, town.last_to("zed"))


async def test_a_starting_process_reads_a_community_page_by_page_and_knows_everyone(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that starts reads each community a page of members at a time, giving
    other events their turn between pages, and then knows every member, those on its
    last page too."""
    town = await _community_of_helpers(storage)
    monkeypatch.setattr(directory, "PAGE", 3)
    starting = GiveFirst(storage.unit_of_work, town.clock)
    assert await starting.warm_up() == 1
    await _everyone_found(starting, town)


async def test_a_process_stopping_in_the_middle_of_a_read_leaves_no_read_behind(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told to stop after the first page, a starting process stops reading at once,
    leaves nothing reading behind, does not keep the community half read, and a
    command later reads it whole."""
    town = await _community_of_helpers(storage)
    monkeypatch.setattr(directory, "PAGE", 3)
    asked = 0

    def stopping() -> bool:
        nonlocal asked
        asked += 1
        return asked > 1  # once the first page is read

    starting = GiveFirst(storage.unit_of_work, town.clock)
    assert await starting.warm_up(stopping=stopping) == 0
    assert asked == 2
    still = [t for t in asyncio.all_tasks() if "page_after" in repr(t.get_coro())]
    assert not still, still
    await _everyone_found(starting, town)
