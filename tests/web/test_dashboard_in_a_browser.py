"""An admin opens the dashboard from Slack in a real browser; everyone else is turned
away with a page that says why."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import timedelta

from bot.render.health import FIGURES
from tests.web.conftest import ARTIFACTS, COMMUNITY, Browser, Dashboard
from tests.web.lively import PRIVATE_WORDS, WEEKS, grow

REFUSED = "You can't see this dashboard"


async def test_an_admin_signs_in_from_slack_and_sees_how_giving_is_going(
    dashboard: Dashboard, browser: Browser
) -> None:
    await grow(dashboard.town)
    link = await dashboard.sign_in_link()
    assert link.startswith(f"{dashboard.url}/admin/{COMMUNITY}/sign-in/")

    await browser.open(link)
    assert "Sign in to slack:T0GIVE1ST" in await browser.text("h1")
    await browser.click("#sign-in")
    assert await browser.text("h1") == "How giving is going"
    assert await browser.text("#community") == COMMUNITY

    health = await dashboard.bot.health(COMMUNITY)
    assert health is not None
    asks = await browser.text('.card[data-figure="asks"] .value')
    assert asks == str(health.window.asks) and health.window.asks > 40
    introduced = await browser.text('.card[data-figure="introduced_share"] .value')
    assert introduced == f"{health.window.introduced_share:.0%}"
    for chart in ("asks", "time", "givers", "ties", "load"):
        assert await browser.count(f"#chart-{chart} svg rect, #chart-{chart} svg circle") > 0
    assert await browser.count("#figures tbody tr") == len(FIGURES) + 1, "and the helper load"
    gaps = await browser.text("#gaps")
    assert "beekeeping" in gaps
    # A community skill named in markup is shown as typed, never run.
    assert "<script>alert(1)</script>" in gaps
    page = await browser.source()
    assert "<script>" not in page
    assert "zanzibar" not in page and PRIVATE_WORDS not in page, "private asks are never shown"
    assert "zed" not in page.lower(), "a member who was forgotten is never named"

    await browser.screenshot(ARTIFACTS / "dashboard.png", width=1280)
    await browser.screenshot(ARTIFACTS / "dashboard-top.png", width=1100, height=1000)
    await browser.screenshot(ARTIFACTS / "dashboard-phone.png", width=390)
    await browser.screenshot(ARTIFACTS / "dashboard-phone-top.png", width=390, height=844)
    assert await browser.call(
        browser.driver.execute_script,
        "return document.documentElement.scrollWidth <= window.innerWidth + 1",
    ), "nothing overflows the page sideways at phone width (wide tables scroll in place)"

    await browser.click("#csv")
    downloaded = await browser.downloaded("givefirst-slack-T0GIVE1ST.csv")
    rows = list(csv.DictReader(io.StringIO(downloaded.read_text("utf-8"))))
    assert len(rows) == WEEKS + 2
    assert rows[-1]["period"] == "all time" and rows[-1]["asks"] == str(health.all_time.asks)
    assert "zanzibar" not in downloaded.read_text("utf-8")
    shutil.copy(downloaded, ARTIFACTS / "figures.csv")


async def test_links_and_sessions_let_nobody_else_in(
    dashboard: Dashboard, browser: Browser
) -> None:
    town = dashboard.town
    await town.say("ana", "/offer Happy to review resumes #resume")
    other = "slack:T0OTHERS"
    town.community = other
    await town.say("ana", "/offer Bike repairs #cycling")

    # A member who is not an admin gets no link, and the dashboard turns them away.
    refusal = await dashboard.command("U0DANA", "dashboard")
    assert "Only community admins can open the dashboard" in repr(refusal.args)
    assert "/sign-in/" not in repr(refusal.args)
    await browser.open(f"{dashboard.url}/admin/{COMMUNITY}/")
    assert REFUSED in await browser.text("h1")
    assert "not signed in" in await browser.text(".reason")

    # A forged signature.
    link = await dashboard.sign_in_link()
    forged = link[:-4] + ("AAAA" if not link.endswith("AAAA") else "BBBB")
    await browser.open(forged)
    assert REFUSED in await browser.text("h1")
    assert "not valid" in await browser.text(".reason")

    # Community A's link, opened as community B's.
    await browser.open(link.replace(COMMUNITY, other))
    assert "for another community" in await browser.text(".reason")

    # The link itself works once.
    await browser.open(link)
    await browser.click("#sign-in")
    assert await browser.text("h1") == "How giving is going"
    session = await browser.call(browser.driver.get_cookie, "givefirst_session")
    assert session is not None
    assert session["httpOnly"] is True and session["sameSite"] == "Lax"
    assert session["path"] == f"/admin/{COMMUNITY}/"
    # Opened again while signed in (Back, or the chat's link twice): the figures.
    await browser.open(link)
    assert await browser.text("h1") == "How giving is going"
    # Signed out, the link is used up.
    await browser.click("#sign-out")
    assert await browser.text("h1") == "You are signed out"
    assert await browser.call(browser.driver.get_cookie, "givefirst_session") is None
    await browser.open(link)
    await browser.click("#sign-in")
    assert "already used" in await browser.text(".reason")

    # Signed in to A is not signed in to B, even with A's cookie sent to B's pages.
    await browser.open(f"{dashboard.url}/admin/{other}/")
    assert "not signed in" in await browser.text(".reason")
    await browser.call(
        browser.driver.add_cookie,
        {"name": "givefirst_session", "value": session["value"], "path": f"/admin/{other}/"},
    )
    await browser.open(f"{dashboard.url}/admin/{other}/")
    assert "signed in to another community" in await browser.text(".reason")
    await browser.open(f"{dashboard.url}/admin/{other}/figures.csv")
    assert "signed in to another community" in await browser.text(".reason")

    # A link left for more than ten minutes.
    late = await dashboard.sign_in_link()
    dashboard.clock.advance(timedelta(minutes=10, seconds=1))
    await browser.open(late)
    assert "expired" in await browser.text(".reason")

    # And a session, after twelve hours.
    await browser.open(await dashboard.sign_in_link())
    await browser.click("#sign-in")
    assert await browser.text("h1") == "How giving is going"
    dashboard.clock.advance(timedelta(hours=12))
    await browser.open(f"{dashboard.url}/admin/{COMMUNITY}/")
    assert "expired" in await browser.text(".reason")
