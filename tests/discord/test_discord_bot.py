"""givefirst on Discord, end to end: the real discord.py client over a real gateway
websocket and real HTTP, real SQLite, and a fake Discord that records every REST call."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest

from adapters.discord.client import (
    GiveFirstClient,
    ShardedGiveFirstClient,
    chat_for_scheduled_work,
)
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.domain import Community
from bot.ports import Chat
from givefirst.testing.fake_discord import (
    APP_ID,
    CHANNEL_ID,
    EPHEMERAL,
    GUILD_ID,
    MANAGE_GUILD,
    OWNER_ID,
    FakeDiscord,
    Json,
    RestCall,
    User,
    button_data,
    buttons_of,
    command_data,
    connected,
    text_of,
)
from storage import Storage
from tests.discord.conftest import client_options

CHANNEL_POSTS = rf"/channels/{CHANNEL_ID}/messages"
FOLLOW_UPS = rf"/webhooks/{APP_ID}/[^/]+"


@dataclass
class DiscordCommunity:
    fake: FakeDiscord
    bot: GiveFirst
    clock: FakeClock
    client: GiveFirstClient
    members: dict[str, User]

    def id(self, who: str) -> int:
        return self.members[who].id

    async def command(self, who: str, name: str, sub: str | None = None, **values: Any) -> Json:
        """Run ``/name [sub] option:value …`` as ``who``; returns the interaction sent."""
        options: list[Json] = []
        resolved: Json = {"users": {}, "members": {}}
        for option, value in values.items():
            match value:
                case bool():
                    options.append({"name": option, "type": 5, "value": value})
                case int():
                    options.append({"name": option, "type": 4, "value": value})
                case User() as user:
                    options.append({"name": option, "type": 6, "value": str(user.id)})
                    resolved["users"][str(user.id)] = user.payload()
                case _:
                    options.append({"name": option, "type": 3, "value": value})
        if sub is not None:
            options = [{"name": sub, "type": 1, "options": options}]
        data = command_data(name, options, resolved=resolved if resolved["users"] else None)
        interaction = self.fake.new_interaction(self.members[who], 2, data)
        await self.fake.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    async def reply(self, interaction: Json, contains: str) -> RestCall:
        """The follow-up to ``interaction`` containing ``contains``."""
        return await self.fake.wait_for(
            "POST",
            rf"/webhooks/{APP_ID}/{re.escape(interaction['token'])}",
            lambda call: contains in text_of(call.body),
        )

    async def posted(self, contains: str) -> RestCall:
        """A message in the community channel containing ``contains``."""
        return await self.fake.wait_for(
            "POST",
            CHANNEL_POSTS,
            lambda call: call.status == 200 and contains in text_of(call.body),
        )

    async def dm(self, who: str, contains: str) -> RestCall:
        """A direct message to ``who`` containing ``contains``."""

        def to_them(call: RestCall) -> bool:
            channel = self.fake.dm_channel_of(self.id(who))
            return (
                call.status == 200
                and call.path == f"/channels/{channel}/messages"
                and contains in text_of(call.body)
            )

        return await self.fake.wait_for("POST", r"/channels/\d+/messages", to_them)

    def visible_to(self, who: str, message: Json) -> bool:
        channel = int(message["channel_id"])
        if channel == self.fake.dm_channel_of(self.id(who)):
            return True
        if channel != CHANNEL_ID:
            return False
        if message["flags"] & EPHEMERAL:
            return self.fake.seen_by.get(int(message["id"])) == self.id(who)
        return True

    async def press(self, who: str, label: str) -> Json:
        """Press the newest button labelled ``label…`` that ``who`` can see."""
        for message in reversed(list(self.fake.messages.values())):
            if not self.visible_to(who, message):
                continue
            for button in buttons_of(message):
                if button.get("label", "").startswith(label):
                    interaction = self.fake.new_interaction(
                        self.members[who],
                        3,
                        button_data(button["custom_id"]),
                        channel_id=int(message["channel_id"]),
                        message=message,
                    )
                    await self.fake.dispatch("INTERACTION_CREATE", interaction)
                    return interaction
        raise AssertionError(f"{who} sees no button {label!r}")

    async def react(self, who: str, post: RestCall, emoji: str) -> None:
        await self.fake.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": str(self.id(who)),
                "channel_id": post.response["channel_id"],
                "message_id": post.response["id"],
                "guild_id": str(GUILD_ID),
                "member": self.members[who].member(),
                "emoji": {"id": None, "name": emoji},
                "type": 0,
                "burst": False,
                "message_author_id": str(self.client.user.id if self.client.user else 0),
            },
        )

    async def acknowledged(self, interaction: Json) -> RestCall:
        return await self.fake.wait_for(
            "POST", rf"/interactions/{interaction['id']}/{re.escape(interaction['token'])}/callback"
        )

    def chat(self) -> Callable[[Community], Chat]:
        """How `givefirst discord` reaches communities with scheduled work."""
        return chat_for_scheduled_work(self.client)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'discord.db'}")
    await storage.upgrade()
    try:
        yield storage
    finally:
        await storage.dispose()


def _members(fake: FakeDiscord) -> dict[str, User]:
    return {
        "owner": fake.users[OWNER_ID],
        "ana": fake.add_user(1_310_000_000_000_000_001, "ana"),
        "ben": fake.add_user(1_310_000_000_000_000_002, "ben"),
        "dana": fake.add_user(1_310_000_000_000_000_003, "dana"),
        "mod": fake.add_user(1_310_000_000_000_000_004, "mod", permissions=MANAGE_GUILD | 3072),
    }


@pytest.fixture
async def community(fake_discord: FakeDiscord, storage: Storage) -> AsyncIterator[DiscordCommunity]:
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock)
    client = GiveFirstClient(bot, guild_id=GUILD_ID, **client_options())
    async with connected(client):
        dc = DiscordCommunity(fake_discord, bot, clock, client, _members(fake_discord))
        setup = await dc.command(
            "mod", "givefirst", "config", setting="channel", value=f"<#{CHANNEL_ID}>"
        )
        await dc.reply(setup, "Saved")
        yield dc


# --- start-up ---------------------------------------------------------------------------------


async def test_commands_are_synced_to_the_guild_and_no_privileged_intent_is_asked_for(
    community: DiscordCommunity,
) -> None:
    [sync] = community.fake.calls("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
    names = {command["name"] for command in sync.body}
    assert names == {"offer", "ask", "skills", "thanks", "givefirst"}
    skills = next(c for c in sync.body if c["name"] == "skills")
    assert {o["name"] for o in skills["options"]} == {"add", "remove", "list"}
    ask = next(c for c in sync.body if c["name"] == "ask")
    assert {o["name"]: o["type"] for o in ask["options"]} == {"text": 3, "private": 5}

    [identify] = community.fake.identified
    intents = discord.Intents._from_value(identify["intents"])
    assert intents.guilds and intents.guild_reactions and intents.dm_reactions
    assert not (intents.members or intents.presences or intents.message_content)


# --- offers and asks ------------------------------------------------------------------------


async def test_an_offer_is_posted_as_an_embed_with_a_button_and_the_author_sees_its_skills(
    community: DiscordCommunity,
) -> None:
    offer = await community.command(
        "ana", "offer", text="Happy to review resumes for career changers"
    )

    callback = await community.acknowledged(offer)
    assert callback.body == {"type": 5, "data": {"flags": EPHEMERAL}}, "deferred, ephemeral"

    post = await community.posted("Happy to review resumes")
    assert f"<@{community.id('ana')}>" in post.body["content"]
    assert post.body["embeds"][0]["description"].startswith(">") or "Happy" in text_of(post.body)
    assert [b["label"] for b in buttons_of(post.body)] == ["I'd like this"]
    assert post.body["allowed_mentions"]["parse"] == []

    reply = await community.reply(offer, "Thank you for giving first")
    assert reply.body["flags"] & EPHEMERAL
    assert "#resume" in text_of(reply.body)


async def test_an_ask_is_answered_with_suggested_helpers(community: DiscordCommunity) -> None:
    await community.command("ana", "offer", text="Happy to review resumes #resume")
    await community.posted("review resumes")
    ask = await community.command("dana", "ask", text="could someone look over my CV?")

    suggestions = await community.reply(ask, "These members could help")
    assert suggestions.body["flags"] & EPHEMERAL
    assert f"<@{community.id('ana')}>" in text_of(suggestions.body)
    assert any(b["label"].startswith("Ask Ana") for b in buttons_of(suggestions.body))


async def test_members_hear_back_while_discord_is_slow_to_answer_for_the_posts(
    community: DiscordCommunity,
) -> None:
    """A burst of offers while Discord is slow to answer for each channel post (and
    discord.py sends a channel's posts one at a time): every member's answer arrives at
    once, none waits for a post (theirs or anyone's)."""
    community.fake.slow("POST", CHANNEL_POSTS, lambda path, body: 0.5)
    tags = ("python", "sql", "figma", "kubernetes", "resume", "seo")
    offers = [
        await community.command(who, "offer", text=f"happy to help with #{tag}")
        for who, tag in zip(("ana", "ben", "dana", "mod", "ana", "ben"), tags, strict=True)
    ]
    for offer, tag in zip(offers, tags, strict=True):
        await community.reply(offer, f"#{tag}")
    posted = len(community.fake.calls("POST", CHANNEL_POSTS))
    assert community.fake.awaiting_answer() == posted, "Discord has answered for no post yet"
    for tag in tags:
        await community.posted(f"#{tag}")
    await community.fake.all_answered()


async def test_a_private_ask_stays_out_of_the_channel(community: DiscordCommunity) -> None:
    ask = await community.command("dana", "ask", text="quietly looking for a new job", private=True)
    await community.reply(ask, "private ask is saved")
    assert all(
        "quietly looking" not in text_of(call.body)
        for call in community.fake.calls("POST", CHANNEL_POSTS)
    )


# --- introductions --------------------------------------------------------------------------


async def test_the_full_double_opt_in_by_buttons(community: DiscordCommunity) -> None:
    await community.command("ana", "offer", text="Happy to review resumes #resume")
    await community.posted("review resumes")
    ask = await community.command("dana", "ask", text="could someone look over my CV?")
    await community.reply(ask, "These members could help")

    await community.press("dana", "Ask Ana")
    request = await community.dm("ana", "I think you could help")
    assert "could someone look over my CV?" in text_of(request.body)
    assert [b["label"] for b in buttons_of(request.body)][:2] == ["Happy to help", "Not this time"]
    assert community.fake.dm_channel_of(community.id("dana")) is None, "nobody introduced yet"

    await community.press("ana", "Happy to help")
    for_dana = await community.dm("dana", "meet")
    for_ana = await community.dm("ana", "meet")
    assert text_of(for_dana.body) == text_of(for_ana.body), "one introduction, sent to each"
    introduction = text_of(for_dana.body)
    assert f"<@{community.id('ana')}>" in introduction
    assert f"<@{community.id('dana')}>" in introduction
    assert "could someone look over my CV?" in introduction
    assert "Happy to review resumes" in introduction
    assert {int(u) for u in for_dana.body["allowed_mentions"]["users"]} == {
        community.id("ana"),
        community.id("dana"),
    }

    answered = await community.fake.wait_for(
        "PATCH", rf"/webhooks/{APP_ID}/[^/]+/messages/@original"
    )
    assert "You chose: Happy to help" in answered.body["content"]
    assert answered.body["components"] == [], "the request cannot be answered twice"


async def test_the_full_double_opt_in_by_reactions(community: DiscordCommunity) -> None:
    ask = await community.command("dana", "ask", text="anyone know about buying a used car?")
    post = await community.posted("buying a used car")
    await community.reply(ask, "Your ask is shared")

    await community.react("ben", post, "🙋🏽")
    offer_to_help = await community.dm("dana", "would like to help with your ask")
    assert f"<@{community.id('ben')}>" in text_of(offer_to_help.body)

    await community.press("dana", "Yes, introduce us")
    await community.dm("ben", "meet")
    await community.dm("dana", "meet")

    await community.react("dana", post, "✅")
    solved = await community.fake.wait_for(
        "PATCH", rf"{CHANNEL_POSTS}/{post.response['id']}", lambda c: "solved" in text_of(c.body)
    )
    assert buttons_of(solved.body) == [], "no more volunteering on a solved ask"


async def test_reactions_from_others_and_unknown_emoji_change_nothing(
    community: DiscordCommunity,
) -> None:
    ask = await community.command("dana", "ask", text="how do I negotiate a salary offer?")
    post = await community.posted("negotiate a salary")
    await community.reply(ask, "Your ask is shared")
    await community.react("ben", post, "🎉")
    await community.react("ben", post, "✅")
    await community.dm("ben", "Only the person who asked can mark this ask as solved")
    await asyncio.sleep(0.2)
    assert community.fake.calls("PATCH", rf"{CHANNEL_POSTS}/\d+") == [], "the ask is still open"
    dms = [
        c
        for c in community.fake.calls("POST", r"/channels/\d+/messages")
        if c.path != CHANNEL_POSTS
    ]
    assert len(dms) == 1, "🎉 means nothing to givefirst"


async def test_a_declined_request_and_an_expired_one(community: DiscordCommunity) -> None:
    await community.command("ana", "offer", text="resume reviews #resume")
    await community.command("ben", "offer", text="I read resumes for a living #resume")
    await community.posted("resume reviews")
    await community.posted("for a living")
    ask = await community.command("dana", "ask", text="CV help please #resume")
    await community.reply(ask, "These members could help")

    await community.press("dana", "Ask ")
    first = await community.fake.wait_for(
        "POST", r"/channels/\d+/messages", lambda c: "I think you could help" in text_of(c.body)
    )
    asked = "ana" if community.fake.dm_channel_of(community.id("ana")) is not None else "ben"
    other = "ben" if asked == "ana" else "ana"
    assert first.path == f"/channels/{community.fake.dm_channel_of(community.id(asked))}/messages"
    await community.press(asked, "Not this time")
    await community.dm("dana", "can't help this time")

    await community.press("dana", f"Ask {other.title()}")
    await community.dm(other, "I think you could help")
    community.clock.advance(timedelta(days=3, minutes=1))
    sent = await community.bot.run_due_work(community.chat())
    assert sent >= 1
    await community.dm("dana", "didn't answer within 3 days")


async def test_follow_up_and_thanks(community: DiscordCommunity) -> None:
    await community.command("ana", "offer", text="resume reviews #resume")
    await community.posted("resume reviews")
    ask = await community.command("dana", "ask", text="CV help please #resume")
    await community.reply(ask, "These members could help")
    await community.press("dana", "Ask Ana")
    await community.dm("ana", "I think you could help")
    await community.press("ana", "Happy to help")
    await community.dm("dana", "meet")

    community.clock.advance(timedelta(days=7, minutes=1))
    await community.bot.run_due_work(community.chat())
    await community.dm("dana", "Did you connect with")
    helped = await community.press("dana", "It helped")
    await community.reply(helped, "Would you like to thank")
    await community.press("dana", "Say thanks")
    thanked = await community.posted("thanked")
    assert f"<@{community.id('ana')}>" in text_of(thanked.body)

    thanks = await community.command(
        "dana", "thanks", member=community.members["ben"], note="for the pep talk"
    )
    public = await community.posted("for the pep talk")
    assert f"<@{community.id('ben')}>" in text_of(public.body)
    assert community.id("ben") in [int(u) for u in public.body["allowed_mentions"]["users"]]
    await community.acknowledged(thanks)


async def test_a_button_pressed_after_a_restart_still_works(
    fake_discord: FakeDiscord, storage: Storage
) -> None:
    members = _members(fake_discord)
    clock = FakeClock()
    bot = GiveFirst(storage.unit_of_work, clock)
    async with connected(GiveFirstClient(bot, guild_id=GUILD_ID, **client_options())) as client:
        dc = DiscordCommunity(fake_discord, bot, clock, client, members)
        await dc.command("mod", "givefirst", "config", setting="channel", value=f"<#{CHANNEL_ID}>")
        await dc.command("ana", "offer", text="Happy to review resumes #resume")
        await dc.posted("review resumes")
        ask = await dc.command("dana", "ask", text="could someone look over my CV?")
        await dc.reply(ask, "These members could help")

    restarted = GiveFirst(storage.unit_of_work, clock)
    async with connected(
        GiveFirstClient(restarted, guild_id=GUILD_ID, **client_options())
    ) as client:
        dc = DiscordCommunity(fake_discord, restarted, clock, client, members)
        assert len(fake_discord.identified) == 2, "a second gateway session"
        await dc.press("dana", "Ask Ana")
        await dc.dm("ana", "I think you could help")


# --- permissions and hygiene ----------------------------------------------------------------


async def test_an_admin_subcommand_is_refused_without_manage_server(
    community: DiscordCommunity,
) -> None:
    refused = await community.command("ben", "givefirst", "config", setting="capacity", value="9")
    await community.reply(refused, "admin")
    shown = await community.command("ben", "givefirst", "config")
    settings = await community.reply(shown, "Settings for this community")
    assert "9" not in re.findall(r"[Cc]apacity\D*(\d+)", text_of(settings.body))

    allowed = await community.command("mod", "givefirst", "config", setting="capacity", value="4")
    await community.reply(allowed, "Saved")
    shown = await community.command("ben", "givefirst", "config")
    settings = await community.reply(shown, "Settings for this community")
    assert re.findall(r"[Cc]apacity\D*(\d+)", text_of(settings.body)) == ["4"]


async def test_an_alias_of_several_words_is_saved_from_the_value_option(
    community: DiscordCommunity,
) -> None:
    saved = await community.command(
        "mod", "givefirst", "config", setting="alias", value="TTC = Toronto Transit Commission"
    )
    await community.reply(saved, "Saved")
    shown = await community.command("ben", "givefirst", "config")
    settings = await community.reply(shown, "Settings for this community")
    assert "ttc → toronto transit commission" in text_of(settings.body)
    offer = await community.command("ana", "offer", text="I can explain ttc fares")
    await community.reply(offer, "#toronto-transit-commission")


async def test_mass_mentions_in_an_offer_are_posted_with_mentions_disabled(
    community: DiscordCommunity,
) -> None:
    offer = await community.command(
        "ana",
        "offer",
        text="@everyone @here free **resume** reviews <@&1310000000000000099> [docs](https://x.y)",
    )
    post = await community.posted("resume")
    mentions = post.body["allowed_mentions"]
    assert mentions["parse"] == [], "no @everyone, @here or role pings"
    assert [int(u) for u in mentions["users"]] == [community.id("ana")], "only the author, named"
    shown = text_of(post.body)
    assert "@everyone" not in shown and "@here" not in shown, "escaped so they read but never ping"
    assert "\\*\\*resume\\*\\*" in shown, "markdown shown literally"
    assert "<@&1310000000000000099>" not in shown, "role mention broken up"
    await community.reply(offer, "without pinging anyone")


async def test_a_member_mentioned_in_an_offer_is_shown_as_a_mention_not_an_id(
    community: DiscordCommunity,
) -> None:
    ben = community.id("ben")
    await community.command("ana", "offer", text=f"CV reviews, as <@!{ben}> taught me")
    post = await community.posted("CV reviews")
    shown = text_of(post.body)
    assert f"as <@{ben}> taught me" in shown, "Discord shows Ben's name, not his id"
    assert ben in [int(u) for u in post.body["allowed_mentions"]["users"]], (
        "Ben hears of it, as if Ana had posted it herself"
    )


async def test_commands_in_replies_are_shown_as_code_and_typed_values_cannot_break_out(
    community: DiscordCommunity,
) -> None:
    shown = await community.command("ben", "givefirst", "help")
    help_text = (await community.reply(shown, "give before you ask")).body["content"]
    assert "`/offer TEXT` — share something you can help with" in help_text
    assert "\\`" not in help_text, "no back quotes shown as literal characters"

    typed = await community.command(
        "mod", "givefirst", "config", setting="timezone", value="Mars`@everyone"
    )
    refused = await community.reply(typed, "is not a time zone I know")
    assert refused.body["content"].startswith("`Mars'@everyone` is not a time zone I know")
    assert refused.body["allowed_mentions"]["parse"] == []


async def test_a_member_with_closed_dms_is_told_about_and_set_aside_until_they_open_them(
    community: DiscordCommunity, storage: Storage
) -> None:
    community.members["ana"].dms_closed = True
    await community.command("ana", "offer", text="Happy to review resumes #resume")
    await community.posted("review resumes")
    ask = await community.command("dana", "ask", text="could someone look over my CV?")
    await community.reply(ask, "These members could help")

    pressed = await community.press("dana", "Ask Ana")
    refused = await community.fake.wait_for(
        "POST", r"/channels/\d+/messages", lambda call: call.status == 403
    )
    assert refused.response["code"] == 50007
    note = await community.reply(pressed, "DMs are closed")
    assert note.body["flags"] & EPHEMERAL
    assert f"<@{community.id('ana')}>" in text_of(note.body)

    still = await community.command("dana", "givefirst", "me")
    await community.reply(still, "")

    # Set aside while her DMs are closed: not suggested, and requests are refused.
    again = await community.command("ben", "ask", text="my CV needs a second pair of eyes")
    assert f"<@{community.id('ana')}>" not in text_of(
        (await community.reply(again, "Nobody yet")).body
    )
    request = await community.press("ben", "I'd like this")
    await community.reply(request, "I can't reach")

    # She uses givefirst: a DM checks her DMs, which are still closed, so she is told.
    listed = await community.command("ana", "skills", "list")
    told = await community.reply(listed, "allow direct messages")
    assert told.body["flags"] & EPHEMERAL
    # She opens them and says so: the check reaches her, and she is suggested again.
    community.members["ana"].dms_closed = False
    await community.press("ana", "I've opened my DMs")
    await community.dm("ana", "reading this in your DMs")
    await reachable_again(storage, community.id("ana"))  # recorded just after it arrived
    back = await community.command("ben", "ask", text="could someone look over my resume?")
    suggested = await community.reply(back, "These members could help")
    assert f"<@{community.id('ana')}>" in text_of(suggested.body)


async def test_a_rate_limited_post_waits_and_is_delivered_once(
    community: DiscordCommunity,
) -> None:
    community.fake.fail_next("POST", CHANNEL_POSTS, status=429)
    await community.command("ana", "offer", text="Happy to review resumes #resume")
    await community.posted("review resumes")
    attempts = community.fake.calls("POST", CHANNEL_POSTS)
    assert [c.status for c in attempts] == [429, 200]


async def test_a_sharded_bot_connects_every_shard(
    fake_discord: FakeDiscord, storage: Storage
) -> None:
    class Impatient(ShardedGiveFirstClient):
        async def before_identify_hook(
            self, shard_id: int | None, *, initial: bool = False
        ) -> None:
            """discord.py spaces identifies 5 s apart for Discord's limit; the fake has none."""

    bot = GiveFirst(storage.unit_of_work, FakeClock())
    client = Impatient(bot, guild_id=GUILD_ID, shard_count=2, **client_options())
    async with connected(client):
        assert sorted(i["shard"] for i in fake_discord.identified) == [[0, 2], [1, 2]]
        guild = client.get_guild(GUILD_ID)
        assert guild is not None and guild.shard_id == 1
        offer = await DiscordCommunity(
            fake_discord, bot, FakeClock(), client, _members(fake_discord)
        ).command("ana", "offer", text="Happy to review resumes #resume")
        await fake_discord.wait_for("POST", rf"/webhooks/{APP_ID}/{re.escape(offer['token'])}")


async def test_without_a_dev_guild_commands_are_synced_globally(
    fake_discord: FakeDiscord, storage: Storage
) -> None:
    bot = GiveFirst(storage.unit_of_work, FakeClock())
    async with connected(GiveFirstClient(bot, **client_options())):
        [sync] = fake_discord.calls("PUT", rf"/applications/{APP_ID}/commands")
        assert len(sync.body) == 5
        assert fake_discord.calls("PUT", rf"/applications/{APP_ID}/guilds/\d+/commands") == []


async def test_the_weekly_digest_is_posted_in_the_channel(community: DiscordCommunity) -> None:
    await community.command("ana", "offer", text="Happy to review resumes #resume")
    await community.posted("review resumes")
    await community.command("dana", "ask", text="anyone know about buying a used car?")
    await community.posted("buying a used car")
    private = await community.command("ben", "ask", text="quietly job hunting", private=True)
    await community.reply(private, "private ask is saved")

    community.clock.advance(timedelta(days=7, minutes=1))
    await community.bot.run_due_work(community.chat())

    digest = await community.posted("This week in give-first")
    shown = text_of(digest.body)
    assert "Happy to review resumes" in shown, "new offers"
    assert "buying a used car" in shown, "asks still looking for help"
    assert "quietly job hunting" not in shown, "private asks never appear"
    assert f"<@{community.id('ana')}>" in shown, "givers are named"
    assert digest.body["allowed_mentions"] == {"parse": [], "users": []}, "and not pinged"
    [volunteer] = buttons_of(digest.body)
    await community.press("ben", volunteer["label"])
    await community.dm("dana", "would like to help with your ask")


async def test_export_arrives_as_a_json_file(community: DiscordCommunity) -> None:
    await community.command("dana", "ask", text="anyone know about buying a used car? 🚗")
    await community.posted("buying a used car")
    export = await community.command("dana", "givefirst", "export")

    sent = await community.fake.wait_for(
        "POST", r"/(channels/\d+/messages|webhooks/.*)", lambda c: bool(c.files)
    )
    assert sent.path == f"/channels/{community.fake.dm_channel_of(community.id('dana'))}/messages"
    [(filename, content)] = sent.files
    assert filename == "givefirst-export.json"
    data = json.loads(content)
    assert "anyone know about buying a used car? 🚗" in json.dumps(data, ensure_ascii=False)
    await community.acknowledged(export)


async def test_an_answer_that_is_refused_leaves_the_question_as_it_was(
    community: DiscordCommunity,
) -> None:
    await community.command("ana", "offer", text="Happy to review resumes #resume")
    await community.posted("review resumes")
    ask = await community.command("dana", "ask", text="could someone look over my CV?")
    await community.reply(ask, "These members could help")
    await community.press("dana", "Ask Ana")
    await community.dm("ana", "I think you could help")

    community.clock.advance(timedelta(days=3, minutes=1))  # too late, the scheduler not yet run
    await community.press("ana", "Happy to help")
    await community.fake.wait_for(
        "POST", rf"/webhooks/{APP_ID}/.+", lambda c: "This request has expired" in text_of(c.body)
    )
    assert not [
        c
        for c in community.fake.calls("PATCH")
        if "You chose" in json.dumps(c.body) and "@original" in c.path
    ], "a refused answer does not settle the question"


async def test_the_private_option_is_a_flag_and_the_words_stay_as_typed(
    community: DiscordCommunity,
) -> None:
    public = await community.command("dana", "ask", text="private: my landlord keeps my deposit")
    await community.reply(public, "Your ask is shared")
    post = await community.posted("my landlord keeps my deposit")
    assert "private: my landlord" in text_of(post.body), "typed words are not an option"

    private = await community.command("ben", "ask", text="a loan for my parents", private=True)
    await community.reply(private, "Your private ask is saved")
    assert not [
        c
        for c in community.fake.calls("POST")
        if "loan for my parents" in text_of(c.body) and c.path.startswith(CHANNEL_POSTS)
    ]


async def reachable_again(storage: Storage, user_id: int) -> None:
    for _ in range(100):
        async with storage.unit_of_work() as uow:
            community = await uow.communities.get_by_key(f"discord:{GUILD_ID}")
            assert community is not None and community.id is not None
            member = await uow.members.get_by_platform_id(community.id, str(user_id))
        if member is not None and not member.dm_closed:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the direct message that arrived was not recorded")
