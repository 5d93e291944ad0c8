"""`givefirst rounds preview`: the next round's groups and reasons, through the real
command line, with nothing sent or claimed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bot.app import GiveFirst
from bot.clock import SystemClock
from bot.commands import Actor
from givefirst import cli
from storage import Storage
from tests.conftest import all_table_rows
from tests.core.fakes import FakeChat


async def community_in_rounds(url: str) -> None:
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        chat = FakeChat()

        def actor(who: str) -> Actor:
            return Actor("slack:T1", who, who.title(), is_platform_admin=who == "ana")

        await bot.slash_command(
            actor("ana"), "/givefirst", "config rounds every 2 weeks friday 10:00", chat
        )
        await bot.slash_command(
            actor("ana"), "/offer", "I can debug Kubernetes deployments #kubernetes", chat
        )
        await bot.slash_command(
            actor("ben"), "/ask", "could someone help me deploy to kubernetes?", chat
        )
        for who in ("ana", "ben", "cy"):
            await bot.slash_command(actor(who), "/givefirst", "rounds join", chat)
    finally:
        await storage.dispose()


async def rows(url: str) -> dict[str, list[dict[str, Any]]]:
    storage = Storage.connect(url)
    try:
        return await all_table_rows(storage)
    finally:
        await storage.dispose()


def test_the_preview_shows_pairs_with_reasons_and_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    asyncio.run(community_in_rounds(url))
    before = asyncio.run(rows(url))
    result = CliRunner().invoke(
        cli.main, ["--database-url", url, "rounds", "preview", "--community", "slack:T1"]
    )
    after = asyncio.run(rows(url))
    assert result.exit_code == 0, result.output
    assert "Next give-first round in slack:T1: Fri" in result.output
    [line] = [line for line in result.output.splitlines() if "@ana (Ana)" in line]
    assert "@ben (Ben)" in line and "@cy (Cy)" in line, "three make one trio"
    assert "Ana could help Ben with “could someone help me deploy to kubernetes?”" in line
    assert "none of you have met" in line
    assert before == after, "nothing claimed, planned or sent"


def test_the_preview_names_a_missing_community() -> None:
    result = CliRunner().invoke(
        cli.main, ["--database-url", "sqlite://", "rounds", "preview", "--community", "slack:T9"]
    )
    assert result.exit_code != 0
    assert "There is no community 'slack:T9'" in result.output
