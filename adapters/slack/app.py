"""givefirst as a Slack app on slack-bolt: slash commands, buttons, reactions, App Home.

Every listener acknowledges (Slack allows three seconds) and starts the real work
as a task of its own, which hands a neutral command to the core with a
:class:`SlackChat` for the replies, then returns. Built on an app made with
``process_before_response=True``, Bolt answers Slack as soon as the listener
returns, instead of polling for the ack every 10 ms while the work runs. (Bolt's
lazy listeners do the same, but deep-copy each request for the task, the Web API
client's connection pool included.)

The work after the acks runs a few events at a time: a burst of commands queues
for a slot instead of crowding the event loop that has to send the next acks, and
instead of asking the database for more connections than its pool holds. It is
kept in an :class:`~adapters.inflight.InFlight`, so a process asked to stop lets it
finish.

Slash commands and reactions carry Slack's id of the invocation (``trigger_id``,
``event_id``); the core records it with the command's own transaction, so one
delivered twice — a retry, or a captured request replayed — takes effect once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext as BoltContext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.inflight import InFlight
from adapters.slack import render
from adapters.slack.chat import Conversations, SlackChat
from adapters.slack.inbound import to_core_text
from bot.actions import reaction_of
from bot.app import GiveFirst
from bot.commands import SLASH_COMMANDS, Actor
from bot.messages import MENTIONED, Ephemeral, Text, plain
from bot.render import say

log = logging.getLogger(__name__)

COMMANDS = tuple(f"/{name}" for name in SLASH_COMMANDS)
EVENTS = ("reaction_added", "app_home_opened", "app_uninstalled", "tokens_revoked")
PROFILE_CACHE_SECONDS = 600
"""How long what ``users.info`` said about a member is trusted."""
UNKNOWN_PROFILE_SECONDS = 60
"""How long to wait before asking again after ``users.info`` failed."""
PROFILE_CACHE_SIZE = 10_000
"""Members whose profiles are kept; the least recently seen are dropped first."""
AFTER_ACK = "givefirst: after ack"
"""The name of the tasks doing an event's work after its acknowledgement."""
BOTS_ARE_NOT_THANKED = (
    "🤖 That is an app, not a member: thank the member who helped you, e.g. "
    "`/thanks @ana for the CV review`."
)


def community_key(team_id: str | None, enterprise_id: str | None = None) -> str:
    return f"slack:{team_id or enterprise_id or 'unknown'}"


@dataclass(frozen=True)
class Profile:
    """What givefirst takes from a member's Slack profile."""

    name: str | None = None
    timezone: str | None = None
    is_admin: bool = False
    is_bot: bool = False


class ProfileDirectory:
    """Members' names, time zones and admin rights, asked of ``users.info`` and cached
    per workspace: one call per member every ten minutes at most in this process, one
    at a time (callers asking at once share the answer), for up to ``size`` members.

    When Slack cannot be asked (an API error, or the network after the client's
    retries), the profile is empty for a minute: the member is handled as a plain
    member known by their handle rather than not at all."""

    def __init__(self, *, ttl: float = PROFILE_CACHE_SECONDS, size: int = PROFILE_CACHE_SIZE):
        self._ttl = ttl
        self._size = size
        self._cache: OrderedDict[tuple[str | None, str], tuple[float, Profile]] = OrderedDict()
        self._asking: dict[tuple[str | None, str], asyncio.Task[Profile]] = {}

    def known(self, team: str | None, user_id: str) -> Profile | None:
        """The member's profile if Slack gave it less than ten minutes ago."""
        cached = self._cache.get((team, user_id))
        if cached is None or cached[0] <= time.monotonic():
            return None
        self._cache.move_to_end((team, user_id))
        return cached[1]

    async def profile(self, client: AsyncWebClient, team: str | None, user_id: str) -> Profile:
        key = (team, user_id)
        known = self.known(team, user_id)
        if known is not None:
            return known
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.create_task(self._ask(client, key))
            self._asking[key] = asking
            asking.add_done_callback(lambda _: self._asking.pop(key, None))
        # Shielded: a caller that gives up does not cancel the others' answer.
        return await asyncio.shield(asking)

    async def _ask(self, client: AsyncWebClient, key: tuple[str | None, str]) -> Profile:
        try:
            response = await client.users_info(user=key[1])
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("users.info failed for %s: %s", key[1], _reason(error))
            self._remember(key, Profile(), UNKNOWN_PROFILE_SECONDS)
            return Profile()
        user: dict[str, Any] = response.get("user") or {}
        details: dict[str, Any] = user.get("profile") or {}
        profile = Profile(
            # The name Slack shows: the display name if set, else the full name.
            name=details.get("display_name") or details.get("real_name") or user.get("real_name"),
            timezone=user.get("tz") or None,
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
        )
        self._remember(key, profile, self._ttl)
        return profile

    def _remember(self, key: tuple[str | None, str], profile: Profile, seconds: float) -> None:
        self._cache[key] = (time.monotonic() + seconds, profile)
        self._cache.move_to_end(key)
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)


def _reason(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return f"{type(error).__name__}: {error}"


def build_app(
    bot: GiveFirst,
    app: AsyncApp,
    *,
    in_flight: InFlight | None = None,
    conversations: Conversations | None = None,
) -> AsyncApp:
    """Register givefirst's listeners on a Bolt app configured by the caller.

    Make the app with ``process_before_response=True`` so acknowledgements go out
    at once (see the module's docstring); the listeners work either way. What each
    event starts after its ack is kept in ``in_flight`` (the bot runs a few at once:
    see :data:`bot.app.CONCURRENT_EVENTS`). ``conversations`` are the direct messages'
    conversations known so far, shared with the process's scheduled work if given.
    """
    profiles = ProfileDirectory()
    conversations = conversations if conversations is not None else Conversations()
    working = in_flight if in_flight is not None else InFlight()

    def after_ack(work: Coroutine[Any, Any, None]) -> None:
        working.start(work, name=AFTER_ACK)

    def actor_for(
        client: AsyncWebClient,
        *,
        team: str | None,
        user: str,
        name: str,
        channel: str | None,
    ) -> Actor:
        """The member behind an event, at once. Unless Slack described them in the
        last ten minutes, their profile is asked of Slack meanwhile (``users.info``),
        and the bot waits for it only where it must (see :attr:`Actor.later`)."""
        seen = Actor(
            community_key=community_key(team),
            user_id=user,
            display_name="",
            fallback_name=name,
            channel_id=channel,
        )
        known = profiles.known(team, user)
        if known is not None:
            return _described(seen, known)
        asking = asyncio.ensure_future(profiles.profile(client, team, user))
        # Retrieved here if nothing else waits for it (a command that was refused).
        asking.add_done_callback(lambda done: done.cancelled() or done.exception())

        async def with_profile() -> Actor:
            return _described(seen, await asyncio.shield(asking))

        return replace(seen, later=with_profile)

    async def handle_command(body: dict[str, Any], client: AsyncWebClient) -> None:
        text = to_core_text(body.get("text") or "")
        actor = actor_for(
            client,
            team=body.get("team_id"),
            user=body["user_id"],
            name=body.get("user_name") or body["user_id"],
            channel=body.get("channel_id"),
        )
        chat = SlackChat(
            client,
            user_id=actor.user_id,
            channel_id=actor.channel_id,
            response_url=body.get("response_url"),
            conversations=conversations,
        )
        team = body.get("team_id")
        thanked = MENTIONED.match(text.strip()) if body["command"] == "/thanks" else None
        if thanked is not None and (await profiles.profile(client, team, thanked[1])).is_bot:
            await chat.send(
                say(Ephemeral(actor.user_id), BOTS_ARE_NOT_THANKED), default_channel=None
            )
            return
        trigger = body.get("trigger_id")
        await bot.slash_command(
            actor,
            body["command"],
            text,
            chat,
            event_key=f"slack:trigger:{trigger}" if trigger else None,
        )
        if thanked is not None:
            # The member thanked may be new here: saved under the name Slack shows, as
            # the digest names them, rather than their user ID.
            profile = await profiles.profile(client, team, thanked[1])
            receiver = _described(Actor(community_key(team), thanked[1], ""), profile)

            async def described() -> Actor:
                return receiver

            await bot.take_profile(replace(receiver, later=described))

    async def handle_button(body: dict[str, Any], client: AsyncWebClient) -> None:
        pressed = body["actions"][0]
        action = render.parse_action_id(pressed.get("action_id", ""))
        if action is None:
            return
        user = body["user"]
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        actor = actor_for(
            client,
            team=(body.get("team") or {}).get("id") or user.get("team_id"),
            user=user["id"],
            name=user.get("username") or user.get("name") or user["id"],
            channel=channel,
        )
        from_home = container.get("type") == "view"
        chat = SlackChat(
            client,
            user_id=actor.user_id,
            channel_id=None if from_home else channel,
            response_url=None if from_home else body.get("response_url"),
            conversations=conversations,
        )
        value = "" if pressed.get("value") == "-" else pressed.get("value", "")
        handled = await bot.button(
            actor,
            action,
            value,
            chat,
            label=(pressed.get("text") or {}).get("text", ""),
            in_direct_message=(channel or "").startswith("D"),
        )
        if handled.chosen is not None:
            await _mark_chosen(client, body, pressed, handled.chosen)
        if from_home:
            await _publish_home(bot, client, actor)

    async def handle_reaction(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        item = event["item"]
        if (await profiles.profile(client, body.get("team_id"), event["user"])).is_bot:
            return  # another app's reaction is not a member volunteering or thanking
        actor = event_actor(body, event, client, channel=item.get("channel"))
        chat = SlackChat(
            client,
            user_id=actor.user_id,
            channel_id=item.get("channel"),
            conversations=conversations,
        )
        reaction = str(event.get("reaction", ""))
        event_id = body.get("event_id")
        await bot.reaction(
            actor,
            item["channel"],
            item["ts"],
            reaction,
            chat,
            event_key=f"slack:{event_id}" if event_id else None,
        )

    async def handle_home(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        if event.get("tab", "home") != "home":
            return
        if not await bot.first_time(f"slack:{body.get('event_id')}"):
            return
        await _publish_home(bot, client, event_actor(body, event, client, channel=None))

    def event_actor(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, *, channel: str | None
    ) -> Actor:
        """The member behind an Events API event."""
        team = body.get("team_id")
        return actor_for(client, team=team, user=event["user"], name="", channel=channel)

    @app.command(re.compile(rf"^/({'|'.join(SLASH_COMMANDS)})$"))
    async def on_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        after_ack(handle_command(body, client))

    @app.action(re.compile(rf"^{render.ACTION_PREFIX}:"))
    async def on_button(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        after_ack(handle_button(body, client))

    # Bolt acknowledges events itself once their listener returns.
    @app.event(EVENTS[0])
    async def on_reaction(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, context: BoltContext
    ) -> None:
        # Slack sends reactions to every message (and file) in the bot's channels; only
        # those on the bot's own posts mean anything, and they are told by the author.
        author, bot_user = event.get("item_user"), context.bot_user_id
        on_message = (event.get("item") or {}).get("type") == "message"
        meaningful = reaction_of(str(event.get("reaction", ""))) is not None
        if meaningful and on_message and (author is None or bot_user is None or author == bot_user):
            after_ack(handle_reaction(body, event, client))

    @app.event(EVENTS[1])
    async def on_home(body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient) -> None:
        after_ack(handle_home(body, event, client))

    if app.installation_store is not None:
        # Installed through OAuth: Bolt's own listeners delete the installation of a
        # workspace that uninstalls givefirst or revokes its token, so nothing more is
        # done or posted there until it installs again.
        app.enable_token_revocation_listeners()
    else:

        @app.event(EVENTS[2])
        @app.event(EVENTS[3])
        async def on_uninstalled(body: dict[str, Any]) -> None:
            log.error(
                "givefirst was uninstalled from Slack workspace %s, or its token revoked: "
                "SLACK_BOT_TOKEN no longer works there",
                body.get("team_id"),
            )

    return app


def _described(actor: Actor, profile: Profile) -> Actor:
    return replace(
        actor,
        display_name=profile.name or "",
        is_platform_admin=profile.is_admin,
        timezone=profile.timezone,
    )


async def _publish_home(bot: GiveFirst, client: AsyncWebClient, actor: Actor) -> None:
    overview = await bot.overview(actor)
    [blocks, *_] = render.blocks(overview, most=render.MAX_HOME_BLOCKS)
    await client.views_publish(user_id=actor.user_id, view={"type": "home", "blocks": blocks})
    await bot.take_profile(actor)  # what Slack says of the member, once the page is shown


async def _mark_chosen(
    client: AsyncWebClient, body: dict[str, Any], pressed: dict[str, Any], chosen: Text
) -> None:
    """Replace the buttons of an answered question with what the member chose."""
    message = body.get("message")
    channel = (body.get("channel") or {}).get("id", "")
    if not message or not channel:
        return
    blocks = [
        {"type": "context", "elements": [{"type": "plain_text", "text": plain(chosen)}]}
        if b.get("block_id") == pressed.get("block_id")
        else b
        for b in message.get("blocks", [])
    ]
    try:
        await client.chat_update(
            channel=channel, ts=message["ts"], blocks=blocks, text=message.get("text", "")
        )
    except SlackApiError as error:
        log.info("could not mark the answered buttons: %s", error.response.get("error"))
