"""The fake Slack speaks the wire format the real slack-bolt and slack_sdk expect."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from givefirst.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER_ID,
    TEAM_ID,
    FakeSlack,
    SlackRequests,
    app_home_opened,
    block_actions,
    event_callback,
    reaction_added,
    slash_command,
)

Body = dict[str, Any]


def offer_command(fake_slack: FakeSlack, text: str = "I can review CVs #career") -> dict[str, str]:
    return slash_command("/offer", text, response_url=fake_slack.response_url())


async def test_a_signed_slash_command_is_acknowledged_and_answered(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    @bolt_app.command("/offer")
    async def offer(ack: AsyncAck, command: Body, respond: AsyncRespond) -> None:
        await ack()
        await respond(f"Thanks <@{command['user_id']}>, offer noted: {command['text']}")

    reply = await slack_requests.command(offer_command(fake_slack))

    assert reply.status == 200
    answer = await fake_slack.wait_for("response_url")
    assert answer.args["text"] == "Thanks <@U0ANA>, offer noted: I can review CVs #career"
    assert "response_type" not in answer.args  # Slack's default for response URLs: ephemeral
    assert fake_slack.calls("auth.test")[0].token == BOT_TOKEN


async def test_a_request_with_a_forged_signature_is_refused(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    offers: list[Body] = []

    @bolt_app.command("/offer")
    async def offer(ack: AsyncAck, command: Body) -> None:
        offers.append(command)  # before ack(): a dispatched command is listed by the reply
        await ack()

    reply = await slack_requests.command(offer_command(fake_slack), secret="guessed-secret")

    assert reply.status == 401
    assert offers == []


async def test_a_replayed_request_older_than_five_minutes_is_refused(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    @bolt_app.command("/offer")
    async def offer(ack: AsyncAck) -> None:
        await ack()

    six_minutes_ago = int(time.time()) - 6 * 60
    fresh = await slack_requests.command(offer_command(fake_slack))
    stale = await slack_requests.command(offer_command(fake_slack), timestamp=six_minutes_ago)

    assert fresh.status == 200
    assert stale.status == 401


async def test_a_button_click_reaches_its_action_listener(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    clicks: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    @bolt_app.action("request_intro")
    async def request_intro(ack: AsyncAck, action: Body, body: Body) -> None:
        await ack()
        clicks.put_nowait((action["value"], body["user"]["id"]))

    click = block_actions(
        action_id="request_intro",
        value="ask-7:helper-U0BEA",
        block_id="helpers",
        user_id="U0DANA",
        channel_id="C0OFFERS",
        message_ts="1700000000.000100",
        response_url=fake_slack.response_url(),
    )
    reply = await slack_requests.action(click)

    assert reply.status == 200
    assert await asyncio.wait_for(clicks.get(), 5) == ("ask-7:helper-U0BEA", "U0DANA")


async def test_a_reaction_reaches_its_event_listener_with_the_reacted_message(
    bolt_app: AsyncApp, slack_requests: SlackRequests
) -> None:
    reactions: asyncio.Queue[Body] = asyncio.Queue()

    @bolt_app.event("reaction_added")
    async def on_reaction(event: Body) -> None:
        reactions.put_nowait(event)

    event = reaction_added(
        user="U0BEA", reaction="raising_hand", channel="C0OFFERS", ts="1700000000.000100"
    )
    reply = await slack_requests.event(event_callback(event))

    assert reply.status == 200
    received = await asyncio.wait_for(reactions.get(), 5)
    assert received["item"] == {"type": "message", "channel": "C0OFFERS", "ts": "1700000000.000100"}
    assert received["item_user"] == BOT_USER_ID


async def test_opening_the_home_tab_publishes_a_view(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    @bolt_app.event("app_home_opened")
    async def on_home(event: Body, client: AsyncWebClient) -> None:
        home = {
            "type": "home",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
        }
        await client.views_publish(user_id=event["user"], view=home)

    reply = await slack_requests.event(event_callback(app_home_opened(user="U0ANA")))

    assert reply.status == 200
    published = await fake_slack.wait_for("views.publish")
    assert published.args["user_id"] == "U0ANA"
    assert published.args["view"]["type"] == "home"


async def test_the_apps_messages_are_recorded_with_increasing_timestamps(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    @bolt_app.command("/offer")
    async def offer(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    await slack_requests.command(offer_command(fake_slack, "pairing on Rust"))
    await slack_requests.command(offer_command(fake_slack, "mock interviews"))

    first = await fake_slack.wait_for(
        "chat.postMessage", lambda c: c.args["text"] == "pairing on Rust"
    )
    await fake_slack.wait_for("chat.postMessage", lambda c: c.args["text"] == "mock interviews")
    assert first.args["channel"] == "C0OFFERS"
    assert first.token == BOT_TOKEN
    assert len(fake_slack.calls("chat.postMessage")) == 2


async def test_web_api_answers_look_like_slack(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.set_member("U0ADA", real_name="Ada Admin", is_admin=True, tz="America/New_York")

    posted = await slack_client.chat_postMessage(channel="C0OFFERS", text="New offer")
    dm = await slack_client.conversations_open(users="U0ADA")
    same_dm = await slack_client.conversations_open(users=["U0ADA"])
    group = await slack_client.conversations_open(users=["U0ADA", "U0BEA"])
    ada = await slack_client.users_info(user="U0ADA")
    updated = await slack_client.chat_update(channel="C0OFFERS", ts=posted["ts"], text="Solved")
    ephemeral = await slack_client.chat_postEphemeral(channel="C0OFFERS", user="U0ADA", text="psst")
    to_user = await slack_client.chat_postMessage(channel="U0ADA", text="Want an intro?")
    await slack_client.chat_delete(channel="C0OFFERS", ts=posted["ts"])

    assert posted["ts"] < ephemeral["message_ts"] < to_user["ts"]
    assert posted["message"]["bot_id"] == fake_slack.bot_id
    assert dm["channel"]["id"].startswith("D")
    assert same_dm["channel"]["id"] == dm["channel"]["id"]
    assert group["channel"]["id"].startswith("G")
    assert to_user["channel"] == dm["channel"]["id"]
    assert ada["user"]["is_admin"] is True
    assert ada["user"]["tz"] == "America/New_York"
    assert updated["message"]["text"] == "Solved"
    assert fake_slack.message("C0OFFERS", posted["ts"]) is None


async def test_scripted_failures_surface_as_slack_api_errors(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail_next("chat.postMessage", error="not_in_channel")

    with pytest.raises(SlackApiError) as refused:
        await slack_client.chat_postMessage(channel="C0PRIVATE", text="hello")
    retried = await slack_client.chat_postMessage(channel="C0PRIVATE", text="hello")

    assert refused.value.response["error"] == "not_in_channel"
    assert retried["ok"] is True


async def test_a_rate_limited_post_is_retried_after_retry_after_and_recorded_once(
    bolt_app: AsyncApp, slack_requests: SlackRequests, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit_next("chat.postMessage", retry_after=1)

    @bolt_app.command("/offer")
    async def offer(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    started = time.monotonic()
    reply = await slack_requests.command(offer_command(fake_slack, "spreadsheets"))
    delivered = await fake_slack.wait_for("chat.postMessage", lambda call: call.ok)

    assert reply.status == 200
    assert time.monotonic() - started >= 1
    limited, retried = fake_slack.calls("chat.postMessage")
    assert (limited.status, retried.status) == (429, 200)
    assert [call for call in fake_slack.calls("chat.postMessage") if call.ok] == [delivered]
    assert fake_slack.message("C0OFFERS", delivered.response["ts"]) is not None


async def test_a_slash_command_over_socket_mode_is_acknowledged_and_answered(
    bolt_app: AsyncApp, socket_mode: AsyncSocketModeHandler, fake_slack: FakeSlack
) -> None:
    @bolt_app.command("/offer")
    async def offer(ack: AsyncAck, command: Body, client: AsyncWebClient) -> None:
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text=command["text"])

    envelope_id = await fake_slack.socket_send_envelope(
        "slash_commands", offer_command(fake_slack, "bike repairs")
    )
    ack = await fake_slack.wait_for_ack(envelope_id)
    posted = await fake_slack.wait_for("chat.postMessage")

    assert ack == {"envelope_id": envelope_id}
    # Bolt's per-request client adds the workspace's team_id to every call.
    assert posted.args == {"channel": "C0OFFERS", "text": "bike repairs", "team_id": TEAM_ID}
    assert fake_slack.calls("apps.connections.open")[0].token == APP_TOKEN
