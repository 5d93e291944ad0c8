"""Fixtures that run the real discord.py client against the local fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
import pytest

from adapters.discord.client import GiveFirstClient, point_at
from tests.discord.fake_discord import BOT_TOKEN, FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    point_at(fake.api_url, fake.gateway_url)
    try:
        yield fake
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        await fake.close()


@asynccontextmanager
async def connected(client: discord.Client) -> AsyncIterator[Any]:
    """Log in, connect to the gateway and wait for READY; disconnect afterwards.

    A gateway payload the client cannot parse ends its connection task quietly while
    ``wait_until_ready`` still returns, so the task is checked to be alive.
    """
    await client.login(BOT_TOKEN)
    connection = asyncio.create_task(client.connect(reconnect=False))
    try:
        await asyncio.wait_for(client.wait_until_ready(), timeout=5)
        await asyncio.sleep(0)
        assert not connection.done(), connection.exception()
        yield client
        assert not connection.done(), "the gateway connection ended during the test"
    finally:
        await client.close()
        connection.cancel()
        await asyncio.gather(connection, return_exceptions=True)


def client_options() -> dict[str, Any]:
    return {"guild_ready_timeout": 0.1}


__all__ = ["GiveFirstClient", "client_options", "connected", "fake_discord"]
