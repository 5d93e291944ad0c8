"""A scheduled message sent again after its sender died mid-send: on Slack its outbox
key travels as message metadata, and the conversation's history is read before the
resend when the app may read it; otherwise the resend goes out and is logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.chat import OUTBOX_EVENT, SlackChat
from bot import render
from bot.messages import ChannelPost, DirectMessage, Message, Paragraph, message, text
from bot.ports import SendOnce
from givefirst.testing.fake_slack import FakeSlack

CHANNEL = "C0DIGEST"


def digest() -> Message:
    return render.say(ChannelPost(CHANNEL), "🌱 This week in give-first")


def decided(key: str = "digest:1:2026-03-02T09:00:00+00:00#0") -> SendOnce:
    return SendOnce(key, datetime.now(UTC) - timedelta(seconds=20))


async def test_a_scheduled_post_carries_its_outbox_key(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    chat = SlackChat(slack_client)
    once = decided()
    await chat.send(digest(), default_channel=None, once=once)
    [posted] = fake_slack.messages_in(CHANNEL)
    assert posted["metadata"] == {
        "event_type": OUTBOX_EVENT,
        "event_payload": {"key": once.key, "part": 0},
    }


async def test_a_resend_finds_the_post_that_arrived_and_sends_nothing(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.grant("channels:history")
    once = decided()
    first = await SlackChat(slack_client).send(digest(), default_channel=None, once=once)
    # The sender died before recording it; another process's chat sends it again.
    again = await SlackChat(slack_client).send(
        digest(), default_channel=None, once=SendOnce(once.key, once.since, retry=True)
    )
    assert again == first, "where the post landed is recorded as before"
    assert len(fake_slack.messages_in(CHANNEL)) == 1
    assert len(fake_slack.calls("chat.postMessage")) == 1


async def test_a_resend_of_a_post_that_never_arrived_goes_out(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.grant("channels:history")
    await SlackChat(slack_client).send(digest(), default_channel=None, once=decided("other#0"))
    once = SendOnce("digest:2#0", datetime.now(UTC), retry=True)
    await SlackChat(slack_client).send(digest(), default_channel=None, once=once)
    assert len(fake_slack.messages_in(CHANNEL)) == 2


async def test_without_the_history_scope_the_resend_goes_out_and_is_logged(
    slack_client: AsyncWebClient, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="adapters.slack.chat")
    once = decided()
    chat = SlackChat(slack_client)
    await chat.send(digest(), default_channel=None, once=once)
    retry = SendOnce(once.key, once.since, retry=True)
    await chat.send(digest(), default_channel=None, once=retry)
    await chat.send(digest(), default_channel=None, once=retry)
    assert len(fake_slack.messages_in(CHANNEL)) == 3, "the duplicates the scope would prevent"
    assert len(fake_slack.calls("conversations.history")) == 1, "asked once, then known"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2 and all("again without checking" in w for w in warnings)
    assert "channels:history" in warnings[0]


async def test_direct_messages_are_checked_in_their_conversation(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.grant("im:history", "mpim:history")
    for users in (("U0ANA",), ("U0ANA", "U0BEN")):
        note = render.say(DirectMessage(users), "Did you connect? Did it help?")
        once = decided(f"followup:{len(users)}#0")
        await SlackChat(slack_client).send(note, default_channel=None, once=once)
        again = SendOnce(once.key, once.since, retry=True)
        await SlackChat(slack_client).send(note, default_channel=None, once=again)
        assert len(fake_slack.messages_in(fake_slack.conversation_of(*users))) == 1


async def test_a_long_message_is_completed_part_by_part(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.grant("channels:history")
    long = message(ChannelPost(CHANNEL), *(Paragraph(text(f"line {n}")) for n in range(70)))
    once = decided()

    def second_part(args: dict[str, Any]) -> bool:
        return bool(args.get("metadata", {}).get("event_payload", {}).get("part") == 1)

    fake_slack.drop_calls("chat.postMessage", second_part)  # the network fails mid-way
    with pytest.raises(aiohttp.ClientError):
        await SlackChat(slack_client).send(long, default_channel=None, once=once)
    fake_slack.drop_calls("chat.postMessage", lambda args: False)
    await SlackChat(slack_client).send(  # the first part went out the first time
        long, default_channel=None, once=SendOnce(once.key, once.since, retry=True)
    )
    parts = [m["metadata"]["event_payload"]["part"] for m in fake_slack.messages_in(CHANNEL)]
    assert sorted(parts) == [0, 1]
