"""Installing givefirst in several workspaces through Slack's OAuth flow, end to end:
the real Bolt app and its install pages behind a real HTTP server, installations in
givefirst's own database (SQLite and PostgreSQL), and the fake Slack playing
slack.com's side (the member pressing "Allow", then `oauth.v2.access`)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web

from adapters.slack.server import (
    BOT_SCOPES,
    SlackOptions,
    chat_for_scheduled_work,
    create_app,
    web_application,
)
from bot.app import GiveFirst
from bot.clock import FakeClock
from givefirst.cli.serve import slack_options
from givefirst.settings import Settings
from givefirst.testing.fake_slack import (
    SIGNING_SECRET,
    FakeSlack,
    SlackRequests,
    event_callback,
    slash_command,
)
from storage import Storage

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"
MAKERS, WRITERS = "T0MAKERS", "T0WRITERS"


@dataclass
class Distributed:
    """givefirst as a distributed Slack app, and a browser to install it with."""

    fake: FakeSlack
    bot: GiveFirst
    clock: FakeClock
    options: SlackOptions
    base: str
    events: SlackRequests
    browser: aiohttp.ClientSession
    slack_session: aiohttp.ClientSession

    async def install_page(self) -> dict[str, list[str]]:
        """Open /slack/install; returns the query of its "Add to Slack" link."""
        async with self.browser.get(f"{self.base}/slack/install") as page:
            assert page.status == 200
            body = await page.text()
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', body)
        assert link is not None, body
        return parse_qs(urlsplit(html.unescape(link.group(1))).query)

    async def redirect(
        self, code: str, state: str, browser: aiohttp.ClientSession | None = None
    ) -> tuple[int, str]:
        """Slack sends the member's browser back to /slack/oauth_redirect."""
        url = f"{self.base}/slack/oauth_redirect"
        async with (browser or self.browser).get(
            url, params={"code": code, "state": state}, allow_redirects=False
        ) as page:
            return page.status, await page.text()

    async def install(self, team_id: str, team_name: str) -> str:
        """The whole flow for one workspace; returns the bot token it was given."""
        state = (await self.install_page())["state"][0]
        code, token = self.fake.approve_install(
            CLIENT_ID, team_id=team_id, team_name=team_name, installer=f"U0OWNER{team_id[-2:]}"
        )
        status, page = await self.redirect(code, state)
        assert status == 200, page
        return token

    async def offer(self, team_id: str, user_id: str, text: str) -> int:
        fields = slash_command(
            "/offer",
            text,
            response_url=self.fake.response_url(),
            user_id=user_id,
            team_id=team_id,
        )
        return (await self.events.command(fields)).status

    async def installed_bot_token(self, team_id: str) -> str | None:
        store = self.options.installation_store
        assert store is not None
        bot = await store.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None


@pytest.fixture
async def distributed(fake_slack: FakeSlack, storage: Storage) -> AsyncIterator[Distributed]:
    fake_slack.register_app(CLIENT_ID, CLIENT_SECRET)
    settings = Settings(
        slack_signing_secret=SIGNING_SECRET,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
        slack_api_url=fake_slack.api_url,
        slack_bot_token=None,
    )
    options = slack_options(settings, storage)  # as `givefirst slack` wires it
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock)
    async with aiohttp.ClientSession() as slack_session:
        app = create_app(bot, options, session=slack_session)
        runner = web.AppRunner(web_application(app), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            base = f"http://{host}:{port}"
            # A browser: Bolt ties each install to a Secure cookie, which browsers keep
            # for a local address too, as a secure origin; a deployment serves HTTPS.
            jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base])
            async with (
                aiohttp.ClientSession(cookie_jar=jar) as browser,
                aiohttp.ClientSession() as slack_side,
            ):
                yield Distributed(
                    fake_slack,
                    bot,
                    clock,
                    options,
                    base,
                    SlackRequests(slack_side, f"{base}/slack/events", SIGNING_SECRET),
                    browser,
                    slack_session,
                )
        finally:
            await runner.cleanup()


async def test_each_workspace_installs_givefirst_and_is_served_by_its_own_bot(
    distributed: Distributed,
) -> None:
    link = await distributed.install_page()
    assert link["client_id"] == [CLIENT_ID]
    assert set(link["scope"][0].split(",")) == set(BOT_SCOPES), "the scopes the README lists"

    makers = await distributed.install(MAKERS, "Makers")
    writers = await distributed.install(WRITERS, "Writers")
    exchanges = distributed.fake.calls("oauth.v2.access")
    assert [call.ok for call in exchanges] == [True, True]
    assert await distributed.installed_bot_token(MAKERS) == makers, "stored in our database"
    assert await distributed.installed_bot_token(WRITERS) == writers

    assert await distributed.offer(MAKERS, "U0MAKER1", "Happy to review resumes #resume") == 200
    post = await distributed.fake.wait_for(
        "chat.postMessage", lambda call: "review resumes" in str(call.args)
    )
    assert post.ok and post.token == makers, "posted as the bot installed in that workspace"
    assert await distributed.offer(WRITERS, "U0WRITER1", "I can edit short stories") == 200
    post = await distributed.fake.wait_for(
        "chat.postMessage", lambda call: "short stories" in str(call.args)
    )
    assert post.ok and post.token == writers

    community = await distributed.bot.community(f"slack:{MAKERS}")
    assert community is not None, "each workspace is a community of its own"


async def test_scheduled_work_reaches_a_workspace_as_the_bot_installed_there(
    distributed: Distributed,
) -> None:
    makers = await distributed.install(MAKERS, "Makers")
    assert await distributed.offer(MAKERS, "U0MAKER1", "Happy to review resumes #resume") == 200
    await distributed.fake.wait_for("chat.postMessage", lambda call: call.token == makers)

    distributed.clock.advance(timedelta(days=31))  # the offer is due a "still relevant?"
    chat_for = chat_for_scheduled_work(distributed.options, session=distributed.slack_session)
    assert await distributed.bot.run_due_work(chat_for) >= 1
    check = await distributed.fake.wait_for(
        "chat.postMessage", lambda call: "still" in str(call.args).lower()
    )
    assert check.ok and check.token == makers
    [dm] = [
        c for c in distributed.fake.calls("conversations.open") if c.args["users"] == "U0MAKER1"
    ]
    assert dm.token == makers
    assert check.args["channel"] == dm.response["channel"]["id"], "a DM to the offer's author"


async def test_installs_are_refused_without_a_valid_state_cookie_or_code(
    distributed: Distributed,
) -> None:
    state = (await distributed.install_page())["state"][0]
    code, _ = distributed.fake.approve_install(
        CLIENT_ID, team_id=MAKERS, team_name="Makers", installer="U0OWNER"
    )
    async with aiohttp.ClientSession() as other_browser:  # no state cookie: a forged link
        status, _ = await distributed.redirect(code, state, other_browser)
    assert status >= 400
    assert distributed.fake.calls("oauth.v2.access") == [], "the code was never exchanged"

    status, _ = await distributed.redirect("not-a-code", state)
    assert status >= 400
    [exchange] = distributed.fake.calls("oauth.v2.access")
    assert exchange.response["error"] == "invalid_code"

    status, _ = await distributed.redirect(code, state)  # the state was used up above
    assert status >= 400
    assert len(distributed.fake.calls("oauth.v2.access")) == 1
    assert await distributed.installed_bot_token(MAKERS) is None, "nothing was installed"


async def test_a_workspace_that_never_installed_givefirst_gets_nothing_done(
    distributed: Distributed,
) -> None:
    await distributed.install(MAKERS, "Makers")
    status = await distributed.offer(WRITERS, "U0WRITER1", "I can edit short stories")
    assert status == 200
    told = await distributed.fake.wait_for("response_url")
    assert "reinstall this app" in told.args["text"], "Bolt asks the member to (re)install"
    assert distributed.fake.calls("chat.postMessage") == []
    assert await distributed.bot.community(f"slack:{WRITERS}") is None, "nothing stored"


async def test_a_workspace_that_uninstalls_givefirst_is_no_longer_served(
    distributed: Distributed,
) -> None:
    await distributed.install(MAKERS, "Makers")
    await distributed.install(WRITERS, "Writers")
    uninstalled = event_callback({"type": "app_uninstalled"}, team_id=MAKERS)
    assert (await distributed.events.event(uninstalled)).status == 200
    assert await distributed.installed_bot_token(MAKERS) is None, "its token is deleted"
    assert await distributed.installed_bot_token(WRITERS) is not None, "the others stay"

    assert await distributed.offer(MAKERS, "U0MAKER1", "Happy to review resumes #resume") == 200
    told = await distributed.fake.wait_for("response_url")
    assert "reinstall this app" in told.args["text"]
    assert distributed.fake.calls("chat.postMessage") == []
