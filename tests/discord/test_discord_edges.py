"""givefirst on Discord at the platform's edges: a bot in several servers, other bots,
and replies longer than one Discord message holds. The real discord.py client against
the fake Discord."""

from __future__ import annotations

import asyncio

from givefirst.testing.fake_discord import GUILD_ID
from storage import Storage
from tests.discord.test_discord_bot import (  # noqa: F401  (fixtures)
    DiscordCommunity,
    community,
    storage,
)

OTHER_GUILD = 1_400_000_000_000_000_001
OTHER_CHANNEL = 1_400_000_000_000_000_777


async def test_an_admin_cannot_send_the_community_s_posts_to_another_server(
    community: DiscordCommunity,  # noqa: F811
) -> None:
    community.fake.add_channel(OTHER_CHANNEL, OTHER_GUILD, "general-of-another-server")
    refused = await community.command(
        "mod", "givefirst", "config", setting="channel", value=f"<#{OTHER_CHANNEL}>"
    )
    await community.reply(refused, "That channel is in another server")

    await community.command("ana", "offer", text="Happy to review resumes for career changers")
    await community.posted("review resumes")  # still in this server's channel
    await asyncio.sleep(0.2)
    elsewhere = [
        call
        for call in community.fake.calls("POST")
        if call.path == f"/channels/{OTHER_CHANNEL}/messages"
    ]
    assert elsewhere == []
    assert community.fake.channels[OTHER_CHANNEL]["guild_id"] != str(GUILD_ID)


async def test_a_channel_of_another_server_set_before_is_never_posted_to(
    community: DiscordCommunity,  # noqa: F811
    storage: Storage,  # noqa: F811
) -> None:
    """A community whose channel was set to another server's (before this was refused)
    posts nothing there; the member hears that their offer was not shared."""
    community.fake.add_channel(OTHER_CHANNEL, OTHER_GUILD, "general-of-another-server")
    async with storage.unit_of_work() as uow:
        stored = await uow.communities.get_by_key(f"discord:{GUILD_ID}")
        assert stored is not None
        stored.channel_id = str(OTHER_CHANNEL)
        await uow.commit()

    offer = await community.command("ana", "offer", text="Happy to review resumes")
    await community.reply(offer, "I couldn't post in the community channel")
    assert not any(
        call.path == f"/channels/{OTHER_CHANNEL}/messages" for call in community.fake.calls()
    )
