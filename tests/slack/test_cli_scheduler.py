"""`givefirst slack` does the scheduled work too, unless told not to."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.domain import Community
from givefirst.cli import serve
from givefirst.settings import Settings
from givefirst.testing.fake_slack import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, FakeSlack
from storage import Storage

DIGEST_CHANNEL = "C0DIGEST"


@pytest.fixture
async def database(tmp_path: Path) -> str:
    """A workspace a month old whose weekly digest is due, and a Discord server's."""
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    await storage.upgrade()
    month_ago = SystemClock().now() - timedelta(days=30)
    try:
        async with storage.unit_of_work() as uow:
            for key, channel in ((f"slack:{TEAM_ID}", DIGEST_CHANNEL), ("discord:4242", "4243")):
                await uow.communities.add(
                    Community(
                        key=key, channel_id=channel, skip_quiet_weeks=False, created_at=month_ago
                    )
                )
            await uow.commit()
    finally:
        await storage.dispose()
    return url


@contextlib.asynccontextmanager
async def givefirst_slack(
    database: str, fake_slack: FakeSlack, *, scheduled: bool
) -> AsyncIterator[None]:
    settings = Settings(
        slack_signing_secret=SIGNING_SECRET,
        slack_bot_token=BOT_TOKEN,
        slack_api_url=fake_slack.api_url,
    )
    server = asyncio.create_task(serve._slack(database, settings, "127.0.0.1", 0, scheduled))
    try:
        yield
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server


async def test_givefirst_slack_posts_the_weekly_digest_when_it_is_due(
    database: str, fake_slack: FakeSlack
) -> None:
    async with givefirst_slack(database, fake_slack, scheduled=True):
        digest = await fake_slack.wait_for(
            "chat.postMessage", lambda c: c.args.get("channel") == DIGEST_CHANNEL, timeout=10
        )
    assert "week" in str(digest.args).lower()
    channels = [c.args.get("channel") for c in fake_slack.calls("chat.postMessage")]
    assert channels == [DIGEST_CHANNEL], "the Discord server's digest is not Slack's to post"


async def test_without_the_scheduler_nothing_is_posted(
    database: str, fake_slack: FakeSlack
) -> None:
    async with givefirst_slack(database, fake_slack, scheduled=False):
        with pytest.raises(TimeoutError):
            await fake_slack.wait_for("chat.postMessage", timeout=1)
