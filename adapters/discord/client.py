"""givefirst as a Discord bot on discord.py: application commands, buttons, reactions.

Only non-privileged intents are used: guilds (channels and the server list) and
guild/DM reactions. Buttons carry their meaning in a stable ``custom_id``
(``gf:<guild>:<action>:<value>``) handled by a registered dynamic item, so
buttons on old posts keep working after a restart.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal

import discord
import yarl
from discord import app_commands

from adapters.discord.chat import DiscordChat
from adapters.discord.inbound import to_core_text
from adapters.discord.render import CUSTOM_ID, markdown
from adapters.inflight import InFlight
from bot import commands as c
from bot.actions import reaction_of
from bot.app import GiveFirst
from bot.commands import CONFIG_SETTINGS, Actor
from bot.domain import Community
from bot.messages import Text
from bot.parsing import skill_list
from bot.ports import Chat
from bot.setting_values import channel_id_of

log = logging.getLogger(__name__)

BOTS_ARE_NOT_THANKED = (
    "🤖 That is a bot, not a member: thank the member who helped you, e.g. "
    "`/thanks member:@ana note:for the CV review`."
)

SettingName = Literal[
    "channel",
    "digest",
    "timezone",
    "capacity",
    "expiry",
    "follow-up",
    "quiet-weeks",
    "admins",
    "alias",
    "rounds",
]
assert set(SettingName.__args__) == set(CONFIG_SETTINGS)  # type: ignore[attr-defined]


def point_at(api_url: str | None, gateway_url: str | None) -> None:
    """Use a Discord-compatible server instead of Discord's own (tests, proxies)."""
    if api_url:
        discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_reactions = True
    chosen.dm_reactions = True
    return chosen


def community_key(guild_id: int | None) -> str:
    return f"discord:{guild_id}"


@asynccontextmanager
async def rest_client(token: str) -> AsyncIterator[discord.Client]:
    """A client of Discord's REST API only, with no gateway connection: enough to post
    scheduled work from a process other than the one serving the bot (buttons on its
    posts are answered there, as persistent views)."""
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        await client.login(token)
        yield client


def chat_for_scheduled_work(client: discord.Client) -> Callable[[Community], Chat]:
    """How scheduled work reaches a community: through this client, in its server."""
    return lambda community: DiscordChat(client, int(community.key.removeprefix("discord:")))


def _actor(interaction: discord.Interaction[Any], guild_id: int) -> Actor:
    user = interaction.user
    permissions = interaction.permissions
    return Actor(
        community_key=community_key(guild_id),
        user_id=str(user.id),
        display_name=user.display_name,
        is_platform_admin=bool(permissions.manage_guild or permissions.administrator),
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        community_name=interaction.guild.name if interaction.guild else "",
    )


class GiveFirstClient(discord.Client):
    """The Discord client: syncs the command tree and routes everything to the core."""

    def __init__(
        self,
        bot: GiveFirst,
        *,
        guild_id: int | None = None,
        **options: Any,
    ) -> None:
        # The bot reads no cached messages (reactions arrive raw; its posts are found
        # in the database), so discord.py's cache of the last 1,000 is left off.
        options.setdefault("max_messages", None)
        super().__init__(intents=intents(), **options)
        self.bot = bot
        self.in_flight = InFlight("work on a Discord event")
        """Events being worked on, which :meth:`drain` lets finish."""
        self.accepting = True
        self.dev_guild_id = guild_id
        self.tree = app_commands.CommandTree(self)
        _register_commands(self)
        self.add_dynamic_items(_button_class(self))

    async def setup_hook(self) -> None:
        if self.dev_guild_id is not None:
            guild = discord.Object(self.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def drain(self, timeout: float) -> tuple[int, int]:  # noqa: ASYNC109
        """Take no new events, and wait up to ``timeout`` seconds for those being worked
        on (their members were told "thinking…"); returns how many finished and how
        many were cut short. Close the client afterwards."""
        self.accepting = False
        return await self.in_flight.drain(timeout)

    async def run_command(self, interaction: discord.Interaction[Any], command: c.Command) -> None:
        """Hand a command, built from the interaction's typed options, to the core."""
        if not self.accepting:
            return  # stopping: the next process answers
        async with self.in_flight.tracked():
            await self._run_command(interaction, command)

    async def _run_command(self, interaction: discord.Interaction[Any], command: c.Command) -> None:
        if interaction.guild_id is None:
            await interaction.response.send_message(
                "givefirst commands work inside a server.", ephemeral=True
            )
            return
        started = time.perf_counter()
        await interaction.response.defer(ephemeral=True, thinking=True)
        self.bot.metrics.acknowledged("discord", time.perf_counter() - started)
        if await self._channel_elsewhere(command, interaction.guild_id):
            await interaction.followup.send(
                "That channel is in another server. Choose one of this server's channels, "
                "e.g. `/givefirst config setting:channel value:#offers`.",
                ephemeral=True,
            )
            return
        chat = DiscordChat(self, interaction.guild_id, interaction)
        try:
            await self.bot.handle(_actor(interaction, interaction.guild_id), command, chat)
        finally:
            if not chat.answered:
                # Nothing for the invoker to read: don't leave "givefirst is thinking…".
                with contextlib.suppress(discord.HTTPException):
                    await interaction.delete_original_response()

    async def _channel_elsewhere(self, command: c.Command, guild_id: int) -> bool:
        """Whether a command sets the community's channel to another server's: the bot
        may be in both, and one server's posts are never the other's to read."""
        if not (isinstance(command, c.Configure) and command.setting == "channel"):
            return False
        channel_id = channel_id_of(command.values[0]) if command.values else None
        if channel_id is None:
            return False  # not a channel: the core says how to write one
        channel = self.get_channel(int(channel_id))
        if channel is None:
            try:
                channel = await self.fetch_channel(int(channel_id))
            except discord.HTTPException:
                return False  # not one the bot can see: posting there will say so
        guild = getattr(channel, "guild", None)
        return guild is not None and guild.id != guild_id

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if not self.accepting:
            return
        async with self.in_flight.tracked():
            await self._reaction(payload)

    async def _reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if payload.guild_id is None or self.user is None or payload.user_id == self.user.id:
            return
        if payload.member is not None and payload.member.bot:
            return  # another bot's reaction is not a member volunteering or thanking
        emoji = str(payload.emoji)
        if reaction_of(emoji) is None:
            return
        actor = Actor(
            community_key=community_key(payload.guild_id),
            user_id=str(payload.user_id),
            display_name=payload.member.display_name if payload.member else "",
            channel_id=str(payload.channel_id),
        )
        chat = DiscordChat(self, payload.guild_id)
        await self.bot.reaction(
            actor, str(payload.channel_id), str(payload.message_id), emoji, chat
        )


def _button_class(client: GiveFirstClient) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    class GiveFirstButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID):
        def __init__(self, guild_id: int, action: str, value: str) -> None:
            super().__init__(discord.ui.Button(custom_id=f"gf:{guild_id}:{action}:{value}"))
            self.guild_id, self.action, self.value = guild_id, action, value

        @classmethod
        async def from_custom_id(
            cls,
            interaction: discord.Interaction[Any],
            item: discord.ui.Item[Any],
            match: re.Match[str],
            /,
        ) -> GiveFirstButton:
            return cls(int(match["guild"]), match["action"], match["value"])

        async def callback(self, interaction: discord.Interaction[Any]) -> None:
            if not client.accepting:
                return  # stopping: the next process answers
            async with client.in_flight.tracked():
                await self.pressed(interaction)

        async def pressed(self, interaction: discord.Interaction[Any]) -> None:
            # Acknowledge without a placeholder; replies to the member follow ephemerally.
            started = time.perf_counter()
            await interaction.response.defer()
            client.bot.metrics.acknowledged("discord", time.perf_counter() - started)
            chat = DiscordChat(client, self.guild_id, interaction)
            actor = _actor(interaction, self.guild_id)
            if interaction.guild_id is None:
                # A button in a DM: no server permissions apply there.
                actor = Actor(actor.community_key, actor.user_id, actor.display_name)
            handled = await client.bot.button(
                actor,
                self.action,
                self.value,
                chat,
                label=_label(interaction.message, self.item.custom_id),
                in_direct_message=interaction.guild_id is None,
            )
            if handled.chosen is not None:
                await _mark_chosen(interaction, handled.chosen)

    return GiveFirstButton


def _label(message: discord.Message | None, custom_id: str | None) -> str:
    """The label of the button pressed on a message."""
    if message is None:
        return ""
    return next(
        (
            child.label or ""
            for row in message.components
            if isinstance(row, discord.ActionRow)
            for child in row.children
            if isinstance(child, discord.Button) and child.custom_id == custom_id
        ),
        "",
    )


async def _mark_chosen(interaction: discord.Interaction[Any], chosen: Text) -> None:
    """Replace the buttons of an answered question with what the member chose."""
    message = interaction.message
    if message is None:
        return
    content = "\n".join(part for part in (message.content, f"-# {markdown(chosen)}") if part)
    try:
        await interaction.edit_original_response(
            content=content, view=None, allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as error:
        log.info("could not mark the answered buttons: %s", error)


def _register_commands(client: GiveFirstClient) -> None:
    tree = client.tree

    @tree.command(name="offer", description="Share something you can help with")
    @app_commands.describe(text="What you can help with; #tags become skills")
    async def offer(interaction: discord.Interaction[Any], text: str) -> None:
        await client.run_command(interaction, c.MakeOffer(to_core_text(text)))

    @tree.command(name="ask", description="Ask the community for help")
    @app_commands.describe(text="What you need", private="Keep it out of the channel")
    async def ask(interaction: discord.Interaction[Any], text: str, private: bool = False) -> None:
        await client.run_command(interaction, c.MakeAsk(to_core_text(text), private=private))

    skills = app_commands.Group(name="skills", description="The skills on your profile")

    @skills.command(name="add", description="Add skills, separated by commas")
    async def skills_add(interaction: discord.Interaction[Any], skills: str) -> None:
        await client.run_command(interaction, c.AddSkills(skill_list(to_core_text(skills))))

    @skills.command(name="remove", description="Remove skills, separated by commas")
    async def skills_remove(interaction: discord.Interaction[Any], skills: str) -> None:
        await client.run_command(interaction, c.RemoveSkills(skill_list(to_core_text(skills))))

    @skills.command(name="list", description="Show your skills")
    async def skills_list(interaction: discord.Interaction[Any]) -> None:
        await client.run_command(interaction, c.ListSkills())

    tree.add_command(skills)

    @tree.command(name="thanks", description="Thank a member in public")
    async def thanks(
        interaction: discord.Interaction[Any], member: discord.User, note: str = ""
    ) -> None:
        if member.bot:
            await interaction.response.send_message(BOTS_ARE_NOT_THANKED, ephemeral=True)
            return
        await client.run_command(interaction, c.GiveThanks(str(member.id), to_core_text(note)))

    givefirst = app_commands.Group(name="givefirst", description="givefirst itself")

    def simple(name: str, description: str, command: c.Command) -> None:
        async def callback(interaction: discord.Interaction[Any]) -> None:
            await client.run_command(interaction, command)

        givefirst.add_command(
            app_commands.Command(name=name, description=description, callback=callback)
        )

    simple("help", "What givefirst can do", c.ShowHelp())
    simple("me", "Your open offers, asks and private balance", c.ShowMe())
    simple("resume", "Be suggested as a helper again", c.Resume())
    simple("export", "Get all your data by DM", c.Export())
    simple("forget-me", "Erase your data (asks for confirmation)", c.ForgetMe())
    simple("dashboard", "Admins: a sign-in link to how the community is doing", c.OpenDashboard())

    @givefirst.command(name="pause", description="Take a break from being suggested")
    async def pause(
        interaction: discord.Interaction[Any], days: app_commands.Range[int, 1, 365] = 14
    ) -> None:
        await client.run_command(interaction, c.Pause(days))

    @givefirst.command(name="thanks", description="Whether thanks to you are shown publicly")
    async def thanks_visibility(
        interaction: discord.Interaction[Any], visibility: Literal["public", "private"]
    ) -> None:
        await client.run_command(interaction, c.SetThanksVisibility(visibility == "public"))

    @givefirst.command(name="config", description="Show settings; admins can change them")
    @app_commands.describe(
        setting="Leave empty to show all settings",
        value=(
            "e.g. #channel, monday 09:00 Europe/Berlin, 3, add @member, every 2 weeks monday 10:00"
        ),
    )
    async def config(
        interaction: discord.Interaction[Any], setting: SettingName | None = None, value: str = ""
    ) -> None:
        command: c.Command = (
            c.Configure(setting, tuple(to_core_text(value).split())) if setting else c.ShowConfig()
        )
        await client.run_command(interaction, command)

    rounds = app_commands.Group(
        name="rounds", description="Give-first rounds: meet someone new", parent=givefirst
    )

    def round_command(name: str, description: str, command: c.Command) -> None:
        async def callback(interaction: discord.Interaction[Any]) -> None:
            await client.run_command(interaction, command)

        rounds.add_command(
            app_commands.Command(name=name, description=description, callback=callback)
        )

    round_command("status", "Whether you're in, the next round, your never list", c.ShowRounds())
    round_command("join", "Take part in give-first rounds", c.JoinRounds())
    round_command("leave", "Stop taking part in rounds", c.LeaveRounds())
    round_command("skip", "Sit out the next round only", c.SkipRound())

    @rounds.command(name="never", description="Never be paired with a member (only you know)")
    @app_commands.describe(member="Who to keep apart from", remove="Take them off your list")
    async def never(
        interaction: discord.Interaction[Any], member: discord.User, remove: bool = False
    ) -> None:
        user = str(member.id)
        await client.run_command(
            interaction, c.AllowPairWith(user) if remove else c.NeverPairWith(user)
        )

    tree.add_command(givefirst)


class ShardedGiveFirstClient(GiveFirstClient, discord.AutoShardedClient):
    """The same bot over several gateway shards in one process, for large installations."""
