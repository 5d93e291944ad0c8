"""Fixtures that run a real Bolt app against the local fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters.inflight import InFlight
from adapters.slack.server import SlackOptions, create_app, web_application
from bot.app import GiveFirst
from bot.clock import FakeClock
from givefirst.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    SlackRequests,
    serve_bolt_app,
)
from storage import Storage
from tests.slack.community import CHANNEL, SlackCommunity


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


@pytest.fixture
def slack_client(fake_slack: FakeSlack) -> AsyncWebClient:
    """A bot-token Web API client aimed at the fake, retrying 429s as production should."""
    client = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    return client


@pytest.fixture
def bolt_app(slack_client: AsyncWebClient) -> AsyncApp:
    """A bare Bolt app; tests register the listeners they need."""
    return AsyncApp(client=slack_client, signing_secret=SIGNING_SECRET)


@pytest.fixture
async def slack_requests(bolt_app: AsyncApp) -> AsyncIterator[SlackRequests]:
    """Signed Slack requests to `bolt_app`, served over real HTTP on 127.0.0.1."""
    async with serve_bolt_app(bolt_app) as url, aiohttp.ClientSession() as session:
        yield SlackRequests(session, url, SIGNING_SECRET)


@pytest.fixture
async def socket_mode(bolt_app: AsyncApp) -> AsyncIterator[AsyncSocketModeHandler]:
    """`bolt_app` connected to the fake over Socket Mode (slack_sdk's aiohttp client)."""
    handler = AsyncSocketModeHandler(bolt_app, APP_TOKEN)
    await handler.connect_async()  # type: ignore[no-untyped-call]  # slack_bolt leaves it untyped
    yield handler
    await handler.close_async()  # type: ignore[no-untyped-call]


@pytest.fixture
async def slack(fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[SlackCommunity]:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'slack.db'}")
    await storage.upgrade()
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock)
    # Calls to Slack share one session, as `givefirst slack` sets it up.
    slack_session = aiohttp.ClientSession()
    in_flight = InFlight()
    app = create_app(
        bot,
        SlackOptions(
            signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, api_url=fake_slack.api_url
        ),
        session=slack_session,
        in_flight=in_flight,
    )
    runner = web.AppRunner(web_application(app), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    url = f"http://{host}:{port}"
    try:
        async with aiohttp.ClientSession() as session:
            requests = SlackRequests(session, f"{url}/slack/events", SIGNING_SECRET)
            fake_slack.set_member("U0ANA", name="ana", is_admin=True)
            community = SlackCommunity(fake_slack, requests, bot, clock, url, storage)
            await community.command("ana", "/givefirst", f"config channel <#{CHANNEL}|offers>")
            await fake_slack.wait_for("response_url")  # the channel is set
            yield community
    finally:
        # What a test's last command still does after its answer (a follow-up, saving
        # what Slack said) ends before the database closes, as `givefirst slack` waits.
        await in_flight.drain(10)
        await runner.cleanup()
        await slack_session.close()
        await storage.dispose()
