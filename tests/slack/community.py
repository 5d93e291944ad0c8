"""A Slack workspace with givefirst installed, for end-to-end stories: the real Bolt
app behind a real HTTP server, real SQLite, and the fake Slack Web API."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.app import GiveFirst
from bot.clock import FakeClock
from givefirst.testing.fake_slack import (
    ApiCall,
    FakeSlack,
    SlackRequests,
    block_actions,
    event_callback,
    reaction_added,
    slash_command,
)
from storage import Storage

CHANNEL = "C0OFFERS"
USERS = {"ana": "U0ANA", "ben": "U0BEN", "dana": "U0DANA", "erin": "U0ERIN"}


@dataclass
class SlackCommunity:
    fake: FakeSlack
    requests: SlackRequests
    bot: GiveFirst
    clock: FakeClock
    url: str
    storage: Storage

    async def command(self, who: str, command: str, text: str) -> int:
        fields = slash_command(
            command,
            text,
            response_url=self.fake.response_url(),
            user_id=USERS[who],
            user_name=who,
            channel_id=CHANNEL,
        )
        reply = await self.requests.command(fields)
        return reply.status

    async def press(self, who: str, label: str, *, after: int = 0) -> ApiCall:
        """Press the newest button labelled ``label`` in a message ``who`` received."""
        for call in reversed(self.fake.calls()[after:]):
            for block in call.args.get("blocks") or []:
                if isinstance(block, str):
                    continue
                for element in block.get("elements", []):
                    if element.get("type") == "button" and element["text"]["text"].startswith(
                        label
                    ):
                        return await self._click(who, call, block, element)
        raise AssertionError(f"no button {label!r} was sent")

    async def _click(
        self, who: str, call: ApiCall, block: dict[str, Any], element: dict[str, Any]
    ) -> ApiCall:
        channel = call.response.get("channel") or call.args.get("channel") or CHANNEL
        ts = call.response.get("ts") or "0"
        payload = block_actions(
            action_id=element["action_id"],
            value=element["value"],
            block_id=block["block_id"],
            user_id=USERS[who],
            channel_id=channel,
            message_ts=ts,
            response_url=self.fake.response_url(),
            user_name=who,
        )
        payload["actions"][0]["text"] = element["text"]
        stored = self.fake.message(channel, ts)
        if stored is not None:
            payload["message"] = {**payload["message"], **stored}
        reply = await self.requests.action(payload)
        assert reply.status == 200
        return call

    async def react(
        self, who: str, post: ApiCall, reaction: str, event_id: str | None = None
    ) -> int:
        event = reaction_added(
            user=USERS[who],
            reaction=reaction,
            channel=post.response["channel"],
            ts=post.response["ts"],
        )
        reply = await self.requests.event(event_callback(event, event_id=event_id))
        return reply.status

    async def said(self, method: str, contains: str, *, after: int = 0) -> ApiCall:
        """The first call to ``method`` containing ``contains``, among the calls made
        after the first ``after`` (waiting for it to arrive)."""
        earlier = {id(call) for call in self.fake.calls()[:after]}
        return await self.fake.wait_for(
            method,
            lambda c: id(c) not in earlier and contains in json.dumps(c.args, ensure_ascii=False),
        )


def text_of(call: ApiCall) -> str:
    return json.dumps(call.args, ensure_ascii=False)
