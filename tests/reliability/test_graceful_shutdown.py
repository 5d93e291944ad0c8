"""`givefirst slack` and `givefirst discord` stopped by SIGTERM in the middle of a
command, as a deploy does: they take nothing new, finish the command (the member gets
their answer, the offer is stored), and exit cleanly; a second signal exits at once."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from givefirst.testing.fake_discord import (
    APP_ID,
    BOT_TOKEN,
    FakeDiscord,
    command_data,
    text_of,
)
from givefirst.testing.fake_slack import (
    BOT_TOKEN as SLACK_TOKEN,
)
from givefirst.testing.fake_slack import (
    SIGNING_SECRET,
    FakeSlack,
    SlackRequests,
    slash_command,
)
from storage import Storage
from tests.reliability.conftest import Process, Processes, free_port, until, until_healthy

SLOW = 2.0
"""How long the platform takes over the command in flight when SIGTERM comes."""


async def offers_in(url: str) -> list[str]:
    storage = Storage.connect(url)
    try:
        async with storage.unit_of_work() as uow:
            found = []
            for community in await uow.communities.list():
                found += [o.text for o in await uow.offers.open_in(community.id or 0)]
            return found
    finally:
        await storage.dispose()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


async def serve_slack(
    processes: Processes, slack: FakeSlack, database: str
) -> tuple[Process, str, aiohttp.ClientSession]:
    port = free_port()
    process = await processes.start(
        "slack",
        "slack",
        "--port",
        str(port),
        "--no-scheduler",
        env={
            "DATABASE_URL": database,
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.api_url,
        },
    )
    session = aiohttp.ClientSession()
    base = f"http://127.0.0.1:{port}"
    try:
        await until_healthy(session, base, processes)
    except BaseException:
        await session.close()
        raise
    return process, base, session


async def test_givefirst_slack_finishes_the_command_in_flight_and_exits(
    processes: Processes, slack: FakeSlack, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'givefirst.db'}"
    process, base, session = await serve_slack(processes, slack, database)
    async with session:
        slack.slow("users.info", lambda args: SLOW)  # the command is in flight a while
        requests = SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET)
        response_url = slack.response_url()
        fields = slash_command("/offer", "resume reviews #resume", response_url=response_url)
        assert (await requests.command(fields)).status == 200
        await slack.wait_for("users.info")
        process.send(signal.SIGTERM)
        await asyncio.sleep(0.3)
        with pytest.raises(aiohttp.ClientError):  # nothing new is taken
            await session.get(f"{base}/healthz")
        code = await process.exited(within=10)
    answer = await slack.wait_for("response_url", timeout=1)
    assert "Thank you for giving first" in str(answer.args), "the member got their answer"
    assert await offers_in(database) == ["resume reviews #resume"]
    assert code == 0
    assert "1 in flight finished, 0 cut" in process.output()


async def test_a_second_signal_exits_at_once(
    processes: Processes, slack: FakeSlack, tmp_path: Path
) -> None:
    process, base, session = await serve_slack(
        processes, slack, f"sqlite:///{tmp_path / 'givefirst.db'}"
    )
    async with session:
        slack.slow("users.info", lambda args: 30.0)
        requests = SlackRequests(session, f"{base}/slack/events", SIGNING_SECRET)
        fields = slash_command("/offer", "resume reviews", response_url=slack.response_url())
        assert (await requests.command(fields)).status == 200
        await slack.wait_for("users.info")
        process.send(signal.SIGTERM)
        await asyncio.sleep(0.3)
        process.send(signal.SIGTERM)
        assert await process.exited(within=3) == 128 + signal.SIGTERM


async def test_givefirst_discord_finishes_the_command_in_flight_and_exits(
    processes: Processes, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'givefirst.db'}"
    async with FakeDiscord() as discord:
        ana = discord.add_user(1_310_000_000_000_000_001, "ana")
        process = await processes.start(
            "discord",
            "discord",
            "--no-scheduler",
            env={
                "DATABASE_URL": database,
                "DISCORD_TOKEN": BOT_TOKEN,
                "DISCORD_API_URL": discord.api_url,
                "DISCORD_GATEWAY_URL": discord.gateway_url,
            },
        )
        try:
            await until(lambda: discord.identified, within=20, what="connected to the gateway")
            await discord.wait_for("PUT", r"/applications/\d+/commands", within=10)
        except TimeoutError:
            pytest.fail(processes.outputs())
        await asyncio.sleep(0.2)
        follow_ups = rf"/webhooks/{APP_ID}/[^/]+"
        discord.slow("POST", follow_ups, lambda path, body: SLOW)
        data = command_data("offer", [{"name": "text", "type": 3, "value": "bike repairs"}])
        interaction = discord.new_interaction(ana, 2, data)
        await discord.dispatch("INTERACTION_CREATE", interaction)
        await discord.wait_for("POST", r"/interactions/\d+/[^/]+/callback")  # "thinking…"
        await discord.wait_for("POST", follow_ups)  # the answer is on its way
        process.send(signal.SIGTERM)
        code = await process.exited(within=10)
        [answer] = [c for c in discord.calls("POST", follow_ups) if c.status == 200]
    assert "Thank you for giving first" in text_of(answer.body)
    assert await offers_in(database) == ["bike repairs"]
    assert code == 0
    assert "1 in flight finished, 0 cut" in process.output()
