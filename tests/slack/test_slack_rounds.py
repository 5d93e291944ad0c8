"""Give-first rounds on Slack, end to end: the real Bolt app against the fake Slack.
A pair meets in one group conversation (``conversations.open`` with both members)."""

from __future__ import annotations

import json
from datetime import timedelta

from adapters.slack.chat import SlackChat
from tests.slack.community import CHANNEL, SlackCommunity, text_of
from tests.slack.test_slack_app import create_app_client


async def round_starts(community: SlackCommunity) -> None:
    """The fake clock starts on a Monday at 09:00 UTC; rounds are at 10:00."""
    now = community.clock.now()
    start = now.replace(hour=10, minute=1)
    while start <= now or start.weekday() != 0:
        start += timedelta(days=1)
    community.clock.set(start)
    await due_work(community)


async def due_work(community: SlackCommunity) -> None:
    client = create_app_client(community.fake)
    await community.bot.run_due_work(lambda c: SlackChat(client))


async def test_a_round_on_slack_from_joining_to_the_digest(slack: SlackCommunity) -> None:
    await slack.command("ana", "/givefirst", "config quiet-weeks post")
    await slack.command("ana", "/givefirst", "config rounds every 1 week monday 10:00")
    announcement = await slack.said("chat.postMessage", "Give-first rounds are starting")
    assert announcement.args["channel"] == CHANNEL

    await slack.press("ben", "Join the rounds")
    await slack.said("response_url", "You're in!")
    await slack.command("ana", "/givefirst", "rounds join")
    await slack.command("dana", "/givefirst", "rounds join")
    await slack.command("dana", "/givefirst", "rounds skip")
    await slack.said("response_url", "sit out the next round")
    await slack.command("erin", "/givefirst", "rounds never <@U0DANA|dana>")
    await slack.said("response_url", "Only you know")

    await round_starts(slack)
    group = await slack.fake.wait_for(
        "conversations.open",
        lambda c: set(c.args.get("users", "").split(",")) == {"U0ANA", "U0BEN"},
    )
    intro = await slack.said("chat.postMessage", "meet each other")
    assert intro.args["channel"] == group.response["channel"]["id"], "one group DM for the pair"
    assert "U0DANA" not in text_of(intro), "Dana skipped this round"
    assert not [c for c in slack.fake.calls("conversations.open") if "U0DANA" in c.args["users"]]

    calls = len(slack.fake.calls())
    await slack.press("ben", "We met")
    await slack.said("response_url", "Glad you met")
    assert "U0ERIN" not in json.dumps([c.args for c in slack.fake.calls()[calls:]])

    await round_starts(slack)  # Ana and Ben met last week: Dana meets one of them
    await slack.fake.wait_for(
        "conversations.open",
        lambda c: "U0DANA" in c.args.get("users", "") and "," in c.args.get("users", ""),
    )
    await slack.said("chat.postMessage", "couldn't find anyone for you")

    slack.clock.advance(timedelta(days=4))  # three days before the next round
    await due_work(slack)
    asked = await slack.said("chat.postMessage", "meet for the give-first round of")
    assert "U0DANA" in text_of(asked)
    calls = len(slack.fake.calls())
    await slack.press("dana", "We met")
    await slack.said("response_url", "Glad you met", after=calls)

    slack.clock.advance(timedelta(days=2, hours=23))  # the Monday digest, 09:00
    await due_work(slack)
    await slack.said("chat.postMessage", "of 12 Jan")
    [*_, digest] = [
        c for c in slack.fake.calls("chat.postMessage") if "This week in give-first" in text_of(c)
    ]
    shown = text_of(digest)
    assert "of 12 Jan: 1 of 1 group met." in shown
    assert "U0DANA" not in shown and "dana" not in shown, "no names"
    buttons = [e for b in digest.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert any(b["text"]["text"].startswith("Join the rounds") for b in buttons)
