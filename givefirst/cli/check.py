"""``givefirst check``: verify a deployment, one line per check.

The database is checked by :mod:`storage.check`, Slack by :mod:`adapters.slack.check`
and Discord by :mod:`adapters.discord.check`; what belongs to this machine (the public
URL, time zones, the sentence model) is checked here. Nothing is changed or posted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
from collections.abc import Awaitable, Mapping, Sequence
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot.app import GiveFirst
from bot.checks import CHECK_SECONDS, Check, Status
from bot.clock import SystemClock
from bot.domain import Community
from givefirst.cli.context import Invocation, pass_invocation, run
from givefirst.cli.serve import PORT, slack_oauth_client_id
from givefirst.embedding import EmbeddingUnavailable, load_encoder
from givefirst.settings import Settings
from storage import Storage
from storage.check import check_database

SYMBOLS = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗"}
log = logging.getLogger("givefirst")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=CHECK_SECONDS,
    show_default=True,
    help="Seconds each check waits for a server before reporting it as not answering.",
)
@pass_invocation
def check(invocation: Invocation, as_json: bool, timeout: float) -> None:
    """Verify this deployment: the database and its schema; Slack's and Discord's
    credentials, scopes and intents; each community's channel; GIVEFIRST_PUBLIC_URL;
    time zones; the sentence model.

    Prints a line per check (✓ passed, ! warning, ✗ failed, each failure with its
    fix) and exits with status 1 if any failed. Only what is configured is checked;
    nothing is changed or posted.
    """
    if logging.getLogger().level > logging.DEBUG:
        # The libraries' chatter (logging in, connecting) would bury the report.
        logging.getLogger().setLevel(logging.WARNING)
        # discord.py warns of the intents and voice libraries a REST client does not need.
        logging.getLogger("discord").setLevel(logging.ERROR)
    checks = run(lambda: deployment_checks(invocation.settings, invocation.database_url, timeout))
    if as_json:
        report = {
            "ok": not any(c.failed for c in checks),
            "checks": [
                {"name": c.name, "status": c.status.value, "detail": c.detail, "fix": c.fix}
                for c in checks
            ],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(report_text(checks))
    if any(c.failed for c in checks):
        raise SystemExit(1)


def report_text(checks: Sequence[Check]) -> str:
    """A line per check, the fix below each failure and warning, then a summary."""
    lines = []
    for c in checks:
        lines.append(f"{SYMBOLS[c.status]} {c.name}: {c.detail}")
        if c.fix and c.status is not Status.OK:
            lines.append(f"    fix: {c.fix}")
    failed = sum(c.status is Status.FAIL for c in checks)
    warned = sum(c.status is Status.WARN for c in checks)
    if not failed and not warned:
        lines.append(f"All {len(checks)} checks passed.")
    else:
        counts = [f"{len(checks) - failed - warned} passed"]
        counts += [f"{warned} warning{'s' if warned != 1 else ''}"] if warned else []
        counts += [f"{failed} failed"] if failed else []
        lines.append(f"{len(checks)} checks: {', '.join(counts)}.")
    return "\n".join(lines)


async def deployment_checks(
    settings: Settings, database_url: str | None, seconds: float
) -> list[Check]:
    """Every check that applies to these settings, in the order they are printed."""
    # The sentence model loads on a thread of its own meanwhile.
    matching = asyncio.ensure_future(asyncio.to_thread(check_matching, settings))
    database = await check_database(database_url, seconds=seconds)
    checks = list(database.checks)
    communities: list[Community] | None = None
    installed: dict[str, str] = {}
    if database.readable:
        try:
            async with asyncio.timeout(seconds):
                communities, installed = await _stored(settings, database_url)
        except (SQLAlchemyError, TimeoutError) as error:
            why = str(error) or f"no answer within {seconds:g} s"
            checks.append(
                Check.fail("communities", f"could not be read: {why}", "see the database's log")
            )
    else:
        checks.append(
            Check.warn(
                "communities",
                "their channels and time zones were not checked: the database cannot be read",
                "fix the database first",
            )
        )
    platforms = await asyncio.gather(
        _slack(settings, communities, installed, seconds),
        _discord(settings, communities, seconds),
    )
    checks += [check for platform in platforms for check in platform]
    configured = bool(
        settings.slack_bot_token or slack_oauth_client_id(settings) or settings.discord_token
    )
    if not configured:
        checks.append(
            Check.warn(
                "platforms",
                "neither Slack nor Discord is configured here",
                "set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, and/or DISCORD_TOKEN",
            )
        )
    if settings.givefirst_public_url or configured:
        checks.append(await check_public_url(settings.givefirst_public_url, seconds))
    checks.append(check_time_zones(communities))
    if (serving := check_serving_options(os.environ)) is not None:
        checks.append(serving)
    checks.append(await matching)
    return checks


SERVING_OPTIONS: dict[str, tuple[click.ParamType[Any], str]] = {
    "GIVEFIRST_SHUTDOWN_GRACE": (click.FloatRange(min=0), "a number of seconds, e.g. 20"),
    "GIVEFIRST_METRICS_PORT": (PORT, "a port from 1 to 65535, e.g. 9100"),
}


def check_serving_options(environment: Mapping[str, str]) -> Check | None:
    """Whether the serving commands' options set in the environment can be read (they
    would refuse to start); None when none is set."""
    given = {name: environment[name] for name in SERVING_OPTIONS if environment.get(name)}
    if not given:
        return None
    for name, value in given.items():
        kind, example = SERVING_OPTIONS[name]
        try:
            kind.convert(value, None, None)
        except click.BadParameter:
            return Check.fail(
                "serving options", f"{name}={value!r} cannot be read", f"write {example}"
            )
    return Check.ok("serving options", ", ".join(f"{n}={v}" for n, v in given.items()))


async def _stored(
    settings: Settings, database_url: str | None
) -> tuple[list[Community], dict[str, str]]:
    """The communities, and with OAuth each installed workspace's bot token."""
    storage = Storage.connect(database_url)
    try:
        communities = await GiveFirst(storage.unit_of_work, SystemClock()).communities()
        client_id = slack_oauth_client_id(settings)
        installed = await slack_installations(storage, client_id) if client_id else {}
    finally:
        await storage.dispose()
    return communities, installed


async def slack_installations(storage: Storage, client_id: str) -> dict[str, str]:
    """Each workspace that installed the app ``client_id`` (its team id, or enterprise
    id for an org-wide install), with its bot's current token."""
    from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore

    store = AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=storage.engine)
    bots = store.bots.c
    query = (
        select(bots.enterprise_id, bots.team_id, bots.is_enterprise_install)
        .where(bots.client_id == client_id)
        .distinct()
    )
    async with storage.engine.connect() as connection:
        workspaces = (await connection.execute(query)).all()
    installed: dict[str, str] = {}
    for enterprise_id, team_id, org_wide in workspaces:
        bot = await store.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=None if org_wide else team_id,
            is_enterprise_install=bool(org_wide),
        )
        if bot is not None and bot.bot_token:
            installed[enterprise_id if org_wide else team_id] = bot.bot_token
    return installed


async def _slack(
    settings: Settings,
    communities: list[Community] | None,
    installed: dict[str, str],
    seconds: float,
) -> list[Check]:
    configured = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        slack_oauth_client_id(settings),
    )
    if not any(configured):
        return _unserved("slack", "Slack", communities, "SLACK_BOT_TOKEN (or OAuth)")
    from adapters.slack.check import SlackSetup, check_slack

    setup = SlackSetup(
        api_url=settings.slack_api_url,
        signing_secret=settings.slack_signing_secret,
        bot_token=settings.slack_bot_token,
        app_token=settings.slack_app_token,
        oauth=slack_oauth_client_id(settings) is not None,
        installed=installed,
    )
    return await _guarded("Slack", check_slack(setup, communities, seconds=seconds))


async def _discord(
    settings: Settings, communities: list[Community] | None, seconds: float
) -> list[Check]:
    if not settings.discord_token:
        return _unserved("discord", "Discord", communities, "DISCORD_TOKEN")
    from adapters.discord.check import check_discord
    from adapters.discord.client import point_at

    point_at(settings.discord_api_url, settings.discord_gateway_url)
    checking = check_discord(
        settings.discord_token,
        communities,
        dev_guild_id=settings.discord_guild_id,
        seconds=seconds,
    )
    return await _guarded("Discord", checking)


async def _guarded(platform: str, checking: Awaitable[list[Check]]) -> list[Check]:
    """A platform's checks; should one of them break, that is reported, not raised."""
    try:
        found = await checking
    except Exception as error:
        log.debug("checking %s failed", platform, exc_info=True)
        return [
            Check.fail(
                platform,
                f"the check itself failed: {type(error).__name__}: {error}",
                "run it again with LOG_LEVEL=DEBUG to see where",
            )
        ]
    return found


def _unserved(
    prefix: str, platform: str, communities: list[Community] | None, variable: str
) -> list[Check]:
    """A note when the database holds communities of a platform not configured here."""
    keys = [c.key for c in communities or () if c.key.startswith(f"{prefix}:")]
    if not keys:
        return []
    return [
        Check.warn(
            platform,
            f"{len(keys)} {platform} communit{'ies' if len(keys) != 1 else 'y'} in the "
            f"database, but {variable} is not set here, so they were not checked",
            f"run givefirst check with {platform}'s settings too",
        )
    ]


async def check_public_url(raw: str | None, seconds: float) -> Check:
    """Whether GIVEFIRST_PUBLIC_URL is an absolute http(s) URL; it is fetched only when
    it is on this machine."""
    name = "GIVEFIRST_PUBLIC_URL"
    if not raw:
        return Check.warn(
            name,
            "not set: /givefirst dashboard cannot give admins sign-in links",
            "set it to the address people open the dashboard at, e.g. https://givefirst.example.org",
        )
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return Check.fail(
            name,
            f"{raw!r} is not an absolute http(s) address",
            "write it with its scheme and host, and a path if your proxy adds one: "
            "https://givefirst.example.org",
        )
    if parts.path.rstrip("/").endswith("/admin"):
        return Check.fail(
            name,
            f"{raw} ends in /admin: sign-in links would lead to …/admin/admin/…",
            "give the address without /admin (the dashboard adds it): "
            f"{raw.rstrip('/').removesuffix('/admin')}",
        )
    local = _is_local(parts.hostname)
    if parts.scheme == "http" and not local:
        return Check.warn(
            name,
            f"{raw} is plain http on another machine: the dashboard's session cookie will "
            "not be Secure, and sign-in links travel unencrypted",
            "serve the dashboard over HTTPS (behind your TLS proxy) and write https://…",
        )
    if not local:
        return Check.ok(name, f"{raw}: an absolute {parts.scheme} address (not fetched)")
    try:
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(raw) as answer:
            status = answer.status
    except (aiohttp.ClientError, OSError, TimeoutError):
        return Check.warn(
            name,
            f"{raw} is on this machine, but nothing answers there",
            "start givefirst slack (HTTP mode) or givefirst web, or correct the address",
        )
    return Check.ok(name, f"{raw} answers (HTTP {status})")


def _is_local(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_time_zones(communities: Sequence[Community] | None) -> Check:
    """Whether the time-zone database is there and each community's zone is in it."""
    name = "time zones"
    try:
        ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:
        return Check.fail(
            name,
            "no time-zone database: digests and rounds cannot be timed in local time",
            "pip install tzdata (or install the system's tzdata package)",
        )
    unknown = []
    for community in communities or ():
        try:
            ZoneInfo(community.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            unknown.append(f"{community.key} ({community.timezone})")
    if unknown:
        return Check.fail(
            name,
            f"unknown time zone for {', '.join(unknown)}",
            "an admin sets a valid one: /givefirst config timezone Europe/Berlin",
        )
    try:
        source = f"tzdata {metadata.version('tzdata')}"
    except metadata.PackageNotFoundError:
        source = "the system's"
    zones = sorted({c.timezone for c in communities or ()})
    every = f"; every community's resolves ({', '.join(zones)})" if zones else ""
    return Check.ok(name, f"the time-zone database is there ({source}){every}")


def check_matching(settings: Settings) -> Check:
    """Whether the sentence model matching uses loads, or matching falls back to words."""
    if settings.givefirst_matching == "lexical":
        return Check.ok(
            "matching", "by skill vocabulary and words (GIVEFIRST_MATCHING=lexical): no model"
        )
    try:
        encoder = load_encoder(settings.givefirst_embedding_model)
    except EmbeddingUnavailable as why:
        return Check.warn("matching", f"falls back to the skill vocabulary and words: {why}")
    encoder.close()
    return Check.ok(
        "matching", f"the sentence model {encoder.model_id} loads ({encoder.dimensions} dimensions)"
    )
