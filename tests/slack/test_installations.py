"""With OAuth, a workspace whose installation cannot be read for a moment (the database
restarting) is still answered as the bot installed there, not told to reinstall."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

from adapters.slack.installations import RememberingInstallationStore


class Store(AsyncInstallationStore):
    """Installations in memory, behind a switch that makes every read fail."""

    def __init__(self) -> None:
        self.bots: dict[str | None, Bot] = {}
        self.down = False

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(__name__)

    async def async_save_bot(self, bot: Bot) -> None:
        self.bots[bot.team_id] = bot

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, **_: Any
    ) -> Bot | None:
        if self.down:
            raise ConnectionError("connection refused")
        return self.bots.get(team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.bots.pop(team_id, None)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        pass


def bot(team_id: str) -> Bot:
    return Bot(
        team_id=team_id,
        bot_token=f"xoxb-{team_id}",
        bot_id="B1",
        bot_user_id="U1",
        installed_at=0.0,
    )


async def test_the_bot_last_found_answers_while_the_store_cannot() -> None:
    store = Store()
    remembering = RememberingInstallationStore(store)
    await remembering.async_save_bot(bot("T1"))
    found = await remembering.async_find_bot(enterprise_id=None, team_id="T1")
    store.down = True
    again = await remembering.async_find_bot(enterprise_id=None, team_id="T1")
    assert found is not None and again is not None and again.bot_token == found.bot_token
    with pytest.raises(ConnectionError):  # never seen: nothing to fall back on
        await remembering.async_find_bot(enterprise_id=None, team_id="T2")


async def test_an_uninstalled_workspace_is_forgotten_at_once() -> None:
    store = Store()
    remembering = RememberingInstallationStore(store)
    await remembering.async_save_bot(bot("T1"))
    await remembering.async_find_bot(enterprise_id=None, team_id="T1")
    await remembering.async_delete_all(enterprise_id=None, team_id="T1")
    assert await remembering.async_find_bot(enterprise_id=None, team_id="T1") is None
    store.down = True
    with pytest.raises(ConnectionError):
        await remembering.async_find_bot(enterprise_id=None, team_id="T1")
