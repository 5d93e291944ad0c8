"""Delivering neutral messages through Slack's Web API."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import render
from bot.messages import ChannelPost, DirectMessage, Ephemeral, Message
from bot.ports import DeliveryFailed, DeliveryProblem, PostRef

log = logging.getLogger(__name__)

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
}


def _failure(error: SlackApiError) -> DeliveryFailed:
    code = str(error.response.get("error", ""))
    retry_after = error.response.headers.get("Retry-After") if error.response.headers else None
    return DeliveryFailed(
        _PROBLEMS.get(code, DeliveryProblem.OTHER),
        code,
        retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
    )


class SlackChat:
    """One event's way back to Slack: ephemeral replies go to the member who acted."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        user_id: str | None = None,
        channel_id: str | None = None,
        response_url: str | None = None,
    ) -> None:
        self._client = client
        self._user_id = user_id
        self._channel_id = channel_id
        # Replies to the member who acted go to the event's response URL, over the Web
        # API client's connections when it has a session (Bolt's `respond` opens new ones).
        self._respond = (
            AsyncWebhookClient(response_url, session=client.session) if response_url else None
        )

    async def send(self, message: Message, *, default_channel: str | None) -> PostRef | None:
        try:
            match message.to:
                case Ephemeral(user):
                    await self._ephemeral(user, message)
                    return None
                case DirectMessage(users):
                    channel = await self.open_conversation(users)
                    await self._post(channel, message)
                    return None
                case ChannelPost(channel):
                    target = channel or default_channel
                    if target is None:
                        raise DeliveryFailed(DeliveryProblem.CHANNEL_NOT_FOUND, "no channel set")
                    return await self._post(target, message)
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
        response = await self._client.conversations_open(users=",".join(users))
        channel: dict[str, Any] = response["channel"]
        return str(channel["id"])

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

    async def _post(self, channel: str, message: Message) -> PostRef:
        text = render.fallback_text(message)
        first: PostRef | None = None
        for chunk in render.blocks(message):
            response = await self._client.chat_postMessage(
                channel=channel, text=text, blocks=chunk, unfurl_links=False, unfurl_media=False
            )
            first = first or PostRef(str(response["channel"]), str(response["ts"]))
        assert first is not None
        return first
