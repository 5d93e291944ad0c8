"""`/givefirst dashboard` on Discord: an application subcommand whose sign-in link only
the admin who asked sees, and which opens the dashboard `givefirst web` serves."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.discord.client import GiveFirstClient
from adapters.web import SESSION_COOKIE, dashboard_application
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.sign_in import DashboardAccess
from givefirst.testing.fake_discord import APP_ID, EPHEMERAL, GUILD_ID, FakeDiscord, connected
from storage import Storage
from tests.discord.conftest import client_options
from tests.discord.test_discord_bot import DiscordCommunity, _members

PUBLIC_URL = "https://givefirst.example.org"


@pytest.fixture
async def with_dashboard(
    fake_discord: FakeDiscord, storage: Storage
) -> AsyncIterator[DiscordCommunity]:
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock, dashboard=DashboardAccess(PUBLIC_URL))
    client = GiveFirstClient(bot, guild_id=GUILD_ID, **client_options())
    async with connected(client):
        yield DiscordCommunity(fake_discord, bot, clock, client, _members(fake_discord))


async def test_an_admin_gets_a_one_time_link_that_opens_the_dashboard(
    with_dashboard: DiscordCommunity,
) -> None:
    community = with_dashboard
    [sync] = community.fake.calls("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    givefirst = next(c for c in sync.body if c["name"] == "givefirst")
    assert "dashboard" in {o["name"] for o in givefirst["options"]}

    refused = await community.command("ben", "givefirst", "dashboard")
    await community.reply(refused, "Only community admins can open the dashboard")

    asked = await community.command("mod", "givefirst", "dashboard")
    reply = await community.reply(asked, "dashboard")
    assert reply.body["flags"] & EPHEMERAL, "only the admin who asked sees the link"
    key = f"discord:{GUILD_ID}"
    found = re.search(
        rf"\[Open your community's dashboard\]\(<({PUBLIC_URL}/admin/{key}/sign-in/[\w.-]+)>\)",
        reply.body["content"],
    )
    assert found is not None, reply.body["content"]

    # `givefirst web` serves the dashboard for Discord communities.
    path = found.group(1).removeprefix(PUBLIC_URL)
    async with TestClient(
        TestServer(dashboard_application(community.bot, public_url=PUBLIC_URL))
    ) as web:
        signed_in = await web.post(path, allow_redirects=False)
        assert signed_in.status == 303
        cookie = signed_in.cookies[SESSION_COOKIE]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
        assert cookie["path"] == f"/admin/{key}/"
        page = await web.get(f"/admin/{key}/", cookies={SESSION_COOKIE: cookie.value})
        assert page.status == 200
        assert "How giving is going" in await page.text()
