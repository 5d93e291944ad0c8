"""The serving commands as operators run them: `givefirst slack` in HTTP mode serves the
dashboard beside Slack's events, `givefirst web` serves it alone (and prints a sign-in
link for a console community), and each answers Prometheus on its metrics port."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import unused_port

from bot.domain import Community
from givefirst.cli import serve
from givefirst.settings import Settings
from givefirst.testing.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    FakeSlack,
    SlackRequests,
    slash_command,
)
from storage import Storage


@pytest.fixture
async def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'givefirst.db'}"
    storage = Storage.connect(url)
    try:
        await storage.upgrade()
        async with storage.unit_of_work() as uow:
            await uow.communities.add(Community(key="console:shell"))
            await uow.commit()
    finally:
        await storage.dispose()
    return url


@contextlib.asynccontextmanager
async def serving(work: Awaitable[None], url: str) -> AsyncIterator[None]:
    """Run a serving command in the background until it answers at ``url``."""
    task = asyncio.ensure_future(work)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(100):
                if task.done():
                    task.result()
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.05)
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_slack_in_http_mode_serves_the_dashboard_and_metrics(database: str) -> None:
    port, metrics_port = unused_port(), unused_port()
    url = f"http://127.0.0.1:{port}"
    async with FakeSlack() as fake, aiohttp.ClientSession() as session:
        fake.set_member("U0ADMIN", name="pat", is_admin=True)
        settings = Settings(
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.api_url,
            givefirst_public_url=url,
        )
        watch = serve.MetricsAddress("127.0.0.1", metrics_port)
        work = serve._slack(database, settings, "127.0.0.1", port, scheduled=False, watch=watch)
        async with serving(work, f"{url}/healthz"):
            requests = SlackRequests(session, f"{url}/slack/events", SIGNING_SECRET)
            response_url = fake.response_url()
            fields = slash_command(
                "/givefirst", "dashboard", response_url=response_url, user_id="U0ADMIN"
            )
            assert (await requests.command(fields)).status == 200
            reply = await fake.wait_for("response_url")
            [link] = re.findall(rf"{url}/admin/slack:{TEAM_ID}/sign-in/[\w.-]+", str(reply.args))
            assert "sign-in" not in reply.args["text"], "notifications show no half links"

            async with session.get(link) as page:
                assert page.status == 200
                assert "Sign in to slack:T0GIVE1ST" in await page.text()
            async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as scraped:
                metrics = await scraped.text()
    assert re.search(r'givefirst_ack_seconds_count\{platform="slack"\} [1-9]', metrics)
    assert 'givefirst_events_handled_total{kind="OpenDashboard",outcome="done"} 1.0' in metrics


async def test_web_serves_the_dashboard_alone_and_prints_a_console_sign_in_link(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    watch = serve.MetricsAddress("127.0.0.1", None)
    work = serve._web(database, Settings(), "127.0.0.1", port, "console:shell", watch)
    # A cookie jar that, like a browser, keeps cookies from an IP address.
    jar = aiohttp.CookieJar(unsafe=True)
    async with serving(work, f"{url}/admin/"), aiohttp.ClientSession(cookie_jar=jar) as session:
        [link] = re.findall(rf"{url}/admin/console:shell/sign-in/[\w.-]+", capsys.readouterr().out)
        async with session.post(link) as dashboard:
            assert dashboard.status == 200
            assert "How giving is going" in await dashboard.text()
        async with session.post(link) as again:  # signed in already: the figures
            assert again.status == 200
            assert "How giving is going" in await again.text()
        async with aiohttp.ClientSession() as stranger, stranger.post(link) as used:
            assert used.status == 403
            assert "already used" in await used.text()
