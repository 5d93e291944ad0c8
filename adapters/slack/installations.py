"""Workspaces' installations, still known while their store cannot be read.

With OAuth, Bolt looks up the workspace's bot before acknowledging every request. If
the database holding the installations is restarting, that lookup fails, and Bolt
would answer members "please reinstall the app". Keeping the last bot found for each
workspace lets requests be acknowledged and handled as usual instead (the core then
tells members to try again if it cannot save what they asked). The store is asked
every time; what is remembered is used only when it cannot answer, and an
uninstalled workspace is forgotten at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from logging import Logger

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore

log = logging.getLogger(__name__)

LOOKUP_SECONDS = 1.5
"""How long a lookup may take before the remembered bot is used (Slack waits 3 s for
the acknowledgement that follows it)."""
REMEMBERED = 10_000
"""Workspaces whose bot is remembered; the least recently seen are dropped first."""

Workspace = tuple[str | None, str | None, bool]


class RememberingInstallationStore(AsyncInstallationStore):
    """Wraps an installation store; see the module's docstring."""

    def __init__(
        self,
        store: AsyncInstallationStore,
        *,
        timeout: float = LOOKUP_SECONDS,
        size: int = REMEMBERED,
    ) -> None:
        self._store = store
        self._timeout = timeout
        self._size = size
        self._bots: OrderedDict[Workspace, Bot] = OrderedDict()

    @property
    def logger(self) -> Logger:
        return self._store.logger

    async def async_save(self, installation: Installation) -> None:
        await self._store.async_save(installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await self._store.async_save_bot(bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        workspace = (enterprise_id, team_id, bool(is_enterprise_install))
        try:
            async with asyncio.timeout(self._timeout):
                bot = await self._store.async_find_bot(
                    enterprise_id=enterprise_id,
                    team_id=team_id,
                    is_enterprise_install=is_enterprise_install,
                )
        except Exception as error:
            known = self._bots.get(workspace)
            if known is None:
                raise
            log.warning("installations unreadable (%r): using the bot last found", error)
            return known
        if bot is None:
            self._bots.pop(workspace, None)
        else:
            self._bots[workspace] = bot
            self._bots.move_to_end(workspace)
            while len(self._bots) > self._size:
                self._bots.popitem(last=False)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await self._store.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._forget(enterprise_id, team_id)
        await self._store.async_delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        self._forget(enterprise_id, team_id)
        await self._store.async_delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._forget(enterprise_id, team_id)
        await self._store.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    def _forget(self, enterprise_id: str | None, team_id: str | None) -> None:
        for workspace in [w for w in self._bots if w[:2] == (enterprise_id, team_id)]:
            del self._bots[workspace]
