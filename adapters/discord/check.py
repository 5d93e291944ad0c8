"""``givefirst check`` for Discord: the bot token, the application's privileged
intents, the servers the bot is in, and its permissions in each community's channel.

Everything goes through discord.py's REST client (no gateway connection) and only
reads: the bot (``GET /users/@me``) and its application (its flags say which
privileged intents are on), its servers, and per community the server's roles, the
bot's member and the server's channels, from which discord.py works out the bot's
permissions in the channel as Discord does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from typing import Any, TypeVar

import aiohttp
import discord

from adapters.discord.client import intents, rest_client
from bot.checks import CHECK_SECONDS, Check
from bot.domain import Community

INVITE_PERMISSIONS = 274878024768
"""The permissions givefirst asks for when invited (see README: Set up on Discord)."""
BOT_NEEDS = {
    "view_channel": "View Channels",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
}
"""What the bot needs in its channel: offers and asks are posted as embeds."""
MEMBERS_NEED = {
    "use_application_commands": "Use Application Commands",
    "add_reactions": "Add Reactions",
}
"""What members (``@everyone``) need there to use /offer and /ask and to react; the
buttons on each post do what reactions do."""
PRIVILEGED_INTENTS = {
    "members": ("Server Members Intent", "gateway_guild_members"),
    "presences": ("Presence Intent", "gateway_presence"),
    "message_content": ("Message Content Intent", "gateway_message_content"),
}
"""Each privileged intent: its name in the Developer Portal, and the application flag
that says it is on (with ``_limited`` for bots in fewer than 100 servers)."""
T = TypeVar("T")


def invite_url(application_id: int) -> str:
    return (
        f"https://discord.com/oauth2/authorize?client_id={application_id}"
        f"&scope=bot+applications.commands&permissions={INVITE_PERMISSIONS}"
    )


async def check_discord(
    token: str,
    communities: Sequence[Community] | None,
    *,
    dev_guild_id: int | None = None,
    wanted: discord.Intents | None = None,
    seconds: float = CHECK_SECONDS,
) -> list[Check]:
    """Every Discord check: the token, the intents ``wanted`` (the bot's own by
    default), its servers, and with ``communities`` (None when the database could not
    be read) the channel of each ``discord:`` community and ``dev_guild_id``."""
    stack = AsyncExitStack()
    try:
        client = await _bounded(lambda: stack.enter_async_context(rest_client(token)), seconds)
    except discord.LoginFailure:
        await stack.aclose()
        return [
            Check.fail(
                "Discord token",
                "Discord refused DISCORD_TOKEN",
                "set it to your application's bot token (Developer Portal → your "
                "application → Bot → Reset Token)",
            )
        ]
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
        await stack.aclose()
        return [_unreachable("Discord token", error, seconds)]
    async with stack:
        return await _logged_in(client, communities, dev_guild_id, wanted or intents(), seconds)


async def _logged_in(
    client: discord.Client,
    communities: Sequence[Community] | None,
    dev_guild_id: int | None,
    wanted: discord.Intents,
    seconds: float,
) -> list[Check]:
    user, application = client.user, client.application
    assert user is not None and application is not None  # both are read at login
    checks = [
        Check.ok(
            "Discord token",
            f"valid: bot {user} ({user.id}) of the application {application.name} "
            f"({application.id})",
        ),
        check_intents(application.flags, wanted),
    ]
    try:
        guilds = await _bounded(lambda: _all(client.fetch_guilds(limit=None)), seconds)
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
        return [*checks, _unreachable("Discord servers", error, seconds)]
    invite = invite_url(application.id)
    checks.append(_servers(guilds, invite))
    joined = {guild.id for guild in guilds}
    for community in [c for c in communities or () if c.key.startswith("discord:")]:
        checks.append(await _community(client, user.id, community, joined, invite, seconds))
    if dev_guild_id is not None and dev_guild_id not in joined:
        checks.append(
            Check.fail(
                "DISCORD_GUILD_ID",
                f"the bot is not in the server {dev_guild_id}, where commands are to be synced",
                f"invite it: {invite}, or unset DISCORD_GUILD_ID to sync them everywhere",
            )
        )
    return checks


def check_intents(flags: discord.ApplicationFlags, wanted: discord.Intents) -> Check:
    """The privileged intents the bot connects with, against those the application has
    on; also those that are on but unused, since each lets more through to the bot."""
    on = {
        intent: getattr(flags, flag) or getattr(flags, f"{flag}_limited")
        for intent, (_, flag) in PRIVILEGED_INTENTS.items()
    }
    needed = [intent for intent in PRIVILEGED_INTENTS if getattr(wanted, intent)]
    missing = [PRIVILEGED_INTENTS[i][0] for i in needed if not on[i]]
    if missing:
        return Check.fail(
            "Discord intents",
            f"givefirst connects with the {_listed(missing)}, which the application has "
            "off: Discord will refuse the connection",
            "turn it on: Developer Portal → your application → Bot → Privileged Gateway Intents",
        )
    unused = [name for i, (name, _) in PRIVILEGED_INTENTS.items() if on[i] and i not in needed]
    if unused:
        return Check.warn(
            "Discord intents",
            f"the {_listed(unused)} {'is' if len(unused) == 1 else 'are'} on, but givefirst "
            f"does not use {'it' if len(unused) == 1 else 'them'}",
            "turn off what givefirst does not use (Developer Portal → your application → "
            "Bot → Privileged Gateway Intents), so the bot is sent no more than it needs",
        )
    if needed:
        names = _listed([PRIVILEGED_INTENTS[i][0] for i in needed])
        return Check.ok(
            "Discord intents", f"givefirst uses the {names}, and the application has it on"
        )
    return Check.ok(
        "Discord intents", "givefirst needs no privileged intent, and none is on needlessly"
    )


async def check_channel(
    client: discord.Client, bot_id: int, community: Community, *, seconds: float = CHECK_SECONDS
) -> Check:
    """Whether the bot may view, post and embed in the community's channel, and
    members may use commands and react there."""
    name = f"channel of {community.key}"
    if not community.channel_id:
        return Check.warn(
            name,
            "none set: the weekly digest and public offers and asks have nowhere to go",
            "a member with Manage Server types /givefirst config setting:channel value:#…",
        )
    guild_id = int(community.key.removeprefix("discord:"))
    try:

        async def look() -> tuple[discord.Guild, discord.Member, Sequence[Any]]:
            guild = await client.fetch_guild(guild_id)
            return guild, await guild.fetch_member(bot_id), await guild.fetch_channels()

        guild, me, channels = await _bounded(look, seconds)
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as error:
        return _unreachable(name, error, seconds)
    channel = discord.utils.get(channels, id=int(community.channel_id))
    if not isinstance(channel, discord.TextChannel):
        what = "is not a text channel" if channel is not None else "does not exist (deleted?)"
        return Check.fail(
            name,
            f"the channel {community.channel_id} in {guild.name} {what}",
            "choose a text channel: /givefirst config setting:channel value:#…",
        )
    label = f"#{channel.name} in {guild.name}"
    lacking = _lacking(channel.permissions_for(me), BOT_NEEDS)
    if lacking:
        return Check.fail(
            name,
            f"the bot lacks {_listed(lacking)} in {label}, so it cannot post there",
            f"allow {_listed(lacking)} for the bot's role in the channel's permissions "
            "(Edit Channel → Permissions)",
        )
    for_members = _lacking(channel.permissions_for(guild.default_role), MEMBERS_NEED)
    if for_members:
        return Check.warn(
            name,
            f"the bot can post in {label}, but @everyone lacks {_listed(for_members)} there",
            f"allow {_listed(for_members)} for @everyone in the channel, unless other roles do",
        )
    return Check.ok(
        name,
        f"{label}: the bot can view, post and embed; members can use commands and react",
    )


async def _community(
    client: discord.Client,
    bot_id: int,
    community: Community,
    joined: set[int],
    invite: str,
    seconds: float,
) -> Check:
    if int(community.key.removeprefix("discord:")) not in joined:
        return Check.fail(
            f"channel of {community.key}",
            "the bot is not in this server any more (the database holds its community)",
            f"invite it again: {invite}; if the server left for good: givefirst db "
            f"forget-community {community.key}",
        )
    return await check_channel(client, bot_id, community, seconds=seconds)


def _servers(guilds: Sequence[discord.Guild], invite: str) -> Check:
    if not guilds:
        return Check.warn("Discord servers", "the bot is in no server yet", f"invite it: {invite}")
    shown = ", ".join(f"{g.name} ({g.id})" for g in guilds[:5])
    more = f" and {len(guilds) - 5} more" if len(guilds) > 5 else ""
    return Check.ok("Discord servers", f"the bot is in {len(guilds)}: {shown}{more}")


def _lacking(permissions: discord.Permissions, needed: dict[str, str]) -> list[str]:
    return [label for flag, label in needed.items() if not getattr(permissions, flag)]


def _listed(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _unreachable(name: str, error: BaseException, seconds: float) -> Check:
    if isinstance(error, discord.HTTPException):
        return Check.fail(
            name,
            f"Discord answered {error.status} {error.text or ''}".rstrip(),
            "check the bot's access to the server; try again if Discord is having trouble",
        )
    why = f"no answer within {seconds:g} s" if isinstance(error, TimeoutError) else str(error)
    return Check.fail(
        name,
        f"Discord could not be reached at {discord.http.Route.BASE} ({why})",
        "check this machine's connection to Discord, or DISCORD_API_URL",
    )


async def _all(found: Any) -> list[discord.Guild]:
    return [guild async for guild in found]


async def _bounded(call: Callable[[], Awaitable[T]], seconds: float) -> T:
    async with asyncio.timeout(seconds):
        return await call()
