"""Delivering neutral messages through discord.py.

Scheduled messages are sent with a nonce made from their outbox key and where they
go, which discord.py sends with ``enforce_nonce``: Discord then answers a second
message with the same nonce, from the same bot within a few minutes, with the first
one instead of posting it again. A resend after a sender died mid-send therefore
never shows twice, as long as it comes within those minutes.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

import discord

from adapters.discord.render import render, render_all
from bot.messages import ChannelPost, DirectMessage, Ephemeral, Message
from bot.ports import DeliveryFailed, DeliveryProblem, PostRef, SendOnce

log = logging.getLogger(__name__)

CANNOT_DM = 50007
MISSING_ACCESS = 50001
MISSING_PERMISSIONS = 50013
UNKNOWN_CHANNEL = 10003
NONCE_LENGTH = 25
"""Discord accepts nonces of at most 25 characters."""


def nonce(once: SendOnce, destination: str) -> str:
    """The same nonce on every attempt to send one scheduled message to one channel or
    member (``channel:<id>``, ``user:<id>``)."""
    digest = hashlib.sha256(f"{once.key}|{destination}".encode()).digest()
    return base64.b32encode(digest[:15]).decode()[:NONCE_LENGTH]


def _with_nonce(kwargs: dict[str, Any], once: SendOnce | None, destination: str) -> dict[str, Any]:
    """``send`` arguments with the message's nonce, if it has an identity (without one,
    discord.py picks a random nonce)."""
    return kwargs if once is None else {**kwargs, "nonce": nonce(once, destination)}


def _failure(error: discord.HTTPException) -> DeliveryFailed:
    """What a refused request means to the core.

    discord.py already waits out 429s within its buckets; one that still surfaces,
    or a Discord outage (5xx), is transient, so scheduled work tries again later.
    """
    if error.status == 429:
        problem = DeliveryProblem.RATE_LIMITED
    elif error.status >= 500:
        problem = DeliveryProblem.UNAVAILABLE
    else:
        problem = {
            CANNOT_DM: DeliveryProblem.DM_CLOSED,
            MISSING_ACCESS: DeliveryProblem.NOT_IN_CHANNEL,
            MISSING_PERMISSIONS: DeliveryProblem.MISSING_PERMISSION,
            UNKNOWN_CHANNEL: DeliveryProblem.CHANNEL_NOT_FOUND,
        }.get(error.code, DeliveryProblem.OTHER)
    return DeliveryFailed(problem, f"{error.status} {error.code} {error.text}")


class DiscordChat:
    """One event's way back to Discord.

    Ephemeral replies answer the interaction (which the adapter deferred); with
    no interaction (reactions, scheduled work) they go by DM instead. Discord
    bots cannot open group DMs, so a conversation for two is one DM to each;
    the introduction names both, so each knows whom to write to.
    """

    def __init__(
        self,
        client: discord.Client,
        guild_id: int,
        interaction: discord.Interaction[Any] | None = None,
    ) -> None:
        self._client = client
        self._guild_id = guild_id
        self._interaction = interaction
        self.answered = False
        """Whether the member who acted got an ephemeral reply to their interaction."""

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        rendered = render(message, self._guild_id)
        try:
            match message.to:
                case Ephemeral(user):
                    interaction = self._interaction
                    if interaction is not None and str(interaction.user.id) == user:
                        for part in render_all(message, self._guild_id):
                            await interaction.followup.send(ephemeral=True, **part.send_kwargs())
                        self.answered = True
                    else:
                        await self._dm(user, message)
                    return None
                case DirectMessage(users):
                    await self._dm_each(users, message, once)
                    return None
                case ChannelPost(channel):
                    target = channel or default_channel
                    if target is None:
                        raise DeliveryFailed(DeliveryProblem.CHANNEL_NOT_FOUND, "no channel set")
                    posting_to = await self._channel(target)
                    if posting_to.guild.id != self._guild_id:
                        # Never to another server's channel, whatever is set (posts that
                        # went there before can still be updated or taken down).
                        raise DeliveryFailed(
                            DeliveryProblem.CHANNEL_NOT_FOUND, f"{target} is in another server"
                        )
                    sent = await posting_to.send(
                        **_with_nonce(rendered.send_kwargs(), once, f"channel:{target}")
                    )
                    return PostRef(str(sent.channel.id), str(sent.id))
        except discord.HTTPException as error:
            raise _failure(error) from error
        return None

    async def update(self, ref: PostRef, message: Message) -> None:
        rendered = render(message, self._guild_id)
        channel = await self._channel(ref.channel_id)
        try:
            await channel.get_partial_message(int(ref.message_id)).edit(
                content=rendered.content,
                embed=rendered.embed,
                view=rendered.view,
                allowed_mentions=rendered.allowed_mentions,
            )
        except discord.HTTPException as error:
            raise _failure(error) from error

    async def delete(self, ref: PostRef) -> None:
        channel = await self._channel(ref.channel_id)
        try:
            await channel.get_partial_message(int(ref.message_id)).delete()
        except discord.NotFound:
            pass
        except discord.HTTPException as error:
            raise _failure(error) from error

    async def _dm_each(
        self, users: tuple[str, ...], message: Message, once: SendOnce | None = None
    ) -> None:
        """One DM per member (bots cannot open group DMs); one member's closed DMs
        don't keep the message from the others."""
        unreachable: list[str] = []
        for user in users:
            try:
                await self._dm(user, message, once)
            except discord.HTTPException as error:
                if error.code != CANNOT_DM:
                    raise
                unreachable.append(user)
        if unreachable:
            raise DeliveryFailed(DeliveryProblem.DM_CLOSED, "DMs closed", users=tuple(unreachable))

    async def _dm(self, user_id: str, message: Message, once: SendOnce | None = None) -> None:
        user = self._client.get_user(int(user_id)) or await self._client.fetch_user(int(user_id))
        for at, part in enumerate(render_all(message, self._guild_id)):
            # Each part sent once, under a nonce of its own.
            where = f"user:{user_id}" if at == 0 else f"user:{user_id}:{at}"
            await user.send(**_with_nonce(part.send_kwargs(), once, where))

    async def _channel(self, channel_id: str) -> discord.TextChannel | discord.Thread:
        channel = self._client.get_channel(int(channel_id))
        if channel is None:
            try:
                channel = await self._client.fetch_channel(int(channel_id))
            except discord.HTTPException as error:
                raise _failure(error) from error
        if not isinstance(channel, discord.TextChannel | discord.Thread):
            raise DeliveryFailed(DeliveryProblem.CHANNEL_NOT_FOUND, f"{channel_id} is not text")
        return channel
