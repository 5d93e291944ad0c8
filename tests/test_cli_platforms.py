"""Scheduled work from the command line, on both platforms: `givefirst scheduler` and
`givefirst digest` post each community's messages on its own platform (Slack through
its Web API, Discord through its REST API alone), against the local fake Slack and
fake Discord."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import unused_port
from click.testing import CliRunner, Result

from bot.clock import SystemClock
from bot.domain import Community
from bot.scheduler import Scheduler
from givefirst import cli
from givefirst.cli import serve
from givefirst.settings import Settings
from givefirst.testing.fake_discord import BOT_TOKEN as DISCORD_TOKEN
from givefirst.testing.fake_discord import CHANNEL_ID, GUILD_ID, FakeDiscord, RestCall, text_of
from givefirst.testing.fake_slack import BOT_TOKEN as SLACK_TOKEN
from givefirst.testing.fake_slack import TEAM_ID, ApiCall, FakeSlack
from storage import Storage

SLACK_CHANNEL = "C0DIGEST"
DISCORD_POSTS = rf"/channels/{CHANNEL_ID}/messages"
NEIGHBOUR = f"slack:{TEAM_ID}0"  # another workspace, whose key starts with ours


@pytest.fixture
async def database(tmp_path: Path) -> str:
    """A Slack workspace and a Discord server, each a month old, their digests due."""
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
    finally:
        await storage.dispose()
    await add_community(url, f"slack:{TEAM_ID}", SLACK_CHANNEL)
    await add_community(url, f"discord:{GUILD_ID}", str(CHANNEL_ID))
    return url


async def add_community(url: str, key: str, channel: str | None) -> None:
    """A community a month old, so its weekly digest is due."""
    storage = Storage.connect(url)
    try:
        async with storage.unit_of_work() as uow:
            await uow.communities.add(
                Community(
                    key=key,
                    channel_id=channel,
                    skip_quiet_weeks=False,
                    created_at=SystemClock().now() - timedelta(days=30),
                )
            )
            await uow.commit()
    finally:
        await storage.dispose()


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


async def schedule_until_both_post(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> tuple[ApiCall, RestCall]:
    """Run `givefirst scheduler` with both platforms' credentials until each has a post,
    and a few ticks more (nothing may be posted twice); returns the two posts."""
    settings = Settings(
        slack_bot_token=SLACK_TOKEN,
        slack_api_url=slack.api_url,
        discord_token=DISCORD_TOKEN,
        discord_api_url=discord.api_url,
    )
    stop = asyncio.Event()
    scheduler = asyncio.create_task(serve._scheduler(database, settings, every=0.05, stop=stop))
    try:
        on_slack = await slack.wait_for("chat.postMessage", timeout=10)
        on_discord = await discord.wait_for("POST", DISCORD_POSTS, within=10)
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await scheduler
    return on_slack, on_discord


async def test_the_scheduler_posts_each_communitys_digest_on_its_own_platform(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    on_slack, on_discord = await schedule_until_both_post(database, slack, discord)
    assert on_slack.ok and on_slack.args["channel"] == SLACK_CHANNEL
    assert "week" in str(on_slack.args).lower()
    assert on_discord.status == 200 and "week" in text_of(on_discord.body).lower()
    assert len(slack.calls("chat.postMessage")) == 1
    assert len(discord.calls("POST", r"/channels/\d+/messages")) == 1
    assert discord.identified == [], "Discord through REST alone: no gateway connection"


async def test_the_scheduler_plans_once_for_both_platforms(
    database: str, slack: FakeSlack, discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    # A planner tells once that a community has no digest channel; two would tell twice.
    await add_community(database, "slack:T0NOCHANNEL", None)
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    await schedule_until_both_post(database, slack, discord)
    told = [r.getMessage() for r in caplog.records if "slack:T0NOCHANNEL" in r.getMessage()]
    assert told == ["no digest for slack:T0NOCHANNEL: no channel is set (it will post once one is)"]


async def test_a_refused_discord_token_stops_givefirst_before_any_work_is_claimed(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    env = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_TOKEN": "not.the.bot-token",
        "DISCORD_API_URL": discord.api_url,
    }
    for command in (
        ("discord", "--no-scheduler"),
        ("scheduler",),
        ("digest", "--community", f"discord:{GUILD_ID}"),
    ):
        refused = await givefirst(database, *command, env=env)
        assert refused.exit_code == 2, (command, refused.output)
        assert "Discord refused DISCORD_TOKEN" in refused.output
    assert [c.status for c in discord.calls("GET", "/users/@me")] == [401, 401, 401]
    assert slack.calls("chat.postMessage") == [], "Slack's scheduled work did not start either"

    fixed = env | {"DISCORD_TOKEN": DISCORD_TOKEN}
    posted = await givefirst(database, "digest", "--community", f"discord:{GUILD_ID}", env=fixed)
    assert posted.exit_code == 0, posted.output
    assert "Posted (1 sent" in posted.output, "the refused runs left the week unclaimed"


async def test_slack_with_a_malformed_app_token_does_not_start(database: str) -> None:
    env = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": "s", "SLACK_APP_TOKEN": "bad"}
    refused = await givefirst(database, "slack", env=env)
    assert refused.exit_code == 2, refused.output
    assert "SLACK_APP_TOKEN is not an app-level token (those start with xapp-)" in refused.output


async def test_discord_out_of_reach_stops_givefirst_with_a_line_saying_so(database: str) -> None:
    """No network, or a name that does not resolve: a line saying what to check, not a
    crash to report."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens there once it is closed
    env = {"DISCORD_TOKEN": DISCORD_TOKEN, "DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10"}
    failed = await givefirst(database, "discord", "--no-scheduler", env=env)
    assert failed.exit_code == 1, failed.output
    assert "Could not reach 127.0.0.1: " in failed.output, failed.output
    assert "network connection" in failed.output
    assert "Something went wrong" not in failed.output and "report" not in failed.output


async def test_a_digest_with_a_slack_token_slack_refuses_stops_before_claiming_the_week(
    database: str, slack: FakeSlack, discord: FakeDiscord
) -> None:
    slack.revoke(SLACK_TOKEN)
    env = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_API_URL": slack.api_url,
        "DISCORD_TOKEN": "not.the.bot-token",  # another platform's problem: not this one's
        "DISCORD_API_URL": discord.api_url,
    }
    refused = await givefirst(database, "digest", "--community", f"slack:{TEAM_ID}", env=env)
    assert refused.exit_code == 2, refused.output
    assert "Slack refused SLACK_BOT_TOKEN (token_revoked)" in refused.output
    assert discord.calls("GET", "/users/@me") == [], "Discord is not this digest's platform"

    fixed = env | {"SLACK_BOT_TOKEN": "xoxb-the-new-token"}
    posted = await givefirst(database, "digest", "--community", f"slack:{TEAM_ID}", env=fixed)
    assert posted.exit_code == 0, posted.output
    assert "Posted (1 sent" in posted.output, "the refused run left the week unclaimed"


async def test_givefirst_slack_stops_at_once_on_a_token_slack_refuses(
    database: str, slack: FakeSlack
) -> None:
    slack.revoke(SLACK_TOKEN)
    env = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": "signing-secret",
        "SLACK_API_URL": slack.api_url,
    }
    refused = await givefirst(database, "slack", "--port", str(unused_port()), env=env)
    assert refused.exit_code == 2, refused.output
    assert "Slack refused SLACK_BOT_TOKEN (token_revoked)" in refused.output
    assert [c.response["error"] for c in slack.calls("auth.test")] == ["token_revoked"]


async def test_givefirst_digest_posts_only_that_communitys_messages(
    database: str, slack: FakeSlack
) -> None:
    await add_community(database, NEIGHBOUR, "C0NEIGHBOUR")
    storage = Storage.connect(database)
    try:
        # The neighbouring workspace's digest waits in the outbox for its own scheduler.
        waiting = Scheduler(storage.unit_of_work, SystemClock())
        assert await waiting.claim_current_digest(NEIGHBOUR, even_if_quiet=True) == ("queued")
    finally:
        await storage.dispose()

    env = {"SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_API_URL": slack.api_url}
    posted = await givefirst(database, "digest", "--community", f"slack:{TEAM_ID}", env=env)
    assert posted.exit_code == 0, posted.output
    assert "Posted (1 sent" in posted.output
    channels = [c.args["channel"] for c in slack.calls("chat.postMessage")]
    assert channels == [SLACK_CHANNEL], "the neighbour's digest is not this command's to post"


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
