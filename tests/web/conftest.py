"""A real headless Chromium (Debian's ``chromium`` with ``chromium-driver``, driven by
Selenium) and givefirst on Slack in HTTP mode with its dashboard, against the fake
Slack: what an admin's browser sees, from the link ``/givefirst dashboard`` gives them.

Without Chromium the browser tests are skipped on a developer's machine with a note
saying how to install it; under CI (``CI`` set) they fail instead, so they always run
there."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import unused_port
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from adapters.slack.server import SlackOptions, create_app, web_application
from adapters.web import add_dashboard
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.sign_in import DashboardAccess
from givefirst.testing.browser import CHROMEDRIVER, CHROMIUM, headless_chromium
from givefirst.testing.fake_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_ID,
    ApiCall,
    FakeSlack,
    SlackRequests,
    slash_command,
)
from storage import Storage
from tests.core.conftest import Town
from tests.core.fakes import FakeChat

COMMUNITY = f"slack:{TEAM_ID}"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
"""Where the test run leaves its screenshots (not kept in git)."""
T = TypeVar("T")


class Browser:
    """Selenium's blocking calls, run beside the event loop that serves givefirst."""

    def __init__(self, driver: WebDriver, downloads: Path) -> None:
        self.driver = driver
        self.downloads = downloads

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def open(self, url: str) -> None:
        await self.call(self.driver.get, url)

    async def click(self, css: str) -> None:
        """Click, and wait for the page it leads to (if it leads to one)."""
        element = await self.call(self.driver.find_element, "css selector", css)
        leaves = await self.call(lambda: element.get_attribute("download") is None)
        # A mark on this page's window, gone once the next page has loaded. (Waiting
        # for the old <html> to go stale races the navigation: Chromium may answer
        # about a node of a document that is half torn down.)
        await self.call(self.driver.execute_script, "window.givefirstClicked = true")
        await self.call(element.click)
        if leaves:
            wait = WebDriverWait(self.driver, 10, ignored_exceptions=[WebDriverException])
            await self.call(wait.until, _next_page_loaded)

    async def text(self, css: str = "body") -> str:
        element = await self.call(self.driver.find_element, "css selector", css)
        return await self.call(lambda: element.text)

    async def count(self, css: str) -> int:
        return len(await self.call(self.driver.find_elements, "css selector", css))

    async def source(self) -> str:
        return await self.call(lambda: self.driver.page_source)

    async def screenshot(self, path: Path, width: int, height: int | None = None) -> None:
        """The page at this window width: all of it, or its first ``height`` pixels."""
        self.driver.set_window_size(width, height or 900)
        if height is None:
            whole = await self.call(
                self.driver.execute_script, "return document.documentElement.scrollHeight"
            )
            self.driver.set_window_size(width, int(whole) + 20)
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.call(self.driver.save_screenshot, str(path))
        self.driver.set_window_size(1280, 900)

    async def downloaded(self, name: str, timeout: float = 10) -> Path:  # noqa: ASYNC109
        path = self.downloads / name
        for _ in range(int(timeout * 10)):
            if path.exists() and not list(self.downloads.glob("*.crdownload")):
                return path
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name} was not downloaded: {list(self.downloads.iterdir())}")


def _next_page_loaded(driver: WebDriver) -> bool:
    return bool(
        driver.execute_script(
            "return !window.givefirstClicked && document.readyState === 'complete'"
        )
    )


def _start_chromium(downloads: Path, profile: str) -> WebDriver:
    driver = headless_chromium(
        profile,
        "--window-size=1280,900",
        prefs={"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        message = (
            f"the dashboard's browser tests need {CHROMIUM} and {CHROMEDRIVER}: "
            "apt-get install chromium chromium-driver"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with tempfile.TemporaryDirectory(prefix="givefirst-chromium-") as profile:
        driver = await asyncio.to_thread(_start_chromium, downloads, profile)
        try:
            yield Browser(driver, downloads)
        finally:
            await asyncio.to_thread(driver.quit)


@dataclass
class Dashboard:
    """givefirst on Slack over HTTP, its dashboard on the same server, and a community
    whose history was told through the bot itself."""

    url: str
    fake: FakeSlack
    requests: SlackRequests
    bot: GiveFirst
    clock: FakeClock
    town: Town

    async def command(self, user_id: str, text: str, community: str = TEAM_ID) -> ApiCall:
        """``/givefirst TEXT`` from a Slack member; the reply they alone see."""
        response_url = self.fake.response_url()
        fields = slash_command(
            "/givefirst",
            text,
            response_url=response_url,
            user_id=user_id,
            user_name=user_id.lower(),
            team_id=community,
        )
        assert (await self.requests.command(fields)).status == 200
        return await self.fake.wait_for(
            "response_url", lambda call: call.path.endswith(response_url.rsplit("/", 1)[1])
        )

    async def sign_in_link(self, user_id: str = "U0ADMIN", community: str = TEAM_ID) -> str:
        reply = await self.command(user_id, "dashboard", community)
        links = [
            element["url"]
            for block in reply.args.get("blocks", [])
            for section in block.get("elements", [])
            for element in section.get("elements", [])
            if element.get("type") == "link"
        ]
        assert len(links) == 1, json.dumps(reply.args)
        assert reply.args.get("response_type") == "ephemeral"
        return str(links[0])


@pytest.fixture
async def dashboard(tmp_path: Path) -> AsyncIterator[Dashboard]:
    port = unused_port()
    url = f"http://127.0.0.1:{port}"
    storage = Storage.connect(f"sqlite:///{tmp_path / 'dashboard.db'}")
    await storage.upgrade()
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock, dashboard=DashboardAccess(public_url=url))
    town = Town(bot, FakeChat(), clock, storage.unit_of_work, storage, community=COMMUNITY)
    async with FakeSlack() as fake, aiohttp.ClientSession() as session:
        fake.set_member("U0ADMIN", name="pat", is_admin=True)
        fake.set_member("U0DANA", name="dana")
        app = create_app(
            bot,
            SlackOptions(signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, api_url=fake.api_url),
            session=session,
        )
        # As `givefirst slack` serves it: Slack's events and the dashboard on one server.
        application = web_application(app)
        add_dashboard(application, bot, public_url=url)
        runner = web.AppRunner(application, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            requests = SlackRequests(session, f"{url}/slack/events", SIGNING_SECRET)
            yield Dashboard(url, fake, requests, bot, clock, town)
        finally:
            await runner.cleanup()
            await storage.dispose()
