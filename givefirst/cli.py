"""The ``givefirst`` command: the composition root that wires settings, storage,
the core and one adapter together."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

import aiohttp
import click
import sqlalchemy as sa

from adapters.console import ConsoleChat, ConsoleSession
from adapters.console.demo import DEMO_ADMINS, DEMO_COMMUNITY, STORY
from bot import services
from bot.app import GiveFirst
from bot.clock import FakeClock, SystemClock
from bot.directory_import import MemberImportError, parse_member_file
from bot.errors import GiveFirstError
from bot.scheduler import ChatFor, Scheduler, run_scheduler
from bot.settings import Settings
from bot.skills import Vocabulary
from storage import Storage

if TYPE_CHECKING:
    from adapters.slack.server import SlackOptions

T = TypeVar("T")

log = logging.getLogger("givefirst")

SCHEDULER_STOP_SECONDS = 10.0
"""How long shutting down waits for a scheduler tick in progress before cancelling it."""
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


def _run(coro_fn: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coro_fn()

    return asyncio.run(main())


FULL_COLLECTION_THRESHOLD = 100
"""Young collections between two full ones (Python's default is 10)."""


def settle_before_serving() -> None:
    """Before serving: load what the first command would otherwise wait for, then
    freeze everything loaded so far (modules, the skill vocabulary, mappers) out of
    the garbage collector's reach. Its full collections then walk only what the bot
    creates as it runs, instead of pausing every event for tens of milliseconds to
    re-check hundreds of thousands of objects that live as long as the process.

    Full collections still pause everything for several milliseconds, and under load
    every acknowledgement in flight waits them out, so they are made ten times rarer.
    Memory is still freed as soon as it is unused (reference counting); only cycles
    of objects that outlived many collections wait longer to be found."""
    Vocabulary.default()
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_THRESHOLD)


async def _open(database_url: str | None) -> Storage:
    storage = Storage.connect(database_url)
    await storage.upgrade()
    return storage


@asynccontextmanager
async def _scheduling(
    storage: Storage,
    chat_for: ChatFor,
    *,
    enabled: bool = True,
    platform: str | None = None,
    ready: Callable[[], Awaitable[object]] | None = None,
    every: float = 30.0,
) -> AsyncIterator[None]:
    """Run the scheduler in the background while the block runs (once ``ready``
    returns, if given); on the way out, let a tick in progress finish."""
    if not enabled:
        yield
        return
    stop = asyncio.Event()
    scheduler = Scheduler(storage.unit_of_work, SystemClock(), platform=platform)

    async def scheduled() -> None:
        if ready is not None:
            waiting = asyncio.ensure_future(ready())
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
            stopping.cancel()
            if stop.is_set():
                return
        await run_scheduler(lambda: scheduler.tick(chat_for), stop, every=every)

    task = asyncio.create_task(scheduled())
    try:
        yield
    finally:
        stop.set()
        try:
            # wait_for cancels a tick that takes too long; a message whose delivery
            # was cut short is sent again once its lease runs out.
            await asyncio.wait_for(task, timeout=SCHEDULER_STOP_SECONDS)
        except TimeoutError:
            log.warning("stopped the scheduler in the middle of a tick")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    default=None,
    help="Where to keep data (default: sqlite givefirst.db in this folder).",
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """givefirst — a community bot that helps members give before they ask."""
    settings = Settings()
    level = settings.log_level.upper()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if level != "DEBUG":
        # Migration chatter on every start helps nobody; failures still surface.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = {"settings": settings, "database_url": database_url or settings.database_url}


@main.command()
@click.option(
    "--database-url",
    "demo_url",
    default=None,
    help="Play the demo into this database instead of a temporary SQLite file.",
)
def demo(demo_url: str | None) -> None:
    """Play a short scripted story of a small community on a local database."""
    with tempfile.TemporaryDirectory() as folder:
        url = demo_url or f"sqlite:///{Path(folder) / 'demo.db'}"
        _run(lambda: _demo(url))


async def _demo(url: str) -> None:
    storage = await _open(url)
    try:
        clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        bot = GiveFirst(storage.unit_of_work, clock)
        out = sys.stdout
        session = ConsoleSession(
            bot, DEMO_COMMUNITY, out, advance=clock.advance, admins=DEMO_ADMINS
        )
        out.write(
            "givefirst demo — a small community gives first.\n"
            "Every message below is what a platform would show, and to whom.\n"
        )
        for user, line in STORY:
            if line.startswith("press:"):
                session.user = user
                await session.press_labelled(line.removeprefix("press:"))
            else:
                await session.run(line, as_=user)
        out.write(
            "\n@ana> givefirst digest --dry-run   (the weekly digest, as it would be posted)\n"
        )
        clock.advance(timedelta(hours=1))
        await _print_digest(
            storage,
            DEMO_COMMUNITY,
            clock.now(),
            session.chat,
            since=clock.now() - timedelta(days=8),
        )
        out.write(
            "\nThat's givefirst: offers first, double opt-in introductions, follow-ups, "
            "thanks and paying it forward.\n"
        )
    finally:
        await storage.dispose()


async def _print_digest(
    storage: Storage, key: str, now: datetime, chat: ConsoleChat, since: datetime | None = None
) -> bool:
    async with storage.unit_of_work() as uow:
        community = await uow.communities.get_by_key(key)
        if community is None:
            return False
        digest = await services.digest_for(uow, community, since or now - timedelta(days=7), now)
    await chat.send(digest.message, default_channel=community.channel_id)
    return True


@main.command()
@click.option(
    "--community",
    "community_key",
    default="console:shell",
    show_default=True,
    help="Community key to act in.",
)
@click.option(
    "--admin",
    "admins",
    multiple=True,
    default=("admin",),
    show_default=True,
    help="Handles treated as admins.",
)
@click.pass_context
def shell(ctx: click.Context, community_key: str, admins: tuple[str, ...]) -> None:
    """Type commands as different members: `/as dana`, `/ask …`, press buttons by number."""
    _run(lambda: _shell(ctx.obj["database_url"], community_key, admins))


async def _shell(url: str | None, community_key: str, admins: tuple[str, ...]) -> None:
    storage = await _open(url)
    clock = _ShiftedClock()
    bot = GiveFirst(storage.unit_of_work, clock)
    session = ConsoleSession(bot, community_key, sys.stdout, advance=clock.shift, admins=admins)
    interactive = sys.stdin.isatty()
    if interactive:
        sys.stdout.write("givefirst shell — /help for help, /quit to leave.\n")
    try:
        while True:
            if interactive:
                sys.stdout.write(f"@{session.user}> ")
                sys.stdout.flush()
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            await session.run(line)
    finally:
        await storage.dispose()


class _ShiftedClock(SystemClock):
    """Real time plus however long the shell user has waited with ``/wait``."""

    def __init__(self) -> None:
        self._offset = timedelta()

    def now(self) -> datetime:
        return super().now() + self._offset

    def shift(self, delta: timedelta) -> None:
        self._offset += delta


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=3000, show_default=True, type=int, help="Port to listen on.")
@no_scheduler_option
@click.pass_context
def slack(ctx: click.Context, host: str, port: int, no_scheduler: bool) -> None:
    """Run on Slack: HTTP (Events API) on --host/--port, or Socket Mode with SLACK_APP_TOKEN.

    Scheduled work runs in the same process unless --no-scheduler is given.
    """
    settings: Settings = ctx.obj["settings"]
    if not settings.slack_signing_secret:
        raise click.UsageError("Set SLACK_SIGNING_SECRET (see README: Run on Slack).")
    if not settings.slack_bot_token and not slack_oauth_client_id(settings):
        raise click.UsageError(
            "Set SLACK_BOT_TOKEN for one workspace, or SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET to let many workspaces install givefirst."
        )
    _run(lambda: _slack(ctx.obj["database_url"], settings, host, port, not no_scheduler))


def slack_oauth_client_id(settings: Settings) -> str | None:
    """SLACK_CLIENT_ID, if SLACK_CLIENT_SECRET is set too: then workspaces install
    givefirst themselves (OAuth)."""
    if settings.slack_client_id and settings.slack_client_secret:
        return settings.slack_client_id
    return None


def slack_options(settings: Settings, storage: Storage) -> SlackOptions:
    """The Slack app's settings; with OAuth, its installations and install states are
    kept in givefirst's database (tables made by our migrations)."""
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore

    from adapters.slack.server import SlackOptions

    installation_store = state_store = None
    if client_id := slack_oauth_client_id(settings):
        installation_store = AsyncSQLAlchemyInstallationStore(
            client_id=client_id, engine=storage.engine
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
    url: str | None, settings: Settings, host: str, port: int, scheduled: bool = True
) -> None:
    from adapters.slack.server import (
        TokenRefused,
        chat_for_scheduled_work,
        check_bot_token,
        create_app,
        serve_http,
        serve_socket_mode,
    )

    storage = await _open(url)
    try:
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        options = slack_options(settings, storage)
        async with aiohttp.ClientSession() as session:  # connections to Slack, kept open
            app = create_app(bot, options, session=session)
            try:
                await check_bot_token(app.client)
            except TokenRefused as refused:
                raise click.UsageError(SLACK_TOKEN_REFUSED.format(refused)) from None
            chat_for = chat_for_scheduled_work(options, session=session)
            settle_before_serving()
            async with _scheduling(storage, chat_for, enabled=scheduled, platform="slack"):
                if settings.slack_app_token:
                    await serve_socket_mode(app, settings.slack_app_token)
                else:
                    await serve_http(app, host, port)
    finally:
        await storage.dispose()


@main.command()
@click.option(
    "--shards",
    type=int,
    default=None,
    help="Run this many shards in this process (large bots); default: one connection.",
)
@no_scheduler_option
@click.pass_context
def discord(ctx: click.Context, shards: int | None, no_scheduler: bool) -> None:
    """Run on Discord with DISCORD_TOKEN.

    Scheduled work runs in the same process, once connected, unless --no-scheduler is given.
    """
    settings: Settings = ctx.obj["settings"]
    if not settings.discord_token:
        raise click.UsageError("Set DISCORD_TOKEN (see README: Run on Discord).")
    _run(lambda: _discord(ctx.obj["database_url"], settings, shards, not no_scheduler))


async def _discord(
    url: str | None, settings: Settings, shards: int | None, scheduled: bool = True
) -> None:
    import discord

    from adapters.discord.client import (
        GiveFirstClient,
        ShardedGiveFirstClient,
        chat_for_scheduled_work,
        point_at,
    )

    point_at(settings.discord_api_url, settings.discord_gateway_url)
    storage = await _open(url)
    try:
        bot = GiveFirst(storage.unit_of_work, SystemClock())
        client = (
            ShardedGiveFirstClient(bot, guild_id=settings.discord_guild_id, shard_count=shards)
            if shards
            else GiveFirstClient(bot, guild_id=settings.discord_guild_id)
        )
        settle_before_serving()
        async with (
            client,
            _scheduling(
                storage,
                chat_for_scheduled_work(client),
                enabled=scheduled,
                platform="discord",
                ready=client.wait_until_ready,
            ),
        ):
            try:
                await client.start(settings.discord_token or "")
            except discord.LoginFailure:
                raise click.UsageError(DISCORD_TOKEN_REFUSED) from None
    finally:
        await storage.dispose()


@main.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--community", "community_key", required=True, help="e.g. slack:T0123")
@click.pass_context
def import_members(ctx: click.Context, file: Path, community_key: str) -> None:
    """Import a member directory (CSV, JSON or JSON Lines): all rows or none."""
    try:
        records = parse_member_file(file, Vocabulary.default())
    except MemberImportError as error:
        raise click.ClickException(f"{file}: {error} — nothing was imported.") from None

    async def store() -> services.ImportSummary:
        storage = await _open(ctx.obj["database_url"])
        try:
            async with storage.unit_of_work() as uow:
                summary = await services.import_directory(
                    uow, community_key, records, SystemClock().now()
                )
                await uow.commit()
            return summary
        finally:
            await storage.dispose()

    summary = _run(store)
    click.echo(
        f"Imported {len(records)} members into {community_key}: {summary.created} new, "
        f"{summary.updated} updated, {summary.offers} offers added."
    )


@main.command()
@click.argument("text", required=False)
@click.option("--community", "community_key", required=True, help="e.g. slack:T0123")
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--file",
    "batch",
    type=click.File("r"),
    default=None,
    help="Read one ask per line (- for stdin); prints one JSON line per ask.",
)
@click.pass_context
def match(
    ctx: click.Context,
    text: str | None,
    community_key: str,
    top: int,
    as_json: bool,
    batch: TextIO | None,
) -> None:
    """Show who would be suggested for an ask, with scores and reasons."""
    if (text is None) == (batch is None):
        raise click.UsageError("Give the ask as TEXT, or --file PATH with one ask per line.")
    asks = [line.strip() for line in batch if line.strip()] if batch else [text or ""]

    async def rank() -> list[list[dict[str, Any]]]:
        storage = await _open(ctx.obj["database_url"])
        try:
            async with storage.unit_of_work() as uow:
                results = []
                for ask in asks:
                    ranked = await services.match_text(
                        uow, community_key, ask, SystemClock().now(), top=top
                    )
                    results.append(
                        [
                            {
                                "handle": m.platform_user_id,
                                "name": m.name,
                                "score": round(c.score, 4),
                                "reasons": list(c.reasons),
                            }
                            for m, c in ranked
                        ]
                    )
                return results
        finally:
            await storage.dispose()

    try:
        results = _run(rank)
    except GiveFirstError as error:
        raise click.ClickException(error.message) from None
    if batch is not None:
        for ask, ranked in zip(asks, results, strict=True):
            click.echo(json.dumps({"ask": ask, "helpers": ranked}, ensure_ascii=False))
    elif as_json:
        click.echo(json.dumps(results[0], indent=2, ensure_ascii=False))
    elif not results[0]:
        click.echo("Nobody yet — no member is a good enough fit.")
    else:
        for i, row in enumerate(results[0], 1):
            click.echo(f"{i}. {row['handle']} ({row['name']})  score {row['score']:.3f}")
            for reason in row["reasons"]:
                click.echo(f"     {reason}")


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the database schema to the latest version."""

    async def upgrade() -> None:
        storage = await _open(ctx.obj["database_url"])
        await storage.dispose()

    _run(upgrade)
    click.echo("Database is up to date.")


@db.command("forget-community")
@click.argument("key")
@click.option("--yes", is_flag=True, help="Erase without asking for confirmation.")
@click.pass_context
def db_forget_community(ctx: click.Context, key: str, yes: bool) -> None:
    """Erase what community KEY (e.g. slack:T0123) holds: every member as by forget-me
    (profiles, offers, asks, thank-you notes, scheduled messages), the community's
    settings, and for Slack its installation; only anonymous counts remain."""
    if not yes:
        click.confirm(f"Erase the data of {key}? This cannot be undone.", abort=True)

    async def forget() -> bool:
        storage = await _open(ctx.obj["database_url"])
        try:
            if not await GiveFirst(storage.unit_of_work, SystemClock()).forget_community(key):
                return False
            if key.startswith("slack:"):
                await _forget_slack_installation(storage, key.removeprefix("slack:"))
            return True
        finally:
            await storage.dispose()

    if not _run(forget):
        raise click.ClickException(f"There is no community {key!r} in this database.")
    click.echo(f"Erased the data of {key}.")


async def _forget_slack_installation(storage: Storage, workspace: str) -> None:
    """Delete a workspace's OAuth installation (its bot token among it), if any: the
    tables slack_sdk's SQLAlchemy store keeps, which our migrations create."""
    async with storage.engine.begin() as connection:
        for table in ("slack_bots", "slack_installations"):
            await connection.execute(
                sa.text(f"DELETE FROM {table} WHERE team_id = :id OR enterprise_id = :id"),
                {"id": workspace},
            )


@main.command()
@click.option("--community", "community_key", required=True, help="e.g. slack:T0123")
@click.option("--dry-run", is_flag=True, help="Print the digest instead of posting it.")
@click.pass_context
def digest(ctx: click.Context, community_key: str, dry_run: bool) -> None:
    """Show the weekly digest for a community, or post this week's now.

    Posting goes through the same claim as the scheduler, so a week's digest is
    never posted twice. It needs the platform's credentials: SLACK_BOT_TOKEN (or an
    OAuth install, with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) for slack:
    communities, DISCORD_TOKEN for discord: ones.
    """
    settings: Settings = ctx.obj["settings"]
    platform = community_key.partition(":")[0]
    if not dry_run and platform not in configured_platforms(settings):
        raise click.UsageError(
            f"Posting to a {platform}: community needs that platform's credentials: "
            "SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) for slack:, "
            "DISCORD_TOKEN for discord:. Use --dry-run to see the digest instead."
        )

    async def show() -> bool:
        storage = await _open(ctx.obj["database_url"])
        try:
            return await _print_digest(
                storage, community_key, SystemClock().now(), ConsoleChat(sys.stdout)
            )
        finally:
            await storage.dispose()

    async def post() -> str:
        storage = await _open(ctx.obj["database_url"])
        try:
            # Other communities' waiting messages are left to their schedulers.
            scheduler = Scheduler(storage.unit_of_work, SystemClock(), community=community_key)
            # Connect before claiming, so that refused credentials leave the week unclaimed.
            async with scheduled_chats(settings, storage, only=platform) as chats:
                outcome = await scheduler.claim_current_digest(community_key, even_if_quiet=True)
                if outcome == "queued":
                    delivered = await scheduler.deliver(chats[platform])
                    if delivered.failed:
                        raise click.ClickException(
                            f"The digest could not be posted ({delivered.failed} message "
                            "failed; the log above says why)."
                        )
                    outcome = f"Posted ({delivered.sent} sent, {delivered.held} to retry)."
            return outcome
        finally:
            await storage.dispose()

    if not dry_run:
        click.echo(_run(post))
    elif not _run(show):
        raise click.ClickException(f"No community {community_key!r} in this database.")


@main.command()
@click.option(
    "--console",
    "to_console",
    is_flag=True,
    help="Print what would be sent instead of posting (no platform needed).",
)
@click.option("--every", default=30.0, show_default=True, help="Seconds between ticks.")
@click.pass_context
def scheduler(ctx: click.Context, to_console: bool, every: float) -> None:
    """Run only the scheduler: digests, follow-ups, reminders and expiry.

    `givefirst slack` and `givefirst discord` run it too; any number of processes
    may, and each piece of work is still done once.
    """
    settings: Settings = ctx.obj["settings"]
    if not to_console and not configured_platforms(settings):
        raise click.UsageError(
            "The scheduler needs a platform to post to: set SLACK_BOT_TOKEN (or "
            "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) and/or DISCORD_TOKEN, or pass "
            "--console to print instead."
        )
    _run(lambda: _scheduler(ctx.obj["database_url"], settings, to_console=to_console, every=every))


async def _scheduler(
    url: str | None,
    settings: Settings,
    *,
    to_console: bool = False,
    every: float = 30.0,
    stop: asyncio.Event | None = None,
) -> None:
    """Scheduled work for every platform with credentials set (or printed), until ``stop``:
    planned once per tick, then delivered on each platform."""
    storage = await _open(url)
    stop = stop or asyncio.Event()
    try:
        scheduler = Scheduler(storage.unit_of_work, SystemClock())
        if to_console:
            chat = ConsoleChat(sys.stdout)
            await run_scheduler(lambda: scheduler.tick(lambda community: chat), stop, every=every)
            return
        async with scheduled_chats(settings, storage) as chats:
            await run_scheduler(lambda: scheduler.tick_each_platform(chats), stop, every=every)
    finally:
        await storage.dispose()


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


@main.command()
@click.option("--community", "community_key", default=None, help="Only this community.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def stats(ctx: click.Context, community_key: str | None, as_json: bool) -> None:
    """Anonymous counts per community: members, offers, asks, introductions, thanks."""

    async def collect() -> list[dict[str, Any]]:
        storage = await _open(ctx.obj["database_url"])
        try:
            async with storage.unit_of_work() as uow:
                rows = []
                for community in await uow.communities.list():
                    if (community_key and community.key != community_key) or community.id is None:
                        continue
                    intros = await uow.introductions.in_community(community.id)
                    rows.append(
                        {
                            "community": community.key,
                            "members": len(await uow.members.list(community.id)),
                            "open_offers": len(await uow.offers.open_in(community.id)),
                            "open_asks": len(await uow.asks.open_in(community.id)),
                            "introductions": sum(1 for i in intros if i.status == "accepted"),
                            "helped": sum(1 for i in intros if i.outcome == "helped"),
                            "thanks": len(await uow.thanks.in_community(community.id)),
                        }
                    )
                return rows
        finally:
            await storage.dispose()

    rows = _run(collect)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No communities yet.")
    for row in rows:
        click.echo("  ".join(f"{k}={v}" for k, v in row.items()))


if __name__ == "__main__":
    main()
