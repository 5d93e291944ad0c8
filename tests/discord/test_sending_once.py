"""A scheduled message sent again after its sender died mid-send shows once on Discord:
it goes with a nonce made from its outbox key, and ``enforce_nonce``."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.discord.chat import NONCE_LENGTH, DiscordChat
from adapters.discord.client import rest_client
from bot import render
from bot.messages import ChannelPost, DirectMessage
from bot.ports import SendOnce
from givefirst.testing.fake_discord import BOT_TOKEN, CHANNEL_ID, GUILD_ID, FakeDiscord

POSTS = rf"/channels/{CHANNEL_ID}/messages"


async def test_a_resend_is_answered_with_the_message_that_arrived(
    fake_discord: FakeDiscord,
) -> None:
    digest = render.say(ChannelPost(str(CHANNEL_ID)), "🌱 This week in give-first")
    once = SendOnce("digest:1:2026-03-02T09:00:00+00:00#0", datetime.now(UTC))
    async with rest_client(BOT_TOKEN) as client:
        first = await DiscordChat(client, GUILD_ID).send(digest, default_channel=None, once=once)
        again = await DiscordChat(client, GUILD_ID).send(
            digest, default_channel=None, once=SendOnce(once.key, once.since, retry=True)
        )
    assert again == first
    sent = fake_discord.calls("POST", POSTS)
    assert len(sent) == 2 and sent[0].body["nonce"] == sent[1].body["nonce"]
    assert all(call.body["enforce_nonce"] is True for call in sent)
    assert len(sent[0].body["nonce"]) <= NONCE_LENGTH
    assert [m["id"] for m in fake_discord.messages.values()] == [first.message_id if first else ""]


async def test_each_member_of_a_direct_message_gets_it_once(fake_discord: FakeDiscord) -> None:
    ana, ben = fake_discord.add_user(41, "ana"), fake_discord.add_user(42, "ben")
    note = render.say(DirectMessage((str(ana.id), str(ben.id))), "Did you connect?")
    once = SendOnce("followup:7#0", datetime.now(UTC))
    async with rest_client(BOT_TOKEN) as client:
        for attempt in (once, SendOnce(once.key, once.since, retry=True)):
            await DiscordChat(client, GUILD_ID).send(note, default_channel=None, once=attempt)
    received = [m["channel_id"] for m in fake_discord.messages.values()]
    assert sorted(received) == sorted(
        str(fake_discord.dm_channel_of(user.id)) for user in (ana, ben)
    )


async def test_messages_without_an_identity_are_never_mistaken_for_each_other(
    fake_discord: FakeDiscord,
) -> None:
    note = render.say(ChannelPost(str(CHANNEL_ID)), "🎁 Ana can help")
    async with rest_client(BOT_TOKEN) as client:
        for _ in range(2):
            await DiscordChat(client, GUILD_ID).send(note, default_channel=None)
    assert len(fake_discord.messages) == 2
