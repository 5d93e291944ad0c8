"""Give-first rounds on Discord, end to end: the real discord.py client against the
fake Discord. Bots cannot open group DMs, so each member of a pair gets the same
introduction, naming the other."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from givefirst.testing.fake_discord import Json, RestCall, command_data, text_of
from tests.discord.test_discord_bot import (  # noqa: F401  (fixtures)
    DiscordCommunity,
    community,
    storage,
)


async def rounds(dc: DiscordCommunity, who: str, sub: str, **values: Any) -> Json:
    """``/givefirst rounds SUB option:value …`` as ``who``."""
    options: list[Json] = []
    resolved: Json = {"users": {}, "members": {}}
    for name, value in values.items():
        if isinstance(value, bool):
            options.append({"name": name, "type": 5, "value": value})
        else:
            options.append({"name": name, "type": 6, "value": str(value.id)})
            resolved["users"][str(value.id)] = value.payload()
    data = command_data(
        "givefirst",
        [{"name": "rounds", "type": 2, "options": [{"name": sub, "type": 1, "options": options}]}],
        resolved=resolved if resolved["users"] else None,
    )
    interaction = dc.fake.new_interaction(dc.members[who], 2, data)
    await dc.fake.dispatch("INTERACTION_CREATE", interaction)
    return interaction


async def round_starts(dc: DiscordCommunity) -> None:
    """The fake clock starts on a Monday at 09:00 UTC; rounds are at 10:00."""
    now = dc.clock.now()
    start = now.replace(hour=10, minute=1)
    while start <= now or start.weekday() != 0:
        start += timedelta(days=1)
    dc.clock.set(start)
    await dc.bot.run_due_work(dc.chat())


def dms_containing(dc: DiscordCommunity, who: str, words: str) -> list[RestCall]:
    channel = dc.fake.dm_channel_of(dc.id(who))
    return [
        call
        for call in dc.fake.calls("POST", r"/channels/\d+/messages")
        if call.path == f"/channels/{channel}/messages" and words in text_of(call.body)
    ]


async def test_a_round_on_discord_from_joining_to_the_digest(
    community: DiscordCommunity,  # noqa: F811
) -> None:
    dc = community
    [sync] = dc.fake.calls("PUT", r"/applications/\d+/guilds/\d+/commands")
    givefirst = next(c for c in sync.body if c["name"] == "givefirst")
    group = next(o for o in givefirst["options"] if o["name"] == "rounds")
    assert {o["name"] for o in group["options"]} == {"status", "join", "leave", "skip", "never"}

    await dc.command("mod", "givefirst", "config", setting="quiet-weeks", value="post")
    setup = await dc.command(
        "mod", "givefirst", "config", setting="rounds", value="every 1 week monday 10:00"
    )
    await dc.reply(setup, "Give-first rounds: every week on Mondays at 10:00 (UTC)")
    await dc.posted("Give-first rounds are starting")

    joined = await dc.press("ana", "Join the rounds")
    await dc.reply(joined, "You're in!")
    for who in ("ben", "dana"):
        await dc.reply(await rounds(dc, who, "join"), "You're in!")
    never = await rounds(dc, "dana", "never", member=dc.members["owner"])
    await dc.reply(never, "Only you know")
    await dc.reply(await rounds(dc, "dana", "skip"), "sit out the next round")

    await round_starts(dc)
    for_ana = await dc.dm("ana", "meet each other")
    for_ben = await dc.dm("ben", "meet each other")
    assert text_of(for_ana.body) == text_of(for_ben.body), "one introduction, sent to each"
    assert f"<@{dc.id('ana')}>" in text_of(for_ana.body)
    assert f"<@{dc.id('ben')}>" in text_of(for_ana.body)
    assert dms_containing(dc, "dana", "meet each other") == [], "Dana skipped this round"
    assert dc.fake.dm_channel_of(dc.id("owner")) is None, "never lists stay private"

    await dc.press("ana", "We met")
    answered = await dc.fake.wait_for(
        "PATCH", r"/webhooks/\d+/[^/]+/messages/@original", lambda c: "We met" in str(c.body)
    )
    assert "You chose: We met" in answered.body["content"]

    await round_starts(dc)  # Ana and Ben met a week ago: Dana meets one of them
    second = await dc.dm("dana", "meet each other")
    partner = "ana" if f"<@{dc.id('ana')}>" in text_of(second.body) else "ben"
    await dc.dm("ana" if partner == "ben" else "ben", "couldn't find anyone for you")

    dc.clock.advance(timedelta(days=4))  # three days before the next round
    await dc.bot.run_due_work(dc.chat())
    await dc.dm("dana", "meet for the give-first round of")
    await dc.dm(partner, "meet for the give-first round of")
    await dc.press(partner, "We met")
    await dc.fake.wait_for(  # the answer is recorded before the button says so
        "PATCH",
        r"/webhooks/\d+/[^/]+/messages/@original",
        lambda c: "We met" in str(c.body) and c is not answered,
    )

    dc.clock.advance(timedelta(days=2, hours=23))  # the Monday digest, 09:00
    await dc.bot.run_due_work(dc.chat())
    await dc.posted("round** of 12 Jan")
    [*_, digest] = [
        text_of(c.body)
        for c in dc.fake.calls("POST", r"/channels/\d+/messages")
        if "This week in give-first" in text_of(c.body)
    ]
    assert "Give-first round** of 12 Jan: 1 of 1 group met." in digest
    assert "dana" not in digest.split("Give-first round")[1], "no names"
