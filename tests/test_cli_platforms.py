"""Scheduled work from the command line, on both platforms: `givefirst scheduler` and
`givefirst digest` post each community's messages on its own platform (Slack through
its Web API, Discord through its REST API alone), against the local fake Slack and
fake Discord."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.clock import SystemClock
from bot.domain import Community
from bot.settings import Settings
from givefirst import cli
from storage import Storage
from tests.discord.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from tests.discord.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord, text_of
from tests.slack.fake_slack import BOT_TOKEN as SLACK_TOKEN
from tests.slack.fake_slack import TEAM_ID, FakeSlack

SLACK_CHANNEL = "C0DIGEST"
DISCORD_POSTS = rf"/channels/{CHANNEL_ID}/messages"


@pytest.fixture
async def database(tmp_path: Path) -> str:
    """A Slack workspace and a Discord server, each a month old, their digests due."""
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    await storage.upgrade()
    month_ago = SystemClock().now() - timedelta(days=30)
    try:
        async with storage.unit_of_work() as uow:
            for key, channel in (
                (f"slack:{TEAM_ID}", SLACK_CHANNEL),
                (f"discord:{GUILD_ID}", str(CHANNEL_ID)),
            ):
                await uow.communities.add(
                    Community(
                        key=key, channel_id=channel, skip_quiet_weeks=False, created_at=month_ago
                    )
                )
            await uow.commit()
    finally:
        await storage.dispose()
    return url


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as fake:
        yield fake


async def givefirst(database: str, *args: str, env: dict[str, str]) -> Result:
    """Run the real command line (its own event loop, in a thread) with ``env`` set."""
    blank = {name: "" for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "DISCORD_TOKEN")}
    return await asyncio.to_thread(
        CliRunner().invoke, cli.main, ["--database-url", database, *args], env=blank | env
    )


async def test_the_scheduler_posts_each_communitys_digest_on_its_own_platform(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    settings = Settings(
        slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack.api_url,
        discord_token=DISCORD_TOKEN,
        discord_api_url=discord.api_url,
    )
    stop = asyncio.Event()
    scheduler = asyncio.create_task(cli._scheduler(database, settings, every=0.05, stop=stop))
    try:
        on_slack = await slack.wait_for("chat.postMessage", timeout=10)
        on_discord = await discord.wait_for("POST", DISCORD_POSTS, within=10)
        await asyncio.sleep(0.3)  # a few more ticks: nothing is posted twice
    finally:
        stop.set()
        await scheduler
    assert on_slack.ok and on_slack.args["channel"] == SLACK_CHANNEL
    assert "week" in str(on_slack.args).lower()
    assert on_discord.status == 200 and "week" in text_of(on_discord.body).lower()
    assert len(slack.calls("chat.postMessage")) == 1
    assert len(discord.calls("POST", r"/channels/\d+/messages")) == 1
    assert discord.identified == [], "Discord through REST alone: no gateway connection"


async def test_givefirst_digest_posts_a_discord_servers_digest_once(
    database: str, discord: FakeDiscord
) -> None:
    env = {"DISCORD_TOKEN": DISCORD_TOKEN, "DISCORD_API_URL": discord.api_url}
    posted = await givefirst(database, "digest", "--community", f"discord:{GUILD_ID}", env=env)
    assert posted.exit_code == 0, posted.output
    assert "Posted (1 sent" in posted.output
    [post] = discord.calls("POST", DISCORD_POSTS)
    assert post.status == 200 and "week" in text_of(post.body).lower()

    again = await givefirst(database, "digest", "--community", f"discord:{GUILD_ID}", env=env)
    assert again.exit_code == 0, again.output
    assert "already out" in again.output
    assert len(discord.calls("POST", DISCORD_POSTS)) == 1


async def test_posting_needs_the_communitys_platform_credentials(database: str) -> None:
    refused = await givefirst(
        database, "digest", "--community", f"discord:{GUILD_ID}", env={"SLACK_BOT_TOKEN": "x"}
    )
    assert refused.exit_code == 2
    assert "DISCORD_TOKEN" in refused.output
    scheduler = await givefirst(database, "scheduler", env={})
    assert scheduler.exit_code == 2
    assert "--console" in scheduler.output
