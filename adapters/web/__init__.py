"""The admin dashboard over HTTP, on aiohttp: sign-in links, one page per community,
and its figures as CSV. It translates requests into calls on :class:`GiveFirst`, which
decides who may see what, and renders the answers; it never touches storage.

Routes (under the public address, ``GIVEFIRST_PUBLIC_URL``):

- ``GET /admin/`` — how to sign in;
- ``GET /admin/{community}/sign-in/{token}`` — a button that trades a one-time link
  for a session (``POST`` to the same address), so that link previews, which only
  ``GET``, cannot use the link up;
- ``GET /admin/{community}/`` (``?weeks=N``) and ``/admin/{community}/figures.csv``;
- ``POST /admin/{community}/sign-out`` — forget the session in this browser.

The session cookie is HttpOnly, SameSite=Lax, Secure when the public address is
HTTPS, and its path is that one community's pages. A form sent from another site
(``Sec-Fetch-Site: cross-site``) is refused: no page elsewhere can sign an admin in to
a dashboard of its choosing, or out of theirs.
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import quote, urlsplit

from aiohttp import web

from adapters.web import pages
from bot.app import GiveFirst
from bot.health import DEFAULT_WEEKS
from bot.render.health import as_csv
from bot.sign_in import SESSION_LIFETIME, SignInRefused

SESSION_COOKIE = "givefirst_session"
FROM_ANOTHER_SITE = "That button was pressed on another website, not on givefirst's own page."
MOST_WEEKS = 52
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Sign-in links carry their token in the address: never pass it on.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Dashboard:
    """The dashboard's request handlers for one bot."""

    def __init__(self, bot: GiveFirst, *, public_url: str | None) -> None:
        self._bot = bot
        address = urlsplit(public_url or "")
        self._secure = address.scheme == "https"
        self._prefix = address.path.rstrip("/")
        """A path the proxy in front strips before forwarding, as browsers see it."""
        self._stylesheet = (
            resources.files("adapters.web").joinpath("dashboard.css").read_text("utf-8")
        )

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/admin", self.welcome),
            web.get("/admin/", self.welcome),
            web.get("/admin/static/dashboard.css", self.stylesheet),
            web.get("/admin/{community}", self.to_community),
            web.get("/admin/{community}/", self.community),
            web.get("/admin/{community}/figures.csv", self.figures_csv),
            web.get("/admin/{community}/sign-in/{token}", self.sign_in_page),
            web.post("/admin/{community}/sign-in/{token}", self.sign_in),
            web.post("/admin/{community}/sign-out", self.sign_out),
        ]

    async def welcome(self, request: web.Request) -> web.Response:
        return self._html(pages.welcome())

    async def stylesheet(self, request: web.Request) -> web.Response:
        response = web.Response(text=self._stylesheet, content_type="text/css")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    async def to_community(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(f"./{quote(request.match_info['community'], safe=':')}/")

    async def sign_in_page(self, request: web.Request) -> web.Response:
        community, token = request.match_info["community"], request.match_info["token"]
        if await self._bot.signed_in(community, _session(request)):
            return _see("../")  # signed in already (the link again, or Back): the figures
        try:
            await self._bot.check_sign_in(community, token)
        except SignInRefused as refusal:
            return self._refused(refusal)
        return self._html(pages.sign_in(community, action=""))

    async def sign_in(self, request: web.Request) -> web.Response:
        community, token = request.match_info["community"], request.match_info["token"]
        if _from_another_site(request):
            return self._html(pages.refused(FROM_ANOTHER_SITE), status=403)
        try:
            session, _ = await self._bot.sign_in(community, token)
        except SignInRefused as refusal:
            if await self._bot.signed_in(community, _session(request)):
                return _see("../")
            return self._refused(refusal)
        response = _see("../")
        response.set_cookie(
            SESSION_COOKIE,
            session,
            path=self._cookie_path(community),
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=self._secure or request.secure,
        )
        return response

    async def sign_out(self, request: web.Request) -> web.Response:
        """Forget the session in this browser (a session is not kept anywhere else)."""
        if _from_another_site(request):
            return self._html(pages.refused(FROM_ANOTHER_SITE), status=403)
        response = self._html(pages.signed_out())
        response.del_cookie(SESSION_COOKIE, path=self._cookie_path(request.match_info["community"]))
        return response

    def _cookie_path(self, community: str) -> str:
        return f"{self._prefix}/admin/{quote(community, safe=':')}/"

    async def community(self, request: web.Request) -> web.Response:
        community, weeks = request.match_info["community"], _weeks(request)
        try:
            health = await self._bot.dashboard(community, _session(request), weeks=weeks)
        except SignInRefused as refusal:
            return self._refused(refusal)
        return self._html(pages.dashboard(health, csv_url=f"figures.csv?weeks={weeks}"))

    async def figures_csv(self, request: web.Request) -> web.Response:
        community = request.match_info["community"]
        try:
            health = await self._bot.dashboard(community, _session(request), weeks=_weeks(request))
        except SignInRefused as refusal:
            return self._refused(refusal)
        response = web.Response(text=as_csv([health]), content_type="text/csv", charset="utf-8")
        name = "".join(ch if ch.isalnum() else "-" for ch in community)
        response.headers["Content-Disposition"] = f'attachment; filename="givefirst-{name}.csv"'
        response.headers.update(SECURITY_HEADERS)
        return response

    def _html(self, body: str, *, status: int = 200) -> web.Response:
        # The stylesheet as browsers reach it, behind whatever path prefix the proxy adds.
        body = body.replace(pages.STYLESHEET, f"{self._prefix}{pages.STYLESHEET}", 1)
        response = web.Response(text=body, content_type="text/html", charset="utf-8", status=status)
        response.headers.update(SECURITY_HEADERS)
        return response

    def _refused(self, refusal: SignInRefused) -> web.Response:
        return self._html(pages.refused(refusal.message), status=403)


def add_dashboard(app: web.Application, bot: GiveFirst, *, public_url: str | None) -> None:
    """Serve the dashboard from ``app`` too (the Slack app's, or one of its own)."""
    app.add_routes(Dashboard(bot, public_url=public_url).routes())


def dashboard_application(bot: GiveFirst, *, public_url: str | None) -> web.Application:
    """The dashboard on its own (``givefirst web``), with ``GET /healthz``."""
    app = web.Application()
    add_dashboard(app, bot, public_url=public_url)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)
    return app


def _see(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, **SECURITY_HEADERS})


def _from_another_site(request: web.Request) -> bool:
    """A form another site's page sent (browsers say so; other clients send nothing)."""
    return request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site"


def _session(request: web.Request) -> str:
    return request.cookies.get(SESSION_COOKIE, "")


def _weeks(request: web.Request) -> int:
    given = request.query.get("weeks", "")
    number = given.isascii() and given.isdigit() and len(given) <= 3 and int(given) > 0
    return min(int(given), MOST_WEEKS) if number else DEFAULT_WEEKS
