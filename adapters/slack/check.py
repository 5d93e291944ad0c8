"""``givefirst check`` for Slack: the signing secret, each bot token (``auth.test``)
and its scopes, the Socket Mode token, and each community's channel.

Only harmless calls are made: ``auth.test``, whose answer carries the token's scopes
in the ``x-oauth-scopes`` header, and ``conversations.info`` when the token may read
channels. Nothing is posted, and no Socket Mode connection is opened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.server import BOT_SCOPES, REFUSED_TOKEN_ERRORS
from bot.checks import CHECK_SECONDS, Check
from bot.domain import Community

READ_SCOPES = ("channels:read", "groups:read")
"""Either lets ``conversations.info`` say whether the bot is in a channel (public and
private channels respectively); givefirst itself does not need them."""
OPTIONAL_SCOPES = (*READ_SCOPES, "channels:history", "groups:history", "im:history", "mpim:history")
REINSTALL = (
    "add the missing scopes under OAuth & Permissions → Bot Token Scopes (or paste "
    "manifest.yml again), then reinstall the app to the workspace"
)
T = TypeVar("T")


@dataclass(frozen=True)
class SlackSetup:
    """What the operator configured for Slack."""

    api_url: str
    signing_secret: str | None = None
    bot_token: str | None = None
    app_token: str | None = None
    oauth: bool = False
    installed: Mapping[str, str] | None = None
    """With OAuth: each installed workspace's id (team, or enterprise for an org-wide
    install) and its bot's token."""


@dataclass(frozen=True)
class SlackBot:
    """What Slack said about a bot token."""

    team_id: str
    team_name: str
    enterprise_id: str | None
    user_id: str
    user_name: str
    scopes: frozenset[str] | None
    """None when Slack did not say (no ``x-oauth-scopes`` header)."""

    def serves(self, community: Community) -> bool:
        workspace = community.key.removeprefix("slack:")
        return workspace in (self.team_id, self.enterprise_id)


async def check_slack(
    setup: SlackSetup,
    communities: Sequence[Community] | None,
    *,
    seconds: float = CHECK_SECONDS,
) -> list[Check]:
    """Every Slack check that applies to ``setup``; with ``communities`` (None when the
    database could not be read), the channel of each ``slack:`` community too."""
    checks = [check_signing_secret(setup.signing_secret)]
    if setup.app_token:
        checks.append(check_app_token(setup.app_token))
    ours = [c for c in communities or () if c.key.startswith("slack:")]
    async with aiohttp.ClientSession() as session:
        if setup.oauth:
            checks += await _installations(setup, ours, session, seconds)
        elif setup.bot_token:
            client = _client(setup.api_url, setup.bot_token, session, seconds)
            found, bot = await check_bot(client, "Slack bot token", seconds=seconds)
            checks += found
            if bot is not None:
                checks += await _channels(client, bot, ours, seconds)
        else:
            checks.append(
                Check.fail(
                    "Slack bot token",
                    "neither SLACK_BOT_TOKEN nor SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set",
                    "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) for one "
                    "workspace, or the client id and secret to let workspaces install givefirst",
                )
            )
    return checks


def check_signing_secret(secret: str | None) -> Check:
    if secret:
        return Check.ok("Slack signing secret", "SLACK_SIGNING_SECRET is set")
    return Check.fail(
        "Slack signing secret",
        "SLACK_SIGNING_SECRET is not set: givefirst slack will not start without it",
        "copy the Signing Secret from the app's Basic Information page into SLACK_SIGNING_SECRET",
    )


def check_app_token(token: str) -> Check:
    """Only the token's form: asking Slack about it (``apps.connections.open``) would
    open a Socket Mode connection, which Slack would then send events to."""
    if token.startswith("xapp-"):
        return Check.ok(
            "Slack app token",
            "an app-level token (xapp-…) for Socket Mode; only its form was checked, since "
            "asking Slack about it would open a connection",
        )
    return Check.fail(
        "Slack app token",
        "SLACK_APP_TOKEN is not an app-level token (those start with xapp-)",
        "create one with the connections:write scope under Basic Information → "
        "App-Level Tokens, or unset SLACK_APP_TOKEN to serve HTTP",
    )


async def check_bot(
    client: AsyncWebClient,
    name: str,
    *,
    refused_fix: str = "set SLACK_BOT_TOKEN to the Bot User OAuth Token (xoxb-…) under OAuth "
    "& Permissions; if the app was uninstalled, install it again first",
    seconds: float = CHECK_SECONDS,
) -> tuple[list[Check], SlackBot | None]:
    """Whether Slack accepts the client's bot token (``auth.test``), whose bot it is and
    in which workspace, and whether it holds the scopes givefirst needs."""
    token = client.token or ""
    if token.startswith(("xoxp-", "xapp-")):
        kind = "a user token" if token.startswith("xoxp-") else "an app-level token"
        return [Check.fail(name, f"this is {kind}, not a bot token (xoxb-…)", refused_fix)], None
    try:
        response = await _bounded(client.auth_test, seconds)
    except SlackApiError as error:
        reason = str(error.response.get("error"))
        if reason in REFUSED_TOKEN_ERRORS:
            return [Check.fail(name, f"Slack refused it ({reason})", refused_fix)], None
        return [_unexpected(name, reason)], None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return [_unreachable(name, client.base_url, error, seconds)], None
    bot = SlackBot(
        team_id=str(response.get("team_id")),
        team_name=str(response.get("team") or ""),
        enterprise_id=response.get("enterprise_id"),
        user_id=str(response.get("user_id")),
        user_name=str(response.get("user") or ""),
        scopes=_scopes(response),
    )
    valid = Check.ok(
        name,
        f"valid: bot @{bot.user_name} ({bot.user_id}) in the workspace "
        f"{bot.team_name} ({bot.team_id})",
    )
    return [valid, check_scopes(bot, name.replace("bot token", "scopes"))], bot


def check_scopes(bot: SlackBot, name: str = "Slack scopes") -> Check:
    """The token's scopes against the ones the app asks for (those in manifest.yml)."""
    if bot.scopes is None:
        return Check.warn(
            name,
            "Slack did not say which scopes the token has (no x-oauth-scopes header), "
            "so they could not be checked",
        )
    missing = [scope for scope in BOT_SCOPES if scope not in bot.scopes]
    if missing:
        return Check.fail(
            name, f"the token lacks {', '.join(missing)}, which givefirst needs", REINSTALL
        )
    extra = [scope for scope in OPTIONAL_SCOPES if scope in bot.scopes]
    also = f"; also the optional {', '.join(extra)}" if extra else ""
    return Check.ok(name, f"all {len(BOT_SCOPES)} that givefirst needs{also}")


async def check_channel(
    client: AsyncWebClient, bot: SlackBot, community: Community, *, seconds: float = CHECK_SECONDS
) -> Check:
    """Whether the community's channel exists and the bot is in it, so it can post
    there and hears the reactions on its posts."""
    name = f"channel of {community.key}"
    channel = community.channel_id
    if not channel:
        return Check.warn(
            name,
            "none set: the weekly digest and public offers and asks have nowhere to go",
            "invite the bot to a channel, then an admin there types /givefirst config channel #…",
        )
    invite = f"make sure the bot is in {channel} (/invite @{bot.user_name} there)"
    if bot.scopes is not None and not bot.scopes & set(READ_SCOPES):
        return _not_readable(name, channel, "channels:read", invite)
    try:
        response = await _bounded(lambda: client.conversations_info(channel=channel), seconds)
    except SlackApiError as error:
        reason = str(error.response.get("error"))
        if reason == "missing_scope":
            return _not_readable(name, channel, str(error.response.get("needed")), invite)
        if reason == "channel_not_found":
            return Check.fail(
                name,
                f"{channel} was not found: deleted, or private and the bot is not in it",
                "invite the bot to the channel, or choose another: /givefirst config channel #…",
            )
        return _unexpected(name, reason)
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        return _unreachable(name, client.base_url, error, seconds)
    info = response.get("channel") or {}
    label = f"#{info.get('name', '')} ({channel})"
    if info.get("is_archived"):
        return Check.fail(
            name, f"{label} is archived", "unarchive it, or choose another: /givefirst config …"
        )
    if info.get("is_member"):
        return Check.ok(name, f"{label}: the bot is a member, so it can post there")
    fix = f"type /invite @{bot.user_name} in {label}"
    if not info.get("is_private") and bot.scopes and "chat:write.public" in bot.scopes:
        return Check.warn(
            name,
            f"the bot is not in {label}: it may post there (chat:write.public) but does "
            "not hear reactions to its posts",
            fix,
        )
    return Check.fail(name, f"the bot is not in {label}, so it cannot post there", fix)


async def _installations(
    setup: SlackSetup,
    communities: Sequence[Community],
    session: aiohttp.ClientSession,
    seconds: float,
) -> list[Check]:
    installed = setup.installed or {}
    if not installed:
        return [
            Check.warn(
                "Slack installations",
                "no workspace has installed givefirst yet (SLACK_CLIENT_ID is set)",
                "open https://HOST/slack/install on the public address and press Allow",
            )
        ]
    checks = [
        Check.ok(
            "Slack installations",
            f"{len(installed)} workspace{'s' if len(installed) != 1 else ''}: "
            + ", ".join(sorted(installed)),
        )
    ]
    for workspace, token in sorted(installed.items()):
        client = _client(setup.api_url, token, session, seconds)
        found, bot = await check_bot(
            client,
            f"Slack bot token of {workspace}",
            refused_fix="the workspace removed givefirst or revoked its token: someone "
            "there installs it again from /slack/install",
            seconds=seconds,
        )
        checks += found
        if bot is not None:
            checks += await _channels(client, bot, communities, seconds, one_workspace=False)
    left = [c.key for c in communities if c.key.removeprefix("slack:") not in installed]
    if left:
        checks.append(
            Check.warn(
                "Slack installations",
                f"no installation for {', '.join(left)}, which the database holds: "
                "givefirst was removed from those workspaces",
                "if they left for good: givefirst db forget-community KEY",
            )
        )
    return checks


async def _channels(
    client: AsyncWebClient,
    bot: SlackBot,
    communities: Sequence[Community],
    seconds: float,
    *,
    one_workspace: bool = True,
) -> list[Check]:
    """The channels of the communities in the bot's workspace; with one bot token for
    one workspace, a note about communities of other workspaces."""
    checks = [
        await check_channel(client, bot, c, seconds=seconds) for c in communities if bot.serves(c)
    ]
    elsewhere = [c.key for c in communities if not bot.serves(c)]
    if elsewhere and one_workspace:
        checks.append(
            Check.warn(
                "Slack communities",
                f"{', '.join(elsewhere)} in the database are not the token's workspace "
                f"({bot.team_id}), so they are not served or checked",
                "if they left for good: givefirst db forget-community KEY",
            )
        )
    return checks


def _not_readable(name: str, channel: str, scope: str, invite: str) -> Check:
    return Check.warn(
        name,
        f"{channel}: not checked, since Slack says whether the bot is in a channel only "
        f"to apps with the {scope} scope (givefirst does not need it)",
        f"{invite}; to let this be checked, add {scope} and reinstall the app",
    )


def _unexpected(name: str, reason: str) -> Check:
    return Check.fail(
        name, f"Slack answered {reason}", "try again; if it persists, see Slack's status"
    )


def _unreachable(name: str, url: str, error: BaseException, seconds: float) -> Check:
    why = f"no answer within {seconds:g} s" if isinstance(error, TimeoutError) else str(error)
    return Check.fail(
        name,
        f"Slack could not be reached at {url} ({why or type(error).__name__})",
        "check this machine's connection to Slack, or SLACK_API_URL",
    )


def _scopes(response: AsyncSlackResponse) -> frozenset[str] | None:
    header = response.headers.get("x-oauth-scopes")
    if header is None:
        return None
    return frozenset(scope.strip() for scope in str(header).split(",") if scope.strip())


def _client(
    api_url: str, token: str, session: aiohttp.ClientSession, seconds: float
) -> AsyncWebClient:
    # No retries: a check reports what it finds at once, within its time.
    base_url = api_url if api_url.endswith("/") else api_url + "/"
    return AsyncWebClient(
        token=token, base_url=base_url, session=session, timeout=max(1, round(seconds))
    )


async def _bounded(call: Callable[[], Awaitable[T]], seconds: float) -> T:
    async with asyncio.timeout(seconds):
        return await call()
