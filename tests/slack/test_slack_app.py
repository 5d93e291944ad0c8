"""givefirst on Slack, end to end: the real Bolt app behind a real HTTP server, real
SQLite, and a fake Slack Web API that records every call it receives."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import COMMANDS, EVENTS
from adapters.slack.chat import Conversations, SlackChat
from adapters.slack.server import (
    AppTokenRefused,
    SlackOptions,
    chat_for_scheduled_work,
    create_app,
    serve_socket_mode,
    web_application,
)
from bot import render
from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.domain import Community, Member
from bot.messages import DirectMessage
from bot.ports import DeliveryFailed
from givefirst.metrics import PrometheusMetrics
from givefirst.testing.fake_slack import (
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
    ApiCall,
    FakeSlack,
    app_home_opened,
    event_callback,
    reaction_added,
    sign,
    slash_command,
)
from storage import Storage
from tests.slack.community import CHANNEL, USERS, SlackCommunity, text_of

ROOT = Path(__file__).resolve().parents[2]


async def test_an_offer_is_posted_with_a_button_and_the_author_sees_its_skills(
    slack: SlackCommunity,
) -> None:
    status = await slack.command("ana", "/offer", "Happy to review resumes for career changers")
    assert status == 200

    post = await slack.said("chat.postMessage", "Happy to review resumes")
    assert post.args["channel"] == CHANNEL
    assert {"type": "user", "user_id": "U0ANA"} in post.args["blocks"][0]["elements"][0]["elements"]
    buttons = [e for b in post.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["I'd like this"]

    reply = await slack.said("response_url", "Thank you for giving first")
    assert "#resume" in text_of(reply)
    assert reply.args.get("response_type") == "ephemeral"


async def test_members_and_channels_in_a_members_words_are_shown_as_slack_shows_them(
    slack: SlackCommunity,
) -> None:
    await slack.command(
        "ana", "/offer", f"CV reviews, as <@U0BEN|ben> taught me: see <#{CHANNEL}|general>"
    )
    post = await slack.said("chat.postMessage", "as ")
    quoted = [
        e for b in post.args["blocks"] for s in b.get("elements", []) for e in s.get("elements", [])
    ]
    assert {"type": "user", "user_id": "U0BEN"} in quoted, "a mention, not an id in brackets"
    assert {"type": "channel", "channel_id": CHANNEL} in quoted
    assert "<@U0BEN>" not in text_of(post) and "U0ANA" not in post.args["text"]
    assert post.args["text"] == "🎁 @ana can help:", "the notification names the author"


async def test_the_full_double_opt_in_by_buttons(slack: SlackCommunity) -> None:
    await slack.command("ana", "/offer", "Happy to review resumes #resume")
    await slack.said("chat.postMessage", "review resumes")
    await slack.command("dana", "/ask", "could someone look over my CV?")
    suggestions = await slack.said("response_url", "These members could help")
    assert "U0ANA" in text_of(suggestions)

    await slack.press("dana", "Ask ana")
    opened = await slack.fake.wait_for(
        "conversations.open", lambda c: c.args.get("users") == "U0ANA"
    )
    request = await slack.said("chat.postMessage", "I think you could help")
    assert request.args["channel"] == opened.response["channel"]["id"]
    assert slack.fake.calls("conversations.open") == [opened], "nobody introduced yet"

    await slack.press("ana", "Happy to help")
    group = await slack.fake.wait_for(
        "conversations.open", lambda c: c.args.get("users") == "U0DANA,U0ANA"
    )
    intro = await slack.said("chat.postMessage", "meet")
    assert intro.args["channel"] == group.response["channel"]["id"]
    assert "could someone look over my CV?" in text_of(intro)
    assert "Happy to review resumes" in text_of(intro)
    chosen = await slack.said("chat.update", "You chose: Happy to help")
    assert chosen.args["channel"] == request.args["channel"]


async def test_a_members_direct_messages_open_their_conversation_once(
    slack: SlackCommunity,
) -> None:
    """Each opening is a round trip to Slack, and a method Slack limits tightly: the
    conversation is opened for the first message and found again for the next."""
    await slack.command("ana", "/offer", "Happy to review resumes #resume")
    await slack.said("chat.postMessage", "review resumes")
    for who in ("dana", "erin"):
        before = len(slack.fake.calls())
        await slack.command(who, "/ask", f"{who} here: could someone look over my CV?")
        await slack.said("response_url", "These members could help", after=before)
        asked = len(slack.fake.calls())
        await slack.press(who, "Ask ana", after=before)
        await slack.said("chat.postMessage", "I think you could help", after=asked)
    requests = [
        c for c in slack.fake.calls("chat.postMessage") if "I think you could" in text_of(c)
    ]
    assert len(requests) == 2 and requests[0].args["channel"] == requests[1].args["channel"]
    opened = [c for c in slack.fake.calls("conversations.open") if c.args["users"] == "U0ANA"]
    assert len(opened) == 1


async def test_scheduled_work_finds_the_conversations_commands_opened(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    """`givefirst slack` gives its Bolt app and its scheduled work one set of known
    conversations: a follow-up to a member a command already wrote to opens nothing."""
    known = Conversations()
    commands = SlackChat(slack_client, conversations=known)
    options = SlackOptions(
        signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, api_url=fake_slack.api_url
    )
    scheduled = chat_for_scheduled_work(options, conversations=known)

    await commands.send(render.say(DirectMessage(("U0ANA",)), "hello"), default_channel=None)
    await scheduled(Community(key="slack:T0", name="t", created_at=FakeClock().now())).send(
        render.say(DirectMessage(("U0ANA",)), "did it help?"), default_channel=None
    )

    assert len(fake_slack.calls("conversations.open")) == 1
    [channel] = {c.args["channel"] for c in fake_slack.calls("chat.postMessage")}
    assert len(fake_slack.messages_in(channel)) == 2


async def test_a_conversation_a_message_could_not_reach_is_opened_again(
    slack_client: AsyncWebClient, fake_slack: FakeSlack
) -> None:
    chat = SlackChat(slack_client, conversations=Conversations())
    hello = render.say(DirectMessage(("U0ANA",)), "hello")
    await chat.send(hello, default_channel=None)
    fake_slack.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryFailed):
        await chat.send(hello, default_channel=None)
    await chat.send(hello, default_channel=None)
    assert len(fake_slack.calls("conversations.open")) == 2, "once, then again after the failure"
    assert (
        len(
            fake_slack.messages_in(
                fake_slack.calls("conversations.open")[1].response["channel"]["id"]
            )
        )
        == 2
    )


async def test_reactions_volunteer_and_mark_solved(slack: SlackCommunity) -> None:
    await slack.command("dana", "/ask", "anyone know about buying a used car?")
    post = await slack.said("chat.postMessage", "buying a used car")
    await slack.said("response_url", "Your ask is shared")

    assert await slack.react("ben", post, "raising_hand::skin-tone-3") == 200
    await slack.said("chat.postMessage", "would like to help with your ask")
    await slack.press("dana", "Yes, introduce us")
    await slack.fake.wait_for("conversations.open", lambda c: c.args.get("users") == "U0DANA,U0BEN")
    await slack.said("chat.postMessage", "meet")

    await slack.react("dana", post, "white_check_mark")
    solved = await slack.said("chat.update", "solved")
    assert solved.args["ts"] == post.response["ts"]


async def test_a_declined_request_and_an_expired_one(slack: SlackCommunity) -> None:
    await slack.command("ana", "/offer", "resume reviews #resume")
    await slack.command("ben", "/offer", "I read resumes for a living #resume")
    await slack.said("chat.postMessage", "resume reviews")
    await slack.said("chat.postMessage", "for a living")
    await slack.command("dana", "/ask", "CV help please #resume")
    await slack.said("response_url", "These members could help")
    await slack.press("dana", "Ask ")
    first = await slack.said("chat.postMessage", "I think you could help")
    asked = (
        "ana"
        if first.args["channel"]
        == (
            await slack.fake.wait_for(
                "conversations.open", lambda c: c.args.get("users") == "U0ANA"
            )
        ).response["channel"]["id"]
        else "ben"
    )
    await slack.press(asked, "Not this time")
    await slack.said("chat.postMessage", "can't help this time")

    await slack.press("dana", "Ask ")
    other = "ben" if asked == "ana" else "ana"
    await slack.fake.wait_for("conversations.open", lambda c: c.args.get("users") == USERS[other])
    slack.clock.advance(timedelta(days=3, minutes=1))
    sent = await slack.bot.run_due_work(lambda community: SlackChat(create_app_client(slack.fake)))
    assert sent >= 1
    await slack.said("chat.postMessage", "didn't answer within 3 days")


def create_app_client(fake: FakeSlack) -> Any:
    from adapters.slack.server import web_client

    return web_client(fake.api_url, BOT_TOKEN)


async def test_follow_up_and_thanks(slack: SlackCommunity) -> None:
    await slack.command("ana", "/offer", "resume reviews #resume")
    # The ack comes before the offer is stored: wait for it, or the ask may find nobody.
    await slack.said("chat.postMessage", "resume reviews")
    await slack.command("dana", "/ask", "CV help please #resume")
    await slack.said("response_url", "These members could help")
    await slack.press("dana", "Ask ana")
    await slack.said("chat.postMessage", "I think you could help")
    await slack.press("ana", "Happy to help")
    await slack.said("chat.postMessage", "meet")

    slack.clock.advance(timedelta(days=7, minutes=1))
    await slack.bot.run_due_work(lambda community: SlackChat(create_app_client(slack.fake)))
    await slack.said("chat.postMessage", "Did you connect with")
    await slack.press("dana", "It helped")
    await slack.said("response_url", "Would you like to thank")
    await slack.press("dana", "Say thanks")
    thanks = await slack.said("chat.postMessage", "thanked")
    assert thanks.args["channel"] == CHANNEL

    await slack.command("dana", "/thanks", "<@U0BEN|ben> for the pep talk")
    public = await slack.said("chat.postMessage", "for the pep talk")
    assert {"type": "user", "user_id": "U0BEN"} in public.args["blocks"][0]["elements"][0][
        "elements"
    ]


async def test_names_and_time_zones_come_from_slack_profiles(slack: SlackCommunity) -> None:
    slack.fake.set_member(
        "U0ERIN", name="erin.ob", real_name="Erin Ó Briain", display_name="", tz="Europe/Madrid"
    )
    slack.fake.set_member("U0BEN", name="ben", tz="America/Los_Angeles")
    slack.fake.set_member("U0DANA", name="dana", tz="Europe/Berlin")
    await slack.command("ben", "/offer", "Happy to review resumes #resume")
    await slack.said("chat.postMessage", "review resumes")
    await slack.command("erin", "/offer", "I review CVs and resumes #resume")
    await slack.said("chat.postMessage", "I review CVs")

    await slack.command("dana", "/ask", "urgent: could someone look over my CV today?")
    suggestions = await slack.said("response_url", "These members could help")
    shown = text_of(suggestions)
    assert "awake when you are (Europe/Madrid)" in shown, "live asks favour nearby helpers"
    assert shown.index("U0ERIN") < shown.index("U0BEN"), "Erin, nearby, comes first"
    await slack.press("dana", "Ask Erin Ó Briain")  # the name Slack shows, not the handle
    await slack.said("chat.postMessage", "I think you could help")


async def test_a_member_is_answered_even_when_slack_profiles_cannot_be_read(
    slack: SlackCommunity,
) -> None:
    slack.fake.set_member("U0ERIN", name="erin.ob", real_name="Erin Ó Briain", display_name="")
    slack.fake.drop_calls("users.info", when=lambda args: args.get("user") == "U0ERIN")
    await slack.command("erin", "/offer", "I review CVs and resumes #resume")
    await slack.said("chat.postMessage", "I review CVs")
    await slack.said("response_url", "Thank you for giving first")
    lookups = [c for c in slack.fake.calls("users.info") if c.args["user"] == "U0ERIN"]
    assert len(lookups) >= 3, "asked, and retried twice"
    assert all(c.status == 0 for c in lookups), "Slack never answered"

    await slack.command("dana", "/ask", "could someone look over my CV?")
    await slack.said("response_url", "These members could help")
    await slack.press("dana", "Ask erin")  # known by the handle Slack sent with the command
    await slack.said("chat.postMessage", "I think you could help")


async def test_while_slack_is_slow_to_say_who_a_member_is_their_command_still_uses_it(
    slack: SlackCommunity,
) -> None:
    """A command's text is encoded and the community ranked while Slack is asked who
    the member is; what is saved still has Slack's name, time zone and admin rights."""
    slack.fake.slow("users.info", lambda _: 0.3)
    slack.fake.set_member(
        "U0ERIN", name="erin.ob", real_name="Erin Ó Briain", display_name="", tz="Europe/Madrid"
    )
    slack.fake.set_member("U0DANA", name="dana", tz="Europe/Berlin", is_owner=True)
    await slack.command("erin", "/offer", "I review CVs and resumes #resume")
    await slack.said("chat.postMessage", "I review CVs")
    await slack.command("dana", "/ask", "urgent: could someone look over my CV today?")
    shown = text_of(await slack.said("response_url", "These members could help"))
    assert "awake when you are (Europe/Madrid)" in shown, "Erin's time zone, from Slack"
    await slack.press("dana", "Ask Erin Ó Briain")  # the name Slack shows, not the handle
    await slack.said("chat.postMessage", "I think you could help")

    await slack.command("dana", "/givefirst", "config capacity 5")
    await slack.said("response_url", "Capacity: 5")
    slack.fake.set_member("U0BEN", name="ben", is_admin=False)
    await slack.command("ben", "/givefirst", "config capacity 9")
    await slack.said("response_url", "Only community admins")


async def test_a_saved_member_is_answered_before_slack_says_who_they_are(
    slack: SlackCommunity,
) -> None:
    """A member already saved (imported, or seen by another process) is answered without
    waiting for Slack's profile; what Slack then says of them is saved."""
    community_id = await _save_member(slack, "U0ERIN", "Erin (imported)")
    slack.fake.set_member(
        "U0ERIN", name="erin.ob", real_name="Erin Ó Briain", display_name="", tz="Europe/Madrid"
    )
    slack.fake.slow("users.info", lambda args: 2.0 if args.get("user") == "U0ERIN" else 0)
    await slack.command("erin", "/offer", "I review CVs and resumes #resume")
    await slack.said("response_url", "Thank you for giving first")
    assert slack.fake.awaiting_answer() == 1, "Erin was answered while Slack was still asked"

    await slack.fake.all_answered()
    assert await _saved_as(slack, community_id, "U0ERIN", "Erin Ó Briain") == "Europe/Madrid"
    slack.fake.set_member("U0DANA", name="dana", tz="Europe/Berlin")
    await slack.command("dana", "/ask", "urgent: could someone look over my CV today?")
    shown = text_of(await slack.said("response_url", "These members could help"))
    assert "awake when you are (Europe/Madrid)" in shown
    await slack.press("dana", "Ask Erin Ó Briain")
    await slack.said("chat.postMessage", "I think you could help")


async def test_a_member_erased_before_slack_says_who_they_are_stays_erased(
    slack: SlackCommunity,
) -> None:
    community_id = await _save_member(slack, "U0BEN", "Ben (imported)")
    slack.fake.set_member("U0BEN", name="ben", real_name="Ben Okafor", tz="Europe/Oslo")
    slack.fake.slow("users.info", lambda args: 1.0 if args.get("user") == "U0BEN" else 0)
    await slack.command("ben", "/givefirst", "forget-me confirm")
    await slack.said("response_url", "erased your data")
    await slack.fake.all_answered()
    await asyncio.sleep(0.3)  # time enough to save what Slack said, had it been saved
    async with slack.storage.unit_of_work() as uow:
        assert await uow.members.get_by_platform_id(community_id, "U0BEN") is None
        names = {m.display_name for m in await uow.members.list(community_id)}
    assert not names & {"Ben Okafor", "Ben (imported)", "ben"}, names


async def _saved_as(slack: SlackCommunity, community_id: int, user_id: str, name: str) -> str:
    """The member's time zone once they are saved under ``name`` (which may come a
    moment after Slack's answer, once the member is answered)."""
    for _ in range(100):
        async with slack.storage.unit_of_work() as uow:
            member = await uow.members.get_by_platform_id(community_id, user_id)
        if member is not None and member.display_name == name:
            return member.timezone or ""
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user_id} was never saved as {name!r}")


async def _save_member(slack: SlackCommunity, user_id: str, name: str) -> int:
    """A member saved but never seen by this process, as an import leaves them."""
    async with slack.storage.unit_of_work() as uow:
        community = await uow.communities.get_by_key(f"slack:{TEAM_ID}")
        assert community is not None and community.id is not None
        await uow.members.add(
            Member(
                community_id=community.id,
                platform_user_id=user_id,
                display_name=name,
                joined_at=slack.clock.now(),
                timezone="Europe/Berlin",
            )
        )
        await uow.commit()
    return community.id


async def test_a_burst_of_commands_asks_slack_about_the_member_once(
    slack: SlackCommunity,
) -> None:
    slack.fake.set_member("U0ERIN", name="erin.ob", real_name="Erin Ó Briain")
    await asyncio.gather(
        *(slack.command("erin", "/skills", f"add {skill}") for skill in ("python", "sql", "ux"))
    )
    for skill in ("python", "sql", "ux-design"):
        await slack.said("response_url", f"Added: {skill}")
    assert len([c for c in slack.fake.calls("users.info") if c.args["user"] == "U0ERIN"]) == 1


async def test_members_hear_back_while_slack_is_slow_to_answer_for_the_posts(
    slack: SlackCommunity,
) -> None:
    """A burst of offers while Slack takes seconds to answer for each channel post: every
    member's answer arrives at once, none waits for a post (theirs or anyone's)."""
    slack.fake.slow("chat.postMessage", lambda args: 2.0)
    tags = ("python", "sql", "figma", "kubernetes", "resume", "seo")
    offers = zip(("ana", "ben", "dana", "erin", "ana", "ben"), tags, strict=True)
    await asyncio.gather(
        *(slack.command(who, "/offer", f"happy to help with #{tag}") for who, tag in offers)
    )
    for tag in tags:
        await slack.said("response_url", f"#{tag}")
    posted = len(slack.fake.calls("chat.postMessage"))
    assert slack.fake.awaiting_answer() == posted, "Slack has answered for no post yet"
    for tag in tags:
        await slack.said("chat.postMessage", f"#{tag}")
    await slack.fake.all_answered()


async def test_reactions_to_other_peoples_messages_are_not_looked_into(
    slack: SlackCommunity,
) -> None:
    await slack.command("dana", "/ask", "help me move to Lisbon")
    post = await slack.said("chat.postMessage", "move to Lisbon")
    await slack.said("response_url", "Your ask is shared")
    looked_up = len(slack.fake.calls("users.info"))
    members_message = reaction_added(
        user="U0ERIN",
        reaction="raising_hand",
        channel=post.response["channel"],
        ts=post.response["ts"],
        item_user="U0ANA",  # Ana wrote it, not the bot
    )
    assert (await slack.requests.event(event_callback(members_message))).status == 200
    await slack.react("ben", post, "raising_hand")  # the bot's own post
    await slack.said("chat.postMessage", "would like to help")
    volunteers = [
        c for c in slack.fake.calls("chat.postMessage") if "would like to help" in text_of(c)
    ]
    assert len(volunteers) == 1
    assert len(slack.fake.calls("users.info")) == looked_up + 1, "Ben, for the bot's post"
    assert all(c.args["user"] != "U0ERIN" for c in slack.fake.calls("users.info"))


async def test_app_home_shows_the_members_own_items(slack: SlackCommunity) -> None:
    await slack.command("dana", "/ask", "private: quietly looking for a new job")
    await slack.said("response_url", "private ask is saved")
    await slack.requests.event(event_callback(app_home_opened(user="U0DANA")))
    home = await slack.fake.wait_for("views.publish")
    assert home.args["user_id"] == "U0DANA"
    assert home.args["view"]["type"] == "home"
    assert "quietly looking for a new job" in text_of(home)
    assert all("quietly looking" not in text_of(c) for c in slack.fake.calls("chat.postMessage"))


async def test_app_home_shows_every_item_of_a_busy_member(slack: SlackCommunity) -> None:
    for n in range(18):
        await slack.command("dana", "/offer", f"Offer number {n}: happy to help with topic {n}")
        await slack.said("chat.postMessage", f"Offer number {n}:")
    await slack.command("dana", "/ask", "Ask number 1: who knows about beekeeping?")
    await slack.said("chat.postMessage", "Ask number 1")
    await slack.requests.event(event_callback(app_home_opened(user="U0DANA")))
    home = await slack.fake.wait_for("views.publish")
    shown = text_of(home)
    assert all(f"Offer number {n}:" in shown for n in range(18))
    assert "Ask number 1:" in shown and "Close #19" in shown and "Pause for 2 weeks" in shown
    assert len(home.args["view"]["blocks"]) <= 100


async def test_app_home_is_shown_to_a_saved_member_before_slack_says_who_they_are(
    slack: SlackCommunity,
) -> None:
    community_id = await _save_member(slack, "U0ERIN", "Erin (imported)")
    slack.fake.set_member(
        "U0ERIN", name="erin.ob", real_name="Erin Ó Briain", display_name="", tz="Europe/Madrid"
    )
    slack.fake.slow("users.info", lambda args: 2.0 if args.get("user") == "U0ERIN" else 0)
    await slack.requests.event(event_callback(app_home_opened(user="U0ERIN")))
    home = await slack.fake.wait_for("views.publish")
    assert home.args["user_id"] == "U0ERIN"
    assert slack.fake.awaiting_answer() == 1, "shown while Slack was still asked"
    await slack.fake.all_answered()
    assert await _saved_as(slack, community_id, "U0ERIN", "Erin Ó Briain") == "Europe/Madrid"


async def test_a_slash_command_over_socket_mode_is_acknowledged_and_timed(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'socket.db'}")
    await storage.upgrade()
    app = create_app(
        GiveFirst(storage.unit_of_work, FakeClock()),
        SlackOptions(
            signing_secret=SIGNING_SECRET, bot_token=BOT_TOKEN, api_url=fake_slack.api_url
        ),
    )
    metrics = PrometheusMetrics()
    stop = asyncio.Event()
    served = asyncio.create_task(serve_socket_mode(app, APP_TOKEN, stop=stop, metrics=metrics))
    try:
        envelope = await fake_slack.socket_send_envelope(
            "slash_commands",
            slash_command(
                "/offer",
                "pairing on Python #python",
                response_url=fake_slack.response_url(),
                channel_id=CHANNEL,
            ),
        )
        await fake_slack.wait_for_ack(envelope)
        post = await fake_slack.wait_for("chat.postMessage")
        assert "pairing on Python" in text_of(post)
    finally:
        stop.set()
        await asyncio.wait_for(served, 5)
        await storage.dispose()
    acks = metrics.registry.get_sample_value("givefirst_ack_seconds_count", {"platform": "slack"})
    assert acks == 1, "an operator sees Socket Mode acknowledgements as HTTP ones"


def _socket_app(fake_slack: FakeSlack, tmp_path: Path, api_url: str | None = None) -> AsyncApp:
    storage = Storage.connect(f"sqlite:///{tmp_path / 'socket.db'}")
    return create_app(
        GiveFirst(storage.unit_of_work, FakeClock()),
        SlackOptions(
            signing_secret=SIGNING_SECRET,
            bot_token=BOT_TOKEN,
            api_url=api_url or fake_slack.api_url,
        ),
    )


async def test_socket_mode_stops_at_once_when_asked_while_it_connects(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    """A stop (SIGTERM) while Slack is slow to open the connection is not kept waiting
    for it."""
    fake_slack.slow("apps.connections.open", lambda _: 30)
    stop = asyncio.Event()
    served = asyncio.create_task(
        serve_socket_mode(_socket_app(fake_slack, tmp_path), APP_TOKEN, stop=stop)
    )
    await fake_slack.wait_for("apps.connections.open")
    stop.set()
    await asyncio.wait_for(served, 2)


async def test_socket_mode_with_an_app_token_slack_refuses_says_so(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.revoke(APP_TOKEN)
    with pytest.raises(AppTokenRefused, match="token_revoked"):
        await asyncio.wait_for(serve_socket_mode(_socket_app(fake_slack, tmp_path), APP_TOKEN), 10)


async def test_socket_mode_out_of_reach_of_slack_raises_instead_of_retrying_for_ever(
    fake_slack: FakeSlack, tmp_path: Path, unused_tcp_port: int
) -> None:
    app = _socket_app(fake_slack, tmp_path, api_url=f"http://127.0.0.1:{unused_tcp_port}/api/")
    with pytest.raises(aiohttp.ClientConnectorError):
        await asyncio.wait_for(serve_socket_mode(app, APP_TOKEN), 10)


@pytest.mark.parametrize(
    ("secret", "age_seconds"), [("not-the-secret", 0), (SIGNING_SECRET, 6 * 60)]
)
async def test_forged_or_stale_requests_get_401_and_change_nothing(
    slack: SlackCommunity, secret: str, age_seconds: int
) -> None:
    fields = slash_command("/offer", "sneaky offer", response_url=slack.fake.response_url())
    reply = await slack.requests.command(
        fields, secret=secret, timestamp=int(time.time()) - age_seconds
    )
    assert reply.status == 401
    await asyncio.sleep(0.2)
    assert all("sneaky" not in text_of(c) for c in slack.fake.calls())


async def test_a_retried_event_takes_effect_once(slack: SlackCommunity) -> None:
    await slack.command("dana", "/ask", "help me move to Lisbon")
    post = await slack.said("chat.postMessage", "move to Lisbon")
    await slack.said("response_url", "Your ask is shared")
    envelope = event_callback(
        reaction_added(
            user="U0BEN",
            reaction="raising_hand",
            channel=post.response["channel"],
            ts=post.response["ts"],
        ),
        event_id="Ev0RETRY",
    )
    body = json.dumps(envelope).encode()
    for attempt in range(3):
        headers = sign(body, SIGNING_SECRET) | {"Content-Type": "application/json"}
        if attempt:
            headers |= {"X-Slack-Retry-Num": str(attempt), "X-Slack-Retry-Reason": "http_timeout"}
        async with slack.requests.session.post(
            slack.requests.url, data=body, headers=headers
        ) as reply:
            assert reply.status == 200
    await slack.said("chat.postMessage", "would like to help")
    await asyncio.sleep(0.3)
    volunteers = [
        c for c in slack.fake.calls("chat.postMessage") if "would like to help" in text_of(c)
    ]
    assert len(volunteers) == 1


async def test_a_rate_limited_post_is_retried_and_delivered_once(slack: SlackCommunity) -> None:
    slack.fake.rate_limit_next("chat.postMessage", retry_after=1)
    await slack.command("ana", "/offer", "resume reviews #resume")
    await slack.fake.wait_for("chat.postMessage", lambda c: c.ok, timeout=8)
    attempts = [c for c in slack.fake.calls("chat.postMessage") if "resume reviews" in text_of(c)]
    assert [c.status for c in attempts] == [429, 200]


async def test_mass_mentions_and_fake_links_reach_slack_escaped(slack: SlackCommunity) -> None:
    await slack.command(
        "ana", "/offer", "help for <!channel> at <https://evil.example|google.com> &lt;b&gt;"
    )
    post = await slack.said("chat.postMessage", "evil.example")
    raw = text_of(post)
    assert "<!channel>" not in raw and "<https://" not in raw
    quote = next(
        b
        for b in post.args["blocks"]
        if b["type"] == "rich_text" and b["elements"][0]["type"] == "rich_text_quote"
    )
    assert quote["elements"][0]["elements"] == [
        {"type": "text", "text": "help for @channel at google.com (https://evil.example) <b>"}
    ]
    assert "&lt;" in post.args["text"] or "<" not in post.args["text"]
    note = await slack.said("response_url", "without pinging anyone")
    assert note.args.get("response_type") == "ephemeral"


async def test_commands_in_replies_are_shown_as_code_and_typed_values_cannot_break_out(
    slack: SlackCommunity,
) -> None:
    await slack.command("ben", "/givefirst", "help")
    help_reply = await slack.said("response_url", "give before you ask")
    first_line = help_reply.args["blocks"][1]["elements"][0]["elements"]
    assert first_line == [
        {"type": "text", "text": "/offer TEXT", "style": {"code": True}},
        {"type": "text", "text": " — share something you can help with; #tags become skills"},
    ]

    await slack.command("ana", "/givefirst", "config timezone Mars`<!everyone>")
    refused = await slack.said("response_url", "is not a time zone I know")
    assert refused.args["blocks"][0]["elements"][0]["elements"][0] == {
        "type": "text",
        "text": "Mars'@everyone",
        "style": {"code": True},
    }
    assert "<!everyone>" not in text_of(refused)


async def test_posting_where_the_bot_is_not_invited_explains_how_to_fix_it(
    slack: SlackCommunity,
) -> None:
    slack.fake.fail_next("chat.postMessage", "not_in_channel")
    await slack.command("ana", "/offer", "resume reviews #resume")
    await slack.said("response_url", "/invite @givefirst")


async def test_only_workspace_admins_change_settings(slack: SlackCommunity) -> None:
    slack.fake.set_member("U0BEN", name="ben", is_admin=False)
    await slack.command("ben", "/givefirst", "config capacity 5")
    await slack.said("response_url", "Only community admins")
    slack.fake.set_member("U0DANA", name="dana", is_owner=True)
    await slack.command("dana", "/givefirst", "config capacity 5")
    await slack.said("response_url", "Capacity: 5")
    assert {c.args.get("user") for c in slack.fake.calls("users.info")} >= {"U0BEN", "U0DANA"}


async def test_health_check_for_load_balancers(slack: SlackCommunity) -> None:
    async with slack.requests.session.get(f"{slack.url}/healthz") as reply:
        assert reply.status == 200
        assert await reply.json() == {"ok": True}


async def test_not_ready_for_members_until_the_helper_directories_are_read(
    bolt_app: AsyncApp,
) -> None:
    """A load balancer checking ``/readyz`` sends members to the workers that have read
    their communities: one just started would keep them waiting (seconds in a large
    community), though it is up (``/healthz``) and acknowledges at once."""
    read = asyncio.Event()
    runner = web.AppRunner(web_application(bolt_app, ready=read.is_set))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession(f"http://{host}:{port}") as session:
            async with session.get("/healthz") as reply:
                assert reply.status == 200
            async with session.get("/readyz") as reply:
                assert reply.status == 503
                assert await reply.json() == {
                    "ok": False,
                    "reason": "reading the helper directories",
                }
            read.set()
            async with session.get("/readyz") as reply:
                assert reply.status == 200
    finally:
        await runner.cleanup()


def test_the_manifest_declares_exactly_what_the_app_handles() -> None:
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == set(COMMANDS)
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == set(EVENTS)
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


async def test_the_weekly_digest_is_posted_in_the_channel(slack: SlackCommunity) -> None:
    await slack.command("ana", "/offer", "Happy to review resumes #resume")
    await slack.said("chat.postMessage", "review resumes")
    await slack.command("dana", "/ask", "anyone know about buying a used car?")
    await slack.said("chat.postMessage", "buying a used car")
    await slack.command("ben", "/ask", "private: quietly job hunting")
    await slack.said("response_url", "private ask is saved")

    slack.clock.advance(timedelta(days=7, minutes=1))
    await slack.bot.run_due_work(lambda community: SlackChat(create_app_client(slack.fake)))

    digest = await slack.said("chat.postMessage", "This week in give-first")
    assert digest.args["channel"] == CHANNEL
    assert digest.args["blocks"][0]["type"] == "header"
    shown = text_of(digest)
    assert "Happy to review resumes" in shown, "new offers"
    assert "buying a used car" in shown, "asks still looking for help"
    assert "quietly job hunting" not in shown, "private asks never appear"
    line = next(b for b in digest.args["blocks"] if "Happy to review resumes" in json.dumps(b))
    assert {"type": "text", "text": "@ana"} in line["elements"][0]["elements"], "named"
    assert '"type": "user"' not in shown, "...without a mention that would notify them"
    buttons = [e for b in digest.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Help with #1"]


async def test_forget_me_takes_the_digests_that_quoted_the_member_out_of_the_channel(
    slack: SlackCommunity,
) -> None:
    await slack.command("ana", "/offer", "Happy to review resumes #resume")
    await slack.said("chat.postMessage", "review resumes")
    slack.clock.advance(timedelta(days=7, minutes=1))
    await slack.bot.run_due_work(lambda community: SlackChat(create_app_client(slack.fake)))
    digest = await slack.said("chat.postMessage", "This week in give-first")

    await slack.command("ana", "/givefirst", "forget-me confirm")
    await slack.said("response_url", "erased your data")
    deleted = await slack.fake.wait_for(
        "chat.delete", lambda call: call.args.get("ts") == digest.response["ts"]
    )
    assert deleted.ok and deleted.args["channel"] == CHANNEL


async def test_a_take_down_slack_could_not_make_is_made_by_the_scheduler(
    slack: SlackCommunity,
) -> None:
    await slack.command("ana", "/offer", "Happy to review resumes #resume")
    post = await slack.said("chat.postMessage", "review resumes")
    slack.fake.fail_next("chat.delete", "internal_error")
    await slack.command("ana", "/givefirst", "forget-me confirm")
    await slack.said("response_url", "erased your data")
    refused = await slack.fake.wait_for("chat.delete")
    assert not refused.ok, "Slack had trouble of its own"

    def made(call: ApiCall) -> bool:
        return call.ok and call.args.get("ts") == post.response["ts"]

    for _ in range(20):  # the scheduler's ticks, until the take-down is kept for it
        slack.clock.advance(timedelta(minutes=2))
        await slack.bot.run_due_work(lambda community: SlackChat(create_app_client(slack.fake)))
        if any(made(call) for call in slack.fake.calls("chat.delete")):
            break
        await asyncio.sleep(0.05)
    deleted = await slack.fake.wait_for("chat.delete", made)
    assert deleted.args["channel"] == CHANNEL


async def test_an_answer_that_is_refused_leaves_the_question_as_it_was(
    slack: SlackCommunity,
) -> None:
    await slack.command("ana", "/offer", "resume reviews #resume")
    await slack.said("chat.postMessage", "resume reviews")
    await slack.command("dana", "/ask", "CV help please #resume")
    await slack.said("response_url", "These members could help")
    await slack.press("dana", "Ask ana")
    await slack.said("chat.postMessage", "I think you could help")

    slack.clock.advance(timedelta(days=3, minutes=1))  # too late, the scheduler not yet run
    await slack.press("ana", "Happy to help")
    await slack.said("response_url", "This request has expired")
    assert not [c for c in slack.fake.calls("chat.update") if "You chose" in json.dumps(c.args)], (
        "a refused answer does not settle the question"
    )


async def test_apps_are_neither_thanked_nor_taken_for_members_who_react(
    slack: SlackCommunity,
) -> None:
    await slack.command("dana", "/thanks", f"<@{BOT_USER_ID}|givefirst> you rock")
    await slack.said("response_url", "That is an app, not a member")
    slack.fake.set_member("U0POLLY", name="polly", is_bot=True)
    await slack.command("dana", "/ask", "anyone know about buying a used car?")
    post = await slack.said("chat.postMessage", "buying a used car")
    event = reaction_added(
        user="U0POLLY",
        reaction="raising_hand",
        channel=post.response["channel"],
        ts=post.response["ts"],
    )
    assert (await slack.requests.event(event_callback(event))).status == 200
    await slack.react("ben", post, "raising_hand")
    await slack.said("chat.postMessage", "would like to help with your ask")
    await asyncio.sleep(0.2)
    every = [text_of(c) for c in slack.fake.calls("chat.postMessage")]
    assert sum("would like to help" in t for t in every) == 1
    assert not any("thanked" in t for t in every)


async def test_a_member_thanked_before_using_givefirst_is_saved_by_their_slack_name(
    slack: SlackCommunity,
) -> None:
    """Else the digest names them by their user ID ("@U0ERIN")."""
    slack.fake.set_member("U0ERIN", name="erin", display_name="Erin Baker", tz="Asia/Tokyo")
    await slack.command("dana", "/thanks", "<@U0ERIN|erin> for fixing my bike")
    await slack.said("chat.postMessage", "fixing my bike")
    async with slack.storage.unit_of_work() as uow:
        community = await uow.communities.get_by_key(f"slack:{TEAM_ID}")
        assert community is not None and community.id is not None
    assert await _saved_as(slack, community.id, "U0ERIN", "Erin Baker") == "Asia/Tokyo"
