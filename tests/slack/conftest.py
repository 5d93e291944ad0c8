"""Fixtures that run a real Bolt app against the local fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from givefirst.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    FakeSlack,
    SlackRequests,
    serve_bolt_app,
)


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
