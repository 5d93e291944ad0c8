"""`givefirst db`: the operator's database commands, through the real command line."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

from bot.app import GiveFirst
from bot.clock import SystemClock
from bot.commands import Actor
from givefirst import cli
from storage import Storage
from tests.conftest import all_table_rows
from tests.core.fakes import FakeChat

LEAVING, STAYING = "T0LEAVING", "T0STAYING"


def installations(storage: Storage) -> AsyncSQLAlchemyInstallationStore:
    return AsyncSQLAlchemyInstallationStore(client_id="1111.2222", engine=storage.engine)


async def test_forget_community_asks_first_then_erases_only_that_community(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        for team in (LEAVING, STAYING):
            await installations(storage).async_save(
                Installation(
                    app_id="A0GIVE1ST",
                    team_id=team,
                    user_id="U0OWNER",
                    bot_token=f"xoxb-{team}",
                    bot_id="B0GIVE1ST",
                    bot_user_id="U0GIVE1ST",
                )
            )
            ana = Actor(f"slack:{team}", "U0ANA", "Ana Lima")
            await bot.slash_command(ana, "/offer", f"resume reviews in {team}", FakeChat())
    finally:
        await storage.dispose()

    def givefirst(*args: str, answer: str = "") -> tuple[int, str]:
        oauth = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "shh"}  # as when serving
        result = CliRunner().invoke(
            cli.main, ["--database-url", url, *args], input=answer, env=oauth
        )
        return result.exit_code, result.output

    forget = ("db", "forget-community", f"slack:{LEAVING}")
    code, output = await asyncio.to_thread(givefirst, *forget, answer="n\n")
    assert code == 1 and "Aborted" in output
    code, output = await asyncio.to_thread(givefirst, *forget, answer="y\n")
    assert code == 0 and f"Erased the data of slack:{LEAVING}." in output
    nowhere = ("db", "forget-community", "slack:T0NONE", "--yes")
    code, output = await asyncio.to_thread(givefirst, *nowhere)
    assert code == 1 and "There is no community 'slack:T0NONE'" in output

    storage = Storage.connect(url)
    try:
        dump = repr(await all_table_rows(storage))
        store = installations(storage)
        left = await store.async_find_bot(enterprise_id=None, team_id=LEAVING)
        stayed = await store.async_find_bot(enterprise_id=None, team_id=STAYING)
    finally:
        await storage.dispose()
    assert f"resume reviews in {LEAVING}" not in dump and f"xoxb-{LEAVING}" not in dump
    assert dump.count("Ana Lima") == 1, "only the other workspace's Ana is left"
    assert f"resume reviews in {STAYING}" in dump
    assert left is None and stayed is not None and stayed.bot_token == f"xoxb-{STAYING}"
