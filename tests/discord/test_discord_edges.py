"""givefirst on Discord at the platform's edges: a bot in several servers, other bots,
and replies longer than one Discord message holds. The real discord.py client against
the fake Discord."""

from __future__ import annotations

import asyncio
import re

import pytest

from adapters.discord.render import render_all
from bot.messages import Code, Ephemeral, Paragraph, message
from bot.messages import text as words_of
from givefirst.testing.fake_discord import (
    APP_ID,
    EPHEMERAL,
    GUILD_ID,
    Json,
    buttons_of,
    text_of,
)
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


def _replies_to(dc: DiscordCommunity, interaction: Json) -> list[Json]:
    token = interaction["token"]
    return [
        call.body
        for call in dc.fake.calls("POST")
        if call.path.startswith(f"/webhooks/{APP_ID}/{token}") and call.status == 200
    ]


async def _all_replies(dc: DiscordCommunity, interaction: Json, contains: str) -> list[Json]:
    await dc.reply(interaction, contains)
    await asyncio.sleep(0.3)  # the parts after the first
    return _replies_to(dc, interaction)


async def test_me_names_which_item_each_button_is_for_and_holds_every_item(
    community: DiscordCommunity,  # noqa: F811
) -> None:
    offers = [f"Offer number {n}: happy to help with topic {n} " + "x" * 150 for n in range(20)]
    for text in offers:
        await community.reply(await community.command("ana", "offer", text=text), "")
    for n in range(4):
        await community.reply(
            await community.command("ana", "ask", text=f"Ask number {n}: who knows topic {n}?"),
            "",
        )
    me = await community.command("ana", "givefirst", "me")
    replies = await _all_replies(community, me, "Your give-first balance")

    assert len(replies) > 1, "more than one Discord message holds"
    for reply in replies:
        assert len(reply.get("content") or "") <= 2000
        assert len(buttons_of(reply)) <= 25
        assert not reply.get("embeds"), "no empty embed"
    shown = "\n".join(text_of(r) for r in replies)
    for n in range(20):
        assert f"Offer number {n}:" in shown
    for n in range(4):
        assert f"Ask number {n}:" in shown
    for reply in replies:  # each item's buttons in the message with its text
        for label in (b["label"] for b in buttons_of(reply)):
            if number := re.search(r"#(\d+)", label):
                assert f" #{number[1]}:" in text_of(reply), (label, text_of(reply)[-300:])
    labels = [b["label"] for r in replies for b in buttons_of(r)]
    assert [f"Withdraw #{n}" for n in range(1, 21)] == labels[:20]
    assert "Solved #24 ✅" in labels and "Close #24" in labels and "Pause for 2 weeks" in labels


async def test_a_long_skills_list_arrives_whole_cut_between_words(
    community: DiscordCommunity,  # noqa: F811
) -> None:
    skills = [f"heritage seed variety {n}" for n in range(90)]
    added = await community.command("ana", "skills", "add", skills=", ".join(skills))
    await _all_replies(community, added, "")
    listed = await community.command("ana", "skills", "list")
    replies = await _all_replies(community, listed, "")
    shown = " ".join(text_of(r) for r in replies)
    for reply in replies:
        assert len(reply.get("content") or "") <= 2000 and not reply.get("embeds")
    listed_numbers = re.findall(r"heritage-seed-variety-(\d+)[,.]", shown)
    assert sorted(map(int, listed_numbers)) == list(range(90)), "each whole, once"


@pytest.mark.parametrize("typed", ["", "\\"])  # a member's words may end in a backslash
@pytest.mark.parametrize("before", range(1974, 1994, 2))  # the code span on the cut
def test_a_long_reply_is_never_cut_inside_a_command_shown_as_code(before: int, typed: str) -> None:
    """ "Not what you meant? `/skills remove" in one message and "kubernetes`." in the
    next showed a stray back quote in each (found after `/skills add` of 200 skills)."""
    words = words_of("Added: ", "x " * (before // 2), typed, Code("/skills remove k8s"))
    said = message(Ephemeral("ana"), Paragraph(words))
    parts = [r.content or "" for r in render_all(said, guild_id=1)]
    assert len(parts) == 2 and all(len(part) <= 2000 for part in parts)
    for part in parts:
        assert len(re.findall(r"(?<!\\)(?:\\\\)*`", part)) % 2 == 0, part[-80:]
    assert "`/skills remove k8s`" in "".join(parts)


async def test_bots_are_neither_thanked_nor_taken_for_members_who_react(
    community: DiscordCommunity,  # noqa: F811
) -> None:
    helper_bot = community.fake.add_user(1_310_000_000_000_000_099, "carl-bot")
    helper_bot.bot = True
    community.members["carl-bot"] = helper_bot
    thanked = await community.command("dana", "thanks", member=helper_bot, note="you rock")
    answer = await community.acknowledged(thanked)
    assert "That is a bot, not a member" in answer.body["data"]["content"]
    assert answer.body["data"]["flags"] & EPHEMERAL

    await community.command("dana", "ask", text="anyone know about buying a used car?")
    post = await community.posted("buying a used car")
    await community.react("carl-bot", post, "🙋")
    await community.react("ben", post, "🙋")  # a member, for comparison
    await community.dm("dana", "would like to help with your ask")
    await asyncio.sleep(0.2)
    offers_of_help = [
        text_of(call.body)
        for call in community.fake.calls("POST")
        if "would like to help" in text_of(call.body)
    ]
    assert len(offers_of_help) == 1 and "carl" not in offers_of_help[0].lower()
    assert not any("thanked" in text_of(c.body) for c in community.fake.calls("POST"))
