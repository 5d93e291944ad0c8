"""The dashboard's HTTP side, without a browser: addresses behind a proxy, the cookie's
attributes, headers that keep pages and links to themselves, and the week range."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web as aiohttp_web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web import SESSION_COOKIE, dashboard_application
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.sign_in import DashboardAccess
from storage import Storage
from tests.core.conftest import COMMUNITY, Town
from tests.core.fakes import FakeChat

BEHIND_A_PROXY = "https://example.org/givefirst"
Client = TestClient[aiohttp_web.Request, aiohttp_web.Application]


@pytest.fixture
async def town(storage: Storage) -> Town:
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock, dashboard=DashboardAccess(BEHIND_A_PROXY))
    town = Town(bot, FakeChat(), clock, storage.unit_of_work, storage)
    await town.say("ana", "/offer Happy to review resumes #resume")
    await town.say("dana", "/ask could someone look over my CV? #resume")
    return town


@pytest.fixture
async def web(town: Town) -> AsyncIterator[Client]:
    app = dashboard_application(town.bot, public_url=BEHIND_A_PROXY)
    async with TestClient(TestServer(app)) as client:
        yield client


async def signed_in(town: Town, web: Client, admin: str = "admin") -> str:
    await town.say(admin, "/givefirst dashboard")
    link = town.last_to(admin).split(": ", 1)[1].split()[0]
    assert link.startswith(f"{BEHIND_A_PROXY}/admin/{COMMUNITY}/sign-in/")
    response = await web.post(link.removeprefix(BEHIND_A_PROXY), allow_redirects=False)
    assert response.status == 303 and response.headers["Location"] == "../"
    cookie = response.cookies[SESSION_COOKIE]
    # Browsers see the proxy's path, so the cookie is scoped to it; HTTPS makes it Secure.
    assert cookie["path"] == f"/givefirst/admin/{COMMUNITY}/"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 12 * 3600
    return cookie.value


async def test_pages_behind_a_proxy_name_their_stylesheet_through_it(
    town: Town, web: Client
) -> None:
    session = await signed_in(town, web)
    page = await web.get(f"/admin/{COMMUNITY}/", cookies={SESSION_COOKIE: session})
    body = await page.text()
    assert '<link rel="stylesheet" href="/givefirst/admin/static/dashboard.css">' in body
    css = await web.get("/admin/static/dashboard.css")
    assert css.status == 200 and css.content_type == "text/css"
    moved = await web.get(f"/admin/{COMMUNITY}", allow_redirects=False)
    assert moved.headers["Location"] == f"./{COMMUNITY}/"


async def test_every_page_keeps_to_itself(town: Town, web: Client) -> None:
    for path in ("/admin/", f"/admin/{COMMUNITY}/", f"/admin/{COMMUNITY}/sign-in/nonsense"):
        response = await web.get(path)
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
    refused = await web.get(f"/admin/{COMMUNITY}/figures.csv")
    assert refused.status == 403 and "not signed in" in await refused.text()


async def test_the_weeks_shown_can_be_chosen(town: Town, web: Client) -> None:
    session = await signed_in(town, web)
    four = await web.get(f"/admin/{COMMUNITY}/?weeks=4", cookies={SESSION_COOKIE: session})
    assert "the last 4 weeks" in await four.text()
    csv = await web.get(
        f"/admin/{COMMUNITY}/figures.csv?weeks=4", cookies={SESSION_COOKIE: session}
    )
    assert (await csv.text()).count("\n") == 1 + 4 + 2
    nonsense = await web.get(f"/admin/{COMMUNITY}/?weeks=-3", cookies={SESSION_COOKIE: session})
    assert "the last 12 weeks" in await nonsense.text()
    for digits_of_other_kinds in ("%C2%B2", "%E2%91%A0", "%D9%A3", "9" * 5000):  # ², ①, ٣
        for path in ("", "figures.csv"):
            odd = await web.get(
                f"/admin/{COMMUNITY}/{path}?weeks={digits_of_other_kinds}",
                cookies={SESSION_COOKIE: session},
            )
            assert odd.status == 200, (path, digits_of_other_kinds)
    one = await web.get(f"/admin/{COMMUNITY}/?weeks=1", cookies={SESSION_COOKIE: session})
    assert "the last 1 week " in await one.text() and "1 weeks" not in await one.text()
    assert (await web.get("/healthz")).status == 200


async def test_the_time_chart_reads_minutes_under_an_hour(town: Town, web: Client) -> None:
    session = await signed_in(town, web)
    page = await (await web.get(f"/admin/{COMMUNITY}/", cookies={SESSION_COOKIE: session})).text()
    chart = page[page.index("Time from ask to first introduction") :]
    assert ">30 min</text>" in chart and chart.count(">0 h</text>") == 1


async def test_a_session_ends_when_its_admin_is_taken_off_the_list(town: Town, web: Client) -> None:
    await town.say("admin", "/givefirst config admins add @dana")
    await town.say("admin", "/givefirst config admins add @ana")
    dana, ana, admin = [await signed_in(town, web, who) for who in ("dana", "ana", "admin")]
    page = f"/admin/{COMMUNITY}/"
    for session in (dana, ana, admin):
        assert (await web.get(page, cookies={SESSION_COOKIE: session})).status == 200

    await town.say("admin", "/givefirst config admins remove @dana")
    await town.forget("ana")
    for session, why in ((dana, "no longer an admin"), (ana, "no longer a member")):
        for path in (page, f"{page}figures.csv"):
            refused = await web.get(path, cookies={SESSION_COOKIE: session})
            assert refused.status == 403 and why in await refused.text(), path
    # The workspace's own admin was made one by the platform, which the list cannot undo.
    assert (await web.get(page, cookies={SESSION_COOKIE: admin})).status == 200
    # Back on the list, dana is an admin again, and her session lets her in again.
    await town.say("admin", "/givefirst config admins add @dana")
    assert (await web.get(page, cookies={SESSION_COOKIE: dana})).status == 200


async def test_a_session_stays_ended_when_its_forgotten_admin_is_on_record_again(
    town: Town, web: Client
) -> None:
    """After forget-me, the admin's platform id may be on record again (their own next
    command, or another member naming them): a new member, not the one who signed in."""
    admin = await signed_in(town, web)
    page = f"/admin/{COMMUNITY}/"
    await town.forget("admin")
    town.clock.advance(timedelta(minutes=5))
    await town.say("ben", "/givefirst rounds never @admin")
    await town.say("admin", "/givefirst help")
    refused = await web.get(page, cookies={SESSION_COOKIE: admin})
    assert refused.status == 403 and "no longer a member" in await refused.text()


async def test_without_a_public_address_admins_are_told_it_is_not_set_up(tmp_path: Path) -> None:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'x.db'}")
    await storage.upgrade()
    try:
        bot = GiveFirst(storage.unit_of_work, FakeClock())
        town = Town(bot, FakeChat(), FakeClock(), storage.unit_of_work, storage)
        await town.say("admin", "/givefirst dashboard")
        assert "GIVEFIRST_PUBLIC_URL" in town.last_to("admin")
    finally:
        await storage.dispose()


async def test_a_used_link_opened_again_leads_a_signed_in_admin_to_the_figures(
    town: Town, web: Client
) -> None:
    """Back after signing in, or the chat's link clicked twice: not a button that then
    says the link was used."""
    await town.say("admin", "/givefirst dashboard")
    link = town.last_to("admin").split(": ", 1)[1].split()[0].removeprefix(BEHIND_A_PROXY)
    first = await web.post(link, allow_redirects=False)
    session = first.cookies[SESSION_COOKIE].value
    again = await web.get(link, cookies={SESSION_COOKIE: session}, allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "../"
    pressed = await web.post(link, cookies={SESSION_COOKIE: session}, allow_redirects=False)
    assert pressed.status == 303 and pressed.headers["Location"] == "../"
    stranger = await web.post(link, allow_redirects=False)  # without the session
    assert stranger.status == 403 and "already used" in await stranger.text()


async def test_signing_out_forgets_the_session_in_this_browser(town: Town, web: Client) -> None:
    session = await signed_in(town, web)
    page = await (await web.get(f"/admin/{COMMUNITY}/", cookies={SESSION_COOKIE: session})).text()
    assert '<form method="post" action="sign-out"' in page
    out = await web.post(f"/admin/{COMMUNITY}/sign-out", cookies={SESSION_COOKIE: session})
    assert out.status == 200 and "You are signed out" in await out.text()
    cleared = out.cookies[SESSION_COOKIE]
    assert cleared.value == "" and cleared["path"] == f"/givefirst/admin/{COMMUNITY}/"
    assert cleared["max-age"] == "0"


async def test_a_form_sent_from_another_site_neither_signs_in_nor_out(
    town: Town, web: Client
) -> None:
    session = await signed_in(town, web)
    elsewhere = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    out = await web.post(
        f"/admin/{COMMUNITY}/sign-out", cookies={SESSION_COOKIE: session}, headers=elsewhere
    )
    assert out.status == 403 and "another website" in await out.text()
    assert SESSION_COOKIE not in out.cookies, "the session cookie is left as it was"

    await town.say("admin", "/givefirst dashboard")
    link = town.last_to("admin").split(": ", 1)[1].split()[0].removeprefix(BEHIND_A_PROXY)
    refused = await web.post(link, headers=elsewhere, allow_redirects=False)
    assert refused.status == 403 and SESSION_COOKIE not in refused.cookies
    mine = await web.post(link, headers={"Sec-Fetch-Site": "same-origin"}, allow_redirects=False)
    assert mine.status == 303, "the link was not used up by the refused form"
