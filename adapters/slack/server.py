"""Running the Slack app: HTTP (Events API) or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import ClientSession, web
from aiohttp.typedefs import Handler, Middleware
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.inflight import InFlight
from adapters.slack.app import build_app
from adapters.slack.chat import Conversations, SlackChat
from bot.app import GiveFirst
from bot.domain import Community
from bot.messages import Message
from bot.metrics import Metrics, NoMetrics
from bot.ports import Chat, DeliveryFailed, DeliveryProblem, PostRef, SendOnce

log = logging.getLogger(__name__)


class _TokenGivenTwice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself, then warns on every start that the client's
    token wins over it: our client holds that very token, so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


logging.getLogger("slack_bolt.AsyncApp").addFilter(_TokenGivenTwice())

EVENTS_PATH = "/slack/events"
HTTP_SHUTDOWN_SECONDS = 3.0
"""How long requests being answered may take once the server stops listening; every
request is acknowledged at once, so this is plenty."""
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "mpim:write",
    "reactions:read",
    "users:read",
)


@dataclass(frozen=True)
class SlackOptions:
    signing_secret: str
    bot_token: str | None = None
    api_url: str = "https://slack.com/api/"
    client_id: str | None = None
    client_secret: str | None = None
    installation_store: AsyncInstallationStore | None = None
    state_store: AsyncOAuthStateStore | None = None


def web_client(
    api_url: str, token: str | None = None, session: ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client that waits out 429s (honouring Retry-After) and retries 5xx.

    Give it a ``session`` to keep connections to Slack open between calls; without
    one, slack_sdk opens (and, for HTTPS, handshakes) a new connection per call."""
    base_url = api_url if api_url.endswith("/") else api_url + "/"
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        session=session,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def create_app(
    bot: GiveFirst,
    options: SlackOptions,
    *,
    session: ClientSession | None = None,
    in_flight: InFlight | None = None,
    conversations: Conversations | None = None,
) -> AsyncApp:
    """The Bolt app: one workspace with a bot token, or many through OAuth installs.

    Every call to Slack, replies to response URLs included, goes over ``session``
    when given (Bolt hands the app client's session to each event's client). The
    work done after acknowledging each request is kept in ``in_flight``; the
    conversations direct messages go to, in ``conversations`` (see :func:`build_app`)."""
    client = web_client(options.api_url, options.bot_token, session)
    if options.client_id and options.client_secret:
        oauth = AsyncOAuthSettings(
            client_id=options.client_id,
            client_secret=options.client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=options.installation_store,
            state_store=options.state_store,
        )
        # Authorizing runs before every ack: one lookup of the workspace's bot token (we
        # hold no user tokens) and auth.test only the first time each token is seen.
        authorize = AsyncInstallationStoreAuthorize(
            logger=log,
            installation_store=oauth.installation_store,
            client_id=options.client_id,
            client_secret=options.client_secret,
            bot_only=True,
            cache_enabled=True,
            client=client,
        )
        app = AsyncApp(
            signing_secret=options.signing_secret,
            client=client,
            oauth_settings=oauth,
            installation_store=options.installation_store,
            authorize=authorize,  # type: ignore[arg-type]  # Bolt accepts AsyncAuthorize too
            process_before_response=True,
        )
    else:
        app = AsyncApp(
            signing_secret=options.signing_secret, client=client, process_before_response=True
        )
    return build_app(bot, app, in_flight=in_flight, conversations=conversations)


class TokenRefused(Exception):
    """Slack does not accept the bot token givefirst was started with."""


class AppTokenRefused(Exception):
    """Slack does not accept the app-level token Socket Mode was started with."""


REFUSED_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)


async def check_bot_token(client: AsyncWebClient) -> None:
    """Ask Slack whether the client's bot token works (``auth.test``), so a wrong one is
    reported when givefirst starts rather than at the first command. Without a
    token (OAuth installs) there is nothing to check; a Slack that cannot be reached
    is left for the first command to retry."""
    if client.token is None:
        return
    try:
        await client.auth_test()
    except SlackApiError as error:
        reason = str(error.response.get("error"))
        if reason in REFUSED_TOKEN_ERRORS:
            raise TokenRefused(reason) from None
        log.warning("could not check the bot token: %s", reason)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("could not reach Slack to check the bot token: %s", error)


def chat_for_scheduled_work(
    options: SlackOptions,
    *,
    session: ClientSession | None = None,
    conversations: Conversations | None = None,
) -> Callable[[Community], Chat]:
    """How scheduled work reaches a community: as the bot installed in its workspace
    (OAuth installs), or with the one bot token. ``conversations`` are shared with the
    process's Bolt app if given (see :func:`create_app`); they are keyed by token, so
    every workspace's bot shares them too."""
    store = options.installation_store
    if conversations is None:
        conversations = Conversations()
    if options.client_id and options.client_secret and store is not None:
        return lambda community: InstalledBotChat(
            options.api_url, store, community.key, session=session, conversations=conversations
        )
    if not options.bot_token:
        raise ValueError("scheduled work needs SLACK_BOT_TOKEN or OAuth installs")
    client = web_client(options.api_url, options.bot_token, session)
    chat = SlackChat(client, conversations=conversations)
    return lambda community: chat


class InstalledBotChat:
    """Sends as the bot installed in one workspace, its token looked up when first needed."""

    def __init__(
        self,
        api_url: str,
        store: AsyncInstallationStore,
        community_key: str,
        *,
        session: ClientSession | None = None,
        conversations: Conversations | None = None,
    ) -> None:
        self._api_url = api_url
        self._session = session
        self._conversations = conversations
        self._store = store
        self._workspace = community_key.removeprefix("slack:")
        self._chat: SlackChat | None = None

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        installed = await self._installed()
        return await installed.send(message, default_channel=default_channel, once=once)

    async def update(self, ref: PostRef, message: Message) -> None:
        await (await self._installed()).update(ref, message)

    async def delete(self, ref: PostRef) -> None:
        await (await self._installed()).delete(ref)

    async def _installed(self) -> SlackChat:
        if self._chat is None:
            # Community keys hold the team id, or the enterprise id of an org-wide install.
            org_wide = self._workspace.startswith("E")
            bot = await self._store.async_find_bot(
                enterprise_id=self._workspace if org_wide else None,
                team_id=None if org_wide else self._workspace,
                is_enterprise_install=org_wide,
            )
            if bot is None or not bot.bot_token:
                raise DeliveryFailed(
                    DeliveryProblem.MISSING_PERMISSION,
                    f"givefirst is not installed in {self._workspace}",
                )
            client = web_client(self._api_url, bot.bot_token, self._session)
            self._chat = SlackChat(client, conversations=self._conversations)
        return self._chat


def web_application(
    app: AsyncApp,
    *,
    metrics: Metrics | None = None,
    ready: Callable[[], bool] = lambda: True,
) -> web.Application:
    """``POST /slack/events`` (and the OAuth pages when enabled), ``GET /healthz``
    (the process is up) and ``GET /readyz`` (it is ready to answer at full speed:
    503 until ``ready()``, for a load balancer to send members elsewhere meanwhile);
    events whose signature headers are not even well formed are refused with 401;
    with ``metrics``, how long each event took to acknowledge."""
    application = app.web_app(path=EVENTS_PATH)
    application.middlewares.append(_well_formed_signature)
    if metrics is not None:
        application.middlewares.append(_timing(metrics))

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(request: web.Request) -> web.Response:
        if ready():
            return web.json_response({"ok": True})
        return web.json_response(
            {"ok": False, "reason": "reading the helper directories"}, status=503
        )

    application.router.add_get("/healthz", healthz)
    application.router.add_get("/readyz", readyz)
    return application


def _timing(metrics: Metrics) -> Middleware:
    # Bolt answers Slack once the listener has acknowledged: the response is the ack.
    @web.middleware
    async def timed(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path != EVENTS_PATH:
            return await handler(request)
        started = time.perf_counter()
        try:
            return await handler(request)
        finally:
            metrics.acknowledged("slack", time.perf_counter() - started)

    return timed


@web.middleware
async def _well_formed_signature(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A request to the events URL must carry a numeric timestamp and a ``v0=`` hex
    signature; Bolt checks the signature itself, but a timestamp that is not a
    number would fail there with a server error rather than a refusal."""
    if request.method == "POST" and request.path == EVENTS_PATH:
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (_TIMESTAMP.fullmatch(timestamp) and _SIGNATURE.fullmatch(signature)):
            return web.Response(status=401, text="invalid request")
    return await handler(request)


async def serve_http(
    app: AsyncApp,
    host: str,
    port: int,
    *,
    stop: asyncio.Event | None = None,
    metrics: Metrics | None = None,
    ready: Callable[[], bool] = lambda: True,
    also: Callable[[web.Application], None] | None = None,
) -> None:
    """Serve Slack's requests on ``host:port`` until ``stop`` is set (or the task is
    cancelled): then stop listening at once, and let the requests being answered finish
    (they are acknowledged at once; the work after them is the caller's to wait for).
    ``ready`` tells ``GET /readyz`` (see :func:`web_application`); ``also`` adds routes
    of the caller's own (the admin dashboard) to the same server."""
    application = web_application(app, metrics=metrics, ready=ready)
    if also is not None:
        also(application)
    runner = web.AppRunner(application, shutdown_timeout=HTTP_SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("listening for Slack on http://%s:%s%s", host, port, EVENTS_PATH)
    try:
        await (stop or asyncio.Event()).wait()
        log.info("no longer listening for Slack")
    finally:
        await runner.cleanup()


class _TimedSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's Socket Mode handler, timing each envelope from its arrival to its
    acknowledgement (the response Bolt sends once the listener has acknowledged)."""

    def __init__(self, app: AsyncApp, app_token: str, metrics: Metrics) -> None:
        super().__init__(app, app_token)
        self._metrics = metrics

    async def handle(  # type: ignore[override]  # narrowed as in Bolt's own handler
        self, client: SocketModeClient, req: SocketModeRequest
    ) -> None:
        started = time.perf_counter()
        try:
            await super().handle(client, req)
        finally:
            self._metrics.acknowledged("slack", time.perf_counter() - started)


async def serve_socket_mode(
    app: AsyncApp,
    app_token: str,
    *,
    stop: asyncio.Event | None = None,
    metrics: Metrics | None = None,
) -> None:
    """Take events over Socket Mode until ``stop`` is set (or the task is cancelled),
    then close the connection, so Slack sends nothing more to this process; with
    ``metrics``, how long each event took to acknowledge.

    The first connection is tried once: a Slack out of reach raises aiohttp's
    connection error, a token Slack refuses :class:`AppTokenRefused` (the client alone
    would try again every ten seconds for ever, logging a traceback each time). A stop
    asked for meanwhile is not kept waiting. Connections lost later are made again by
    the client."""
    handler = _TimedSocketModeHandler(app, app_token, metrics or NoMetrics())
    log.info("connecting to Slack in Socket Mode")
    connecting = asyncio.ensure_future(_connect_once(handler))
    stopping = asyncio.ensure_future((stop or asyncio.Event()).wait())
    try:
        await asyncio.wait({connecting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not stopping.done():
            connecting.result()
            await stopping
        log.info("disconnected from Slack's Socket Mode")
    finally:
        for task in (connecting, stopping):
            task.cancel()
        await asyncio.gather(connecting, stopping, return_exceptions=True)
        await handler.close_async()  # type: ignore[no-untyped-call]


async def _connect_once(handler: AsyncSocketModeHandler) -> None:
    client = handler.client
    try:
        client.wss_uri = await client.issue_new_wss_url()
    except SlackApiError as error:
        raise AppTokenRefused(error.response.get("error", "error")) from None
    await handler.connect_async()  # type: ignore[no-untyped-call]
