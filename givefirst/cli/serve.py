"""Serving communities: ``slack``, ``discord`` and ``scheduler``.

Each runs until SIGTERM or SIGINT, then stops the way a deploy needs (see
:mod:`givefirst.shutdown`): it takes nothing new, hands its scheduled messages not
yet started to other processes at once, finishes what it acknowledged within the
grace period (``--grace``, default 20 s), and closes its connections; a second
signal exits at once.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING

import aiohttp
import click

from adapters.console import ConsoleChat
from adapters.inflight import InFlight
from bot.scheduler import ChatFor, Scheduler
from givefirst.bootstrap import running, settle_before_serving
from givefirst.cli.context import Invocation, pass_invocation, run
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
    "installed app (see README: Run on Slack)."
)
DISCORD_TOKEN_REFUSED = (
    "Discord refused DISCORD_TOKEN: set it to the token of your application's bot "
    "(see README: Run on Discord)."
)

no_scheduler_option = click.option(
    "--no-scheduler",
    is_flag=True,
    envvar="GIVEFIRST_NO_SCHEDULER",
    help="Don't run scheduled work (digests, follow-ups, expiry) in this process, e.g. "
    "when `givefirst scheduler` runs separately.",
)
grace_option = click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=DEFAULT_GRACE,
    show_default=True,
    envvar="GIVEFIRST_SHUTDOWN_GRACE",
    help="On SIGTERM or SIGINT, seconds to finish what is in flight before exiting "
    "(a second signal exits at once).",
)


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
@click.option("--port", default=3000, show_default=True, type=int, help="Port to listen on.")
@no_scheduler_option
@grace_option
@pass_invocation
def slack(invocation: Invocation, host: str, port: int, no_scheduler: bool, grace: float) -> None:
    """Run on Slack: HTTP (Events API) on --host/--port, or Socket Mode with SLACK_APP_TOKEN.

    Scheduled work runs in the same process unless --no-scheduler is given.
    """
    settings = invocation.settings
    if not settings.slack_signing_secret:
        raise click.UsageError("Set SLACK_SIGNING_SECRET (see README: Run on Slack).")
    if not settings.slack_bot_token and not slack_oauth_client_id(settings):
        raise click.UsageError(
            "Set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET to let many workspaces install givefirst."
        )
    run(
        lambda: _slack(
            invocation.database_url, settings, host, port, not no_scheduler, shutdown=grace
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
    *,
    shutdown: Shutdown | float = DEFAULT_GRACE,
) -> None:
    """Serve Slack until asked to stop (``shutdown``, or SIGTERM/SIGINT with a grace
    period in seconds), then stop listening and finish the acknowledged work."""
    from adapters.slack.server import (
        TokenRefused,
        chat_for_scheduled_work,
        check_bot_token,
        create_app,
        serve_http,
        serve_socket_mode,
    )

    stopping = shutdown if isinstance(shutdown, Shutdown) else Shutdown(shutdown)
    async with stopping.on_signals(), running(url) as runtime:
        options = slack_options(settings, runtime.storage)
        async with aiohttp.ClientSession() as session:  # connections to Slack, kept open
            in_flight = InFlight()
            app = create_app(runtime.bot, options, session=session, in_flight=in_flight)
            try:
                await check_bot_token(app.client)
            except TokenRefused as refused:
                raise click.UsageError(SLACK_TOKEN_REFUSED.format(refused)) from None
            chat_for = chat_for_scheduled_work(options, session=session)
            settle_before_serving()
            scheduler = runtime.scheduler(platform="slack") if scheduled else None
            async with scheduling(scheduler, chat_for, shutdown=stopping):
                if settings.slack_app_token:
                    await serve_socket_mode(app, settings.slack_app_token, stop=stopping.requested)
                else:
                    await serve_http(app, host, port, stop=stopping.requested)
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
@grace_option
@pass_invocation
def discord(invocation: Invocation, shards: int | None, no_scheduler: bool, grace: float) -> None:
    """Run on Discord with DISCORD_TOKEN.

    Scheduled work runs in the same process, once connected, unless --no-scheduler is given.
    """
    settings = invocation.settings
    if not settings.discord_token:
        raise click.UsageError("Set DISCORD_TOKEN (see README: Run on Discord).")
    run(
        lambda: _discord(
            invocation.database_url, settings, shards, not no_scheduler, shutdown=grace
        )
    )


async def _discord(
    url: str | None,
    settings: Settings,
    shards: int | None,
    scheduled: bool = True,
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
    stopping = shutdown if isinstance(shutdown, Shutdown) else Shutdown(shutdown)
    async with stopping.on_signals(), running(url) as runtime:
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
@click.option("--every", default=30.0, show_default=True, help="Seconds between ticks.")
@grace_option
@pass_invocation
def scheduler(invocation: Invocation, to_console: bool, every: float, grace: float) -> None:
    """Run only the scheduler: digests, follow-ups, reminders and expiry.

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
    run(
        lambda: _scheduler(
            invocation.database_url, settings, to_console=to_console, every=every, grace=grace
        )
    )


async def _scheduler(
    url: str | None,
    settings: Settings,
    *,
    to_console: bool = False,
    every: float = 30.0,
    stop: asyncio.Event | None = None,
    grace: float = DEFAULT_GRACE,
) -> None:
    """Scheduled work for every platform with credentials set (or printed), until ``stop``
    is set or SIGTERM/SIGINT: planned once per tick, then delivered on each platform.
    Stopping hands the messages not yet started to other processes at once, and lets
    those in flight finish within ``grace`` seconds."""
    shutdown = Shutdown(grace, requested=stop)
    async with shutdown.on_signals(), running(url) as runtime:
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
