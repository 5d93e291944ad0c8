"""Serving communities: ``slack``, ``discord``, ``scheduler``, and the admin dashboard
on its own (``web``).

Each runs until SIGTERM or SIGINT, then stops the way a deploy needs (see
:mod:`givefirst.shutdown`): it takes nothing new, hands its scheduled messages not
yet started to other processes at once, finishes what it acknowledged within the
grace period (``--grace``, default 20 s), and closes its connections; a second
signal exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import click

from adapters.console import ConsoleChat
from adapters.inflight import InFlight
from bot.app import GiveFirst
from bot.errors import GiveFirstError
from bot.scheduler import ChatFor, Scheduler
from bot.text import plural
from givefirst.bootstrap import reading_whole_directories, running, settle_before_serving
from givefirst.cli.context import Invocation, pass_invocation, run
from givefirst.metrics import PrometheusMetrics, serving_metrics
from givefirst.settings import Settings
from givefirst.shutdown import DEFAULT_GRACE, Shutdown
from storage import Storage

if TYPE_CHECKING:
    from adapters.slack.server import SlackOptions

log = logging.getLogger("givefirst")

OAUTH_STATE_SECONDS = 600
"""How long a Slack install link stays valid."""
SLACK_TOKEN_REFUSED = (
    "Slack refused SLACK_BOT_TOKEN ({}): set it to the Bot User OAuth Token of the "
    "installed app (see README: Set up on Slack)."
)
SLACK_APP_TOKEN_REFUSED = (
    "Slack refused SLACK_APP_TOKEN ({}): create an app-level token with the "
    "connections:write scope under Basic Information → App-Level Tokens, or unset "
    "SLACK_APP_TOKEN to serve HTTP."
)
DISCORD_TOKEN_REFUSED = (
    "Discord refused DISCORD_TOKEN: set it to the token of your application's bot "
    "(see README: Set up on Discord)."
)

no_scheduler_option = click.option(
    "--no-scheduler",
    is_flag=True,
    envvar="GIVEFIRST_NO_SCHEDULER",
    help="Don't run scheduled work (digests, follow-ups, expiry) in this process, e.g. "
    "when `givefirst scheduler` runs separately.",
)
PORT = click.IntRange(1, 65535)
"""A TCP port to listen on."""

grace_option = click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=DEFAULT_GRACE,
    show_default=True,
    envvar="GIVEFIRST_SHUTDOWN_GRACE",
    help="On SIGTERM or SIGINT, seconds to finish what is in flight before exiting "
    "(a second signal exits at once).",
)


@dataclass(frozen=True)
class MetricsAddress:
    """Where this process answers Prometheus (``GET /metrics``), if anywhere."""

    host: str
    port: int | None

    def metrics(self) -> PrometheusMetrics | None:
        return PrometheusMetrics() if self.port is not None else None


def metrics_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--metrics-port``/``--metrics-host``, handed to the command as ``metrics``."""
    command = click.option(
        "--metrics-host",
        default="127.0.0.1",
        show_default=True,
        envvar="GIVEFIRST_METRICS_HOST",
        help="Address for --metrics-port.",
    )(command)
    return click.option(
        "--metrics-port",
        type=PORT,
        default=None,
        envvar="GIVEFIRST_METRICS_PORT",
        help="Serve Prometheus metrics at GET /metrics on this port (default: off).",
    )(command)


@asynccontextmanager
async def reading(bot: GiveFirst) -> AsyncIterator[asyncio.Event]:
    """While serving: read every community's helper directory (a command arriving
    meanwhile waits for its own community's), then make any vectors that are missing
    or of another model, a page at a time; the event loop stays free throughout.
    Yields an event set once the directories are read (or could not be: commands then
    read their own community's), for a load balancer's readiness check."""

    stop = asyncio.Event()
    read_whole = asyncio.Event()

    async def read() -> None:
        started = time.monotonic()
        try:
            with reading_whole_directories():
                communities = await bot.warm_up(stopping=stop.is_set)
        finally:
            read_whole.set()
        log.info(
            "read the helper directories of %s in %.1f s",
            plural(communities, "community", "communities"),
            time.monotonic() - started,
        )
        if encoded := await bot.fill_vectors(stopping=stop.is_set):
            log.info("encoded %d fields that had no vector of the model in use", encoded)

    task = asyncio.create_task(read(), name="givefirst: reading the helper directories")
    try:
        yield read_whole
    finally:
        # Stop between two transactions rather than in one: a task cancelled inside a
        # query can leave its connection open, and on SQLite holding the write lock,
        # until the garbage collector finds it.
        stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait({task}, timeout=STOP_READING_SECONDS)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


STOP_READING_SECONDS = 5.0
"""How long stopping waits for the transaction the reading has in hand."""


@asynccontextmanager
async def scheduling(
    scheduler: Scheduler | None,
    chat_for: ChatFor,
    *,
    ready: Callable[[], Awaitable[object]] | None = None,
    every: float = 30.0,
    shutdown: Shutdown | None = None,
) -> AsyncIterator[None]:
    """Run the scheduler in the background while the block runs (once ``ready``
    returns, if given). It stops as soon as ``shutdown`` is requested (handing on the
    work it has not started), or when the block ends; on the way out, what it has in
    flight may finish within the grace period. With no scheduler, just run the block."""
    if scheduler is None:
        yield
        return
    shutdown = shutdown or Shutdown()
    stop = shutdown.requested

    async def scheduled() -> None:
        if ready is not None:
            waiting = asyncio.ensure_future(ready())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
            if stop.is_set():
                return
        await scheduler.run(chat_for, stop, every=every)

    task = asyncio.create_task(scheduled())
    try:
        yield
    finally:
        shutdown.request("the process is stopping")
        # Cut short after the grace period, a message in flight is handed on in doubt,
        # and the next sender checks before sending it again.
        await shutdown.finish(task, "the scheduler")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=PORT, help="Port to listen on.")
@no_scheduler_option
@metrics_options
@grace_option
@pass_invocation
def slack(
    invocation: Invocation,
    host: str,
    port: int,
    no_scheduler: bool,
    metrics_host: str,
    metrics_port: int | None,
    grace: float,
) -> None:
    """Run on Slack: HTTP (Events API) on --host/--port, or Socket Mode with SLACK_APP_TOKEN.

    In HTTP mode the admin dashboard is served at /admin on the same port. Scheduled
    work runs in the same process unless --no-scheduler is given.
    """
    settings = invocation.settings
    missing = []
    if not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET (the app's Signing Secret)")
    if not settings.slack_bot_token and not slack_oauth_client_id(settings):
        missing.append(
            "SLACK_BOT_TOKEN for one workspace (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
            "to let many workspaces install givefirst)"
        )
    if missing:
        raise click.UsageError(
            f"Set {' and '.join(missing)} — see README: Set up on Slack; `givefirst check` "
            "tells what is set."
        )
    if settings.slack_app_token:
        from adapters.slack.check import check_app_token

        if (form := check_app_token(settings.slack_app_token)).failed:
            raise click.UsageError(f"{form.detail}: {form.fix}.")
    watch = MetricsAddress(metrics_host, metrics_port)
    run(
        lambda: _slack(
            invocation.database_url,
            settings,
            host,
            port,
            not no_scheduler,
            watch,
            shutdown=grace,
        )
    )


def slack_oauth_client_id(settings: Settings) -> str | None:
    """SLACK_CLIENT_ID, if SLACK_CLIENT_SECRET is set too: then workspaces install
    givefirst themselves (OAuth)."""
    if settings.slack_client_id and settings.slack_client_secret:
        return settings.slack_client_id
    return None


def slack_options(settings: Settings, storage: Storage) -> SlackOptions:
    """The Slack app's settings; with OAuth, its installations and install states are
    kept in givefirst's database (tables made by our migrations), and each workspace's
    bot is remembered for when that database cannot be read."""
    from slack_sdk.oauth.installation_store.async_installation_store import (
        AsyncInstallationStore,
    )
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

    from adapters.slack.installations import RememberingInstallationStore
    from adapters.slack.server import SlackOptions

    installation_store: AsyncInstallationStore | None = None
    state_store = None
    if client_id := slack_oauth_client_id(settings):
        installation_store = RememberingInstallationStore(
            AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=storage.engine)
        )
        state_store = AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=OAUTH_STATE_SECONDS, engine=storage.engine
        )
    return SlackOptions(
        signing_secret=settings.slack_signing_secret or "",
        bot_token=settings.slack_bot_token,
        api_url=settings.slack_api_url,
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        installation_store=installation_store,
        state_store=state_store,
    )


async def _slack(
    url: str | None,
    settings: Settings,
    host: str,
    port: int,
    scheduled: bool = True,
    watch: MetricsAddress | None = None,
    *,
    shutdown: Shutdown | float = DEFAULT_GRACE,
) -> None:
    """Serve Slack until asked to stop (``shutdown``, or SIGTERM/SIGINT with a grace
    period in seconds), then stop listening and finish the acknowledged work."""
    from adapters.slack.chat import Conversations
    from adapters.slack.server import (
        AppTokenRefused,
        TokenRefused,
        chat_for_scheduled_work,
        check_bot_token,
        create_app,
        serve_http,
        serve_socket_mode,
    )
    from adapters.web import add_dashboard

    watch = watch or MetricsAddress("127.0.0.1", None)
    metrics = watch.metrics()
    stopping = shutdown if isinstance(shutdown, Shutdown) else Shutdown(shutdown)
    async with (
        stopping.on_signals(),
        running(
            url, settings=settings, matching=True, dashboard=settings.dashboard(), metrics=metrics
        ) as runtime,
        reading(runtime.bot) as directories_read,
        serving_metrics(metrics, watch.host, watch.port),
    ):
        options = slack_options(settings, runtime.storage)
        async with aiohttp.ClientSession() as session:  # connections to Slack, kept open
            in_flight = InFlight()
            conversations = Conversations()  # commands and scheduled work open each DM once
            app = create_app(
                runtime.bot,
                options,
                session=session,
                in_flight=in_flight,
                conversations=conversations,
            )
            try:
                await check_bot_token(app.client)
            except TokenRefused as refused:
                raise click.UsageError(SLACK_TOKEN_REFUSED.format(refused)) from None
            chat_for = chat_for_scheduled_work(
                options, session=session, conversations=conversations
            )
            settle_before_serving()
            scheduler = runtime.scheduler(platform="slack") if scheduled else None
            async with scheduling(scheduler, chat_for, shutdown=stopping):
                if settings.slack_app_token:
                    try:
                        await serve_socket_mode(
                            app, settings.slack_app_token, stop=stopping.requested, metrics=metrics
                        )
                    except AppTokenRefused as refused:
                        raise click.UsageError(SLACK_APP_TOKEN_REFUSED.format(refused)) from None
                else:
                    public_url = settings.givefirst_public_url
                    await serve_http(
                        app,
                        host,
                        port,
                        stop=stopping.requested,
                        metrics=metrics,
                        ready=directories_read.is_set,
                        also=lambda web_app: add_dashboard(
                            web_app, runtime.bot, public_url=public_url
                        ),
                    )
                drained = await in_flight.drain(stopping.remaining())
                log.info("stopped taking Slack events: %d in flight finished, %d cut", *drained)


@click.command()
@click.option(
    "--shards",
    type=int,
    default=None,
    help="Run this many shards in this process (large bots); default: one connection.",
)
@no_scheduler_option
@metrics_options
@grace_option
@pass_invocation
def discord(
    invocation: Invocation,
    shards: int | None,
    no_scheduler: bool,
    metrics_host: str,
    metrics_port: int | None,
    grace: float,
) -> None:
    """Run on Discord with DISCORD_TOKEN.

    Scheduled work runs in the same process, once connected, unless --no-scheduler is given.
    """
    settings = invocation.settings
    if not settings.discord_token:
        raise click.UsageError("Set DISCORD_TOKEN (see README: Set up on Discord).")
    watch = MetricsAddress(metrics_host, metrics_port)
    run(
        lambda: _discord(
            invocation.database_url, settings, shards, not no_scheduler, watch, shutdown=grace
        )
    )


async def _discord(
    url: str | None,
    settings: Settings,
    shards: int | None,
    scheduled: bool = True,
    watch: MetricsAddress | None = None,
    *,
    shutdown: Shutdown | float = DEFAULT_GRACE,
) -> None:
    """Serve Discord until asked to stop, then take no new events, finish the ones
    being worked on within the grace period, and disconnect."""
    import discord

    from adapters.discord.client import (
        GiveFirstClient,
        ShardedGiveFirstClient,
        chat_for_scheduled_work,
        point_at,
    )

    point_at(settings.discord_api_url, settings.discord_gateway_url)
    watch = watch or MetricsAddress("127.0.0.1", None)
    metrics = watch.metrics()
    stopping = shutdown if isinstance(shutdown, Shutdown) else Shutdown(shutdown)
    async with (
        stopping.on_signals(),
        running(
            url, settings=settings, matching=True, dashboard=settings.dashboard(), metrics=metrics
        ) as runtime,
        reading(runtime.bot),
        serving_metrics(metrics, watch.host, watch.port),
    ):
        bot = runtime.bot
        client = (
            ShardedGiveFirstClient(bot, guild_id=settings.discord_guild_id, shard_count=shards)
            if shards
            else GiveFirstClient(bot, guild_id=settings.discord_guild_id)
        )
        settle_before_serving()
        scheduler = runtime.scheduler(platform="discord") if scheduled else None
        async with client:
            connection = asyncio.create_task(client.start(settings.discord_token or ""))
            try:
                async with scheduling(
                    scheduler,
                    chat_for_scheduled_work(client),
                    ready=client.wait_until_ready,
                    shutdown=stopping,
                ):
                    asked = asyncio.ensure_future(stopping.requested.wait())
                    await asyncio.wait({connection, asked}, return_when=asyncio.FIRST_COMPLETED)
                    asked.cancel()
                    if connection.done():
                        connection.result()
                        return
                    finished, cut = await client.drain(stopping.remaining())
                    log.info(
                        "stopped taking Discord events: %d in flight finished, %d cut",
                        finished,
                        cut,
                    )
            except discord.LoginFailure:
                raise click.UsageError(DISCORD_TOKEN_REFUSED) from None
            finally:
                await client.close()
                connection.cancel()
                await asyncio.gather(connection, return_exceptions=True)


@click.command()
@click.option(
    "--console",
    "to_console",
    is_flag=True,
    help="Print what would be sent instead of posting (no platform needed).",
)
@click.option(
    "--every",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds between ticks (at least 1).",
)
@metrics_options
@grace_option
@pass_invocation
def scheduler(
    invocation: Invocation,
    to_console: bool,
    every: float,
    metrics_host: str,
    metrics_port: int | None,
    grace: float,
) -> None:
    """Run only the scheduler: digests, give-first rounds, follow-ups, reminders and expiry.

    `givefirst slack` and `givefirst discord` run it too; any number of processes
    may, and each piece of work is still done once.
    """
    settings = invocation.settings
    if not to_console and not configured_platforms(settings):
        raise click.UsageError(
            "The scheduler needs a platform to post to: set SLACK_BOT_TOKEN (or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) and/or DISCORD_TOKEN, or pass "
            "--console to print instead."
        )
    watch = MetricsAddress(metrics_host, metrics_port)
    run(
        lambda: _scheduler(
            invocation.database_url,
            settings,
            to_console=to_console,
            every=every,
            watch=watch,
            grace=grace,
        )
    )


async def _scheduler(
    url: str | None,
    settings: Settings,
    *,
    to_console: bool = False,
    every: float = 30.0,
    stop: asyncio.Event | None = None,
    watch: MetricsAddress | None = None,
    grace: float = DEFAULT_GRACE,
) -> None:
    """Scheduled work for every platform with credentials set (or printed), until ``stop``
    is set or SIGTERM/SIGINT: planned once per tick, then delivered on each platform.
    Stopping hands the messages not yet started to other processes at once, and lets
    those in flight finish within ``grace`` seconds."""
    watch = watch or MetricsAddress("127.0.0.1", None)
    metrics = watch.metrics()
    shutdown = Shutdown(grace, requested=stop)
    async with (
        shutdown.on_signals(),
        running(url, settings=settings, matching=True, metrics=metrics) as runtime,
        reading(runtime.bot),
        serving_metrics(metrics, watch.host, watch.port),
    ):
        scheduler = runtime.scheduler()
        async with AsyncExitStack() as stack:
            if to_console:
                chat = ConsoleChat(sys.stdout)
                chats: ChatFor | dict[str, ChatFor] = lambda community: chat  # noqa: E731
            else:
                chats = await stack.enter_async_context(scheduled_chats(settings, runtime.storage))
            work = asyncio.create_task(scheduler.run(chats, shutdown.requested, every=every))
            asked = asyncio.ensure_future(shutdown.requested.wait())
            try:
                await asyncio.wait({work, asked}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                asked.cancel()
            await shutdown.finish(work, "the scheduler")
            if shutdown.reason:
                log.info("the scheduler stopped (%s)", shutdown.reason)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=PORT, help="Port to listen on.")
@click.option(
    "--sign-in",
    "sign_in_key",
    default=None,
    metavar="KEY",
    help="Print a one-time sign-in link for a console community (e.g. console:shell).",
)
@metrics_options
@grace_option
@pass_invocation
def web(
    invocation: Invocation,
    host: str,
    port: int,
    sign_in_key: str | None,
    metrics_host: str,
    metrics_port: int | None,
    grace: float,
) -> None:
    """Serve the admin dashboard on its own, at /admin on --host/--port: for Discord,
    Slack in Socket Mode and console communities. Admins sign in with a link from
    `/givefirst dashboard`; GIVEFIRST_PUBLIC_URL says where the links lead (default:
    this address)."""
    if sign_in_key is not None and not sign_in_key.startswith("console:"):
        raise click.UsageError(
            "--sign-in is for console communities; on Slack and Discord an admin types "
            "/givefirst dashboard in the community."
        )
    watch = MetricsAddress(metrics_host, metrics_port)
    run(
        lambda: _web(
            invocation.database_url,
            invocation.settings,
            host,
            port,
            sign_in_key,
            watch,
            shutdown=Shutdown(grace),
        )
    )


async def _web(
    url: str | None,
    settings: Settings,
    host: str,
    port: int,
    sign_in_key: str | None,
    watch: MetricsAddress,
    started: asyncio.Event | None = None,
    *,
    shutdown: Shutdown | None = None,
) -> None:
    """Serve the dashboard until asked to stop; the pages being answered then finish
    within the grace period."""
    from aiohttp import web as aiohttp_web

    from adapters.web import dashboard_application

    # Listening everywhere is reached from this machine at its loopback address.
    reached = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    access = settings.dashboard(fallback_url=f"http://{reached}:{port}")
    metrics = watch.metrics()
    stopping = shutdown or Shutdown()
    async with (
        stopping.on_signals(),
        running(url, dashboard=access, metrics=metrics) as runtime,
        serving_metrics(metrics, watch.host, watch.port),
    ):
        if sign_in_key is not None:
            if await runtime.bot.community(sign_in_key) is None:
                raise click.ClickException(f"There is no community {sign_in_key!r} here yet.")
            try:
                link = await runtime.bot.sign_in_link(sign_in_key)
            except GiveFirstError as error:
                raise click.ClickException(error.message) from None
            click.echo(f"Sign in to {sign_in_key} (once, within 10 minutes): {link}")
        runner = aiohttp_web.AppRunner(
            dashboard_application(runtime.bot, public_url=access.public_url),
            shutdown_timeout=stopping.grace,
        )
        await runner.setup()
        await aiohttp_web.TCPSite(runner, host, port).start()
        log.info("the dashboard is at %s/admin/", access.public_url)
        if started is not None:
            started.set()
        try:
            await stopping.requested.wait()
            log.info("no longer serving the dashboard")
        finally:
            await runner.cleanup()


def configured_platforms(settings: Settings) -> set[str]:
    """The platforms whose credentials are set, so scheduled work can be posted there."""
    platforms = set()
    if settings.slack_bot_token or slack_oauth_client_id(settings):
        platforms.add("slack")
    if settings.discord_token:
        platforms.add("discord")
    return platforms


@asynccontextmanager
async def scheduled_chats(
    settings: Settings, storage: Storage, only: str | None = None
) -> AsyncIterator[dict[str, ChatFor]]:
    """How scheduled work reaches each configured platform's communities (or ``only``
    that platform's), by platform, from a process that does not serve them: Slack
    through the Web API (as the bot installed in each workspace, with OAuth), Discord
    through its REST API alone. Credentials the platform refuses are a usage error."""
    platforms = configured_platforms(settings)
    if only:
        platforms &= {only}
    chats: dict[str, ChatFor] = {}
    async with AsyncExitStack() as stack:
        if "slack" in platforms:
            from adapters.slack.server import (
                TokenRefused,
                chat_for_scheduled_work,
                check_bot_token,
                web_client,
            )

            session = await stack.enter_async_context(aiohttp.ClientSession())
            if settings.slack_bot_token and not slack_oauth_client_id(settings):
                try:
                    await check_bot_token(
                        web_client(settings.slack_api_url, settings.slack_bot_token, session)
                    )
                except TokenRefused as refused:
                    raise click.UsageError(SLACK_TOKEN_REFUSED.format(refused)) from None
            chats["slack"] = chat_for_scheduled_work(
                slack_options(settings, storage), session=session
            )
        if "discord" in platforms:
            import discord

            from adapters.discord import client as discord_client

            discord_client.point_at(settings.discord_api_url, settings.discord_gateway_url)
            try:
                rest = await stack.enter_async_context(
                    discord_client.rest_client(settings.discord_token or "")
                )
            except discord.LoginFailure:
                raise click.UsageError(DISCORD_TOKEN_REFUSED) from None
            chats["discord"] = discord_client.chat_for_scheduled_work(rest)
        yield chats
