"""Delivering neutral messages through Slack's Web API.

Scheduled messages carry their outbox key as message metadata (event type
``givefirst_outbox``). When one is sent again after an interrupted attempt, the
conversation's recent history is read first (``conversations.history`` with
``include_all_metadata``), and the parts already there are not posted again. That
needs the history scope of the conversation's kind (``channels:history``,
``groups:history``, ``im:history``, ``mpim:history``); without it, Slack answers
``missing_scope``, and the message is sent again and the resend logged.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from bot.messages import ChannelPost, DirectMessage, Ephemeral, Message
from bot.ports import DeliveryFailed, DeliveryProblem, PostRef, SendOnce

log = logging.getLogger(__name__)

OUTBOX_EVENT = "givefirst_outbox"
"""The metadata event type of scheduled messages; the payload holds the outbox key."""
HISTORY_PAGES = 5
HISTORY_PAGE_SIZE = 200
CLOCK_SKEW = timedelta(minutes=1)
"""How much earlier than its decision a message is looked for, in case clocks differ."""
_HISTORY_UNREADABLE = frozenset({"missing_scope", "not_in_channel", "not_allowed_token_type"})

_PROBLEMS = {
    "not_in_channel": DeliveryProblem.NOT_IN_CHANNEL,
    "is_archived": DeliveryProblem.NOT_IN_CHANNEL,
    "channel_not_found": DeliveryProblem.CHANNEL_NOT_FOUND,
    "missing_scope": DeliveryProblem.MISSING_PERMISSION,
    "restricted_action": DeliveryProblem.MISSING_PERMISSION,
    "cannot_dm_bot": DeliveryProblem.DM_CLOSED,
    "user_not_found": DeliveryProblem.DM_CLOSED,
    "user_disabled": DeliveryProblem.DM_CLOSED,
    "ratelimited": DeliveryProblem.RATE_LIMITED,
    # Slack's own trouble, which passes: worth trying again later.
    "internal_error": DeliveryProblem.UNAVAILABLE,
    "fatal_error": DeliveryProblem.UNAVAILABLE,
    "service_unavailable": DeliveryProblem.UNAVAILABLE,
    "request_timeout": DeliveryProblem.UNAVAILABLE,
}


def _failure(error: SlackApiError) -> DeliveryFailed:
    code = str(error.response.get("error", ""))
    retry_after = error.response.headers.get("Retry-After") if error.response.headers else None
    status = getattr(error.response, "status_code", 200)
    problem = DeliveryProblem.UNAVAILABLE if status >= 500 else None
    return DeliveryFailed(
        problem or _PROBLEMS.get(code, DeliveryProblem.OTHER),
        code or f"HTTP {status}",
        retry_after=float(retry_after) if retry_after and retry_after.isdecimal() else None,
    )


class Conversations:
    """The conversations the bot opened, by token and members: a direct message's
    conversation keeps its id, so each is opened once (``conversations.open`` is one of
    Slack's more tightly rate-limited methods, and each call is a round trip), for the
    ``size`` most recently used."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._ids: OrderedDict[tuple[str | None, tuple[str, ...]], str] = OrderedDict()

    async def open(self, client: AsyncWebClient, users: tuple[str, ...]) -> str:
        key = (client.token, users)
        known = self._ids.get(key)
        if known is not None:
            self._ids.move_to_end(key)
            return known
        response = await client.conversations_open(users=",".join(users))
        channel: dict[str, Any] = response["channel"]
        self._ids[key] = opened = str(channel["id"])
        while len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return opened

    def forget(self, client: AsyncWebClient, users: tuple[str, ...]) -> None:
        """Open it again next time (a post to it failed)."""
        self._ids.pop((client.token, users), None)


class SlackChat:
    """One event's way back to Slack: ephemeral replies go to the member who acted."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        user_id: str | None = None,
        channel_id: str | None = None,
        response_url: str | None = None,
        conversations: Conversations | None = None,
    ) -> None:
        """``conversations`` are shared by the chats of a process (else each has its own)."""
        self._client = client
        self._conversations = conversations or Conversations()
        self._user_id = user_id
        self._channel_id = channel_id
        # Replies to the member who acted go to the event's response URL, over the Web
        # API client's connections when it has a session (Bolt's `respond` opens new ones).
        self._respond = (
            AsyncWebhookClient(response_url, session=client.session) if response_url else None
        )
        self._unreadable: set[str] = set()
        """Kinds of conversation (by id prefix) whose history this token cannot read."""

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        try:
            match message.to:
                case Ephemeral(user):
                    await self._ephemeral(user, message)
                    return None
                case DirectMessage(users):
                    channel = await self.open_conversation(users)
                    try:
                        await self._post(channel, message, once)
                    except SlackApiError:
                        self._conversations.forget(self._client, users)
                        raise
                    return None
                case ChannelPost(channel):
                    target = channel or default_channel
                    if target is None:
                        raise DeliveryFailed(DeliveryProblem.CHANNEL_NOT_FOUND, "no channel set")
                    return await self._post(target, message, once)
        except SlackApiError as error:
            raise _failure(error) from error
        return None

    async def update(self, ref: PostRef, message: Message) -> None:
        [first, *_] = render.blocks(message)
        try:
            await self._client.chat_update(
                channel=ref.channel_id,
                ts=ref.message_id,
                blocks=first,
                text=render.fallback_text(message),
            )
        except SlackApiError as error:
            raise _failure(error) from error

    async def delete(self, ref: PostRef) -> None:
        try:
            await self._client.chat_delete(channel=ref.channel_id, ts=ref.message_id)
        except SlackApiError as error:
            if error.response.get("error") != "message_not_found":
                raise _failure(error) from error

    async def open_conversation(self, users: tuple[str, ...]) -> str:
        """A DM with one member, or one conversation with several (and the bot)."""
        return await self._conversations.open(self._client, users)

    async def _ephemeral(self, user: str, message: Message) -> None:
        text = render.fallback_text(message)
        for chunk in render.blocks(message):
            if self._respond is not None and user == self._user_id:
                await self._respond.send(
                    text=text, blocks=chunk, response_type="ephemeral", replace_original=False
                )
            elif self._channel_id is not None:
                await self._client.chat_postEphemeral(
                    channel=self._channel_id, user=user, text=text, blocks=chunk
                )
            else:
                channel = await self.open_conversation((user,))
                await self._client.chat_postMessage(channel=channel, text=text, blocks=chunk)

    async def _post(self, channel: str, message: Message, once: SendOnce | None = None) -> PostRef:
        """Post the message (in as many parts as Slack's block limit needs), each part
        marked with ``once``'s key; on a retry, the parts already there are kept."""
        text = render.fallback_text(message)
        already = await self._already_posted(channel, once) if once and once.retry else {}
        first: PostRef | None = None
        for part, chunk in enumerate(render.blocks(message)):
            ref = already.get(part)
            if ref is None:
                extra: dict[str, Any] = {}
                if once is not None:
                    extra["metadata"] = {
                        "event_type": OUTBOX_EVENT,
                        "event_payload": {"key": once.key, "part": part},
                    }
                response = await self._client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=chunk,
                    unfurl_links=False,
                    unfurl_media=False,
                    **extra,
                )
                ref = PostRef(str(response["channel"]), str(response["ts"]))
            first = first or ref
        assert first is not None
        return first

    async def _already_posted(self, channel: str, once: SendOnce) -> dict[int, PostRef]:
        """The parts of a scheduled message an interrupted attempt posted, found by their
        metadata in the conversation's history since the message was decided on; none
        when the history cannot be read (the message is then sent again, and logged)."""
        kind = channel[:1]
        if kind in self._unreadable:
            log.warning("sending %s again without checking: history unreadable", once.key)
            return {}
        oldest = f"{(once.since - CLOCK_SKEW).timestamp():.6f}"
        found: dict[int, PostRef] = {}
        cursor: str | None = None
        try:
            for _ in range(HISTORY_PAGES):
                page = await self._client.conversations_history(
                    channel=channel,
                    include_all_metadata=True,
                    oldest=oldest,
                    limit=HISTORY_PAGE_SIZE,
                    cursor=cursor,
                )
                for posted in page.get("messages") or []:
                    metadata = posted.get("metadata") or {}
                    payload = metadata.get("event_payload") or {}
                    ours = metadata.get("event_type") == OUTBOX_EVENT
                    if ours and payload.get("key") == once.key:
                        found[int(payload.get("part") or 0)] = PostRef(channel, str(posted["ts"]))
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not page.get("has_more") or cursor is None:
                    break
        except SlackApiError as error:
            reason = str(error.response.get("error", ""))
            if reason not in _HISTORY_UNREADABLE:
                raise
            self._unreadable.add(kind)
            log.warning(
                "sending %s again without checking: cannot read the history of %s (%s%s)",
                once.key,
                channel,
                reason,
                f", needs {error.response.get('needed')}" if error.response.get("needed") else "",
            )
            return {}
        if found:
            log.info("%s had arrived before its sender stopped: not posted again", once.key)
        return found
