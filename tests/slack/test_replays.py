"""Requests that are not what Slack sends: malformed signature headers are refused
like forged ones, and a slash command replayed with its trigger_id takes effect once."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest

from givefirst.testing.fake_slack import FORM, SIGNING_SECRET, sign, slash_command
from tests.slack.community import CHANNEL, SlackCommunity, text_of


async def stored_offers(slack: SlackCommunity) -> list[str]:
    async with slack.storage.unit_of_work() as uow:
        community = await uow.communities.get_by_key("slack:T0GIVE1ST")
        assert community is not None and community.id is not None
        return [offer.text for offer in await uow.offers.open_in(community.id)]


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("not-a-number", None),
        ("1.7e9", None),
        (" 1700000000", None),
        ("99999999999999999999999", None),
        (None, "v0=nothex"),
        (None, ""),
        (None, "sha256=" + "0" * 64),
    ],
)
async def test_malformed_signature_headers_get_401_and_change_nothing(
    slack: SlackCommunity, timestamp: str | None, signature: str | None
) -> None:
    fields = slash_command("/offer", "sneaky offer", response_url=slack.fake.response_url())
    body = urlencode(fields).encode()
    headers = sign(body, SIGNING_SECRET) | {"Content-Type": FORM}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    async with slack.requests.session.post(slack.requests.url, data=body, headers=headers) as reply:
        assert reply.status == 401
        assert "Traceback" not in await reply.text()
    await asyncio.sleep(0.2)
    assert all("sneaky" not in text_of(c) for c in slack.fake.calls())
    assert await stored_offers(slack) == []


async def test_a_replayed_slash_command_is_acknowledged_and_stored_once(
    slack: SlackCommunity,
) -> None:
    fields = slash_command(
        "/offer",
        "bike repairs on Saturdays",
        response_url=slack.fake.response_url(),
        channel_id=CHANNEL,
    )
    body = urlencode(fields).encode()
    headers = sign(body, SIGNING_SECRET) | {"Content-Type": FORM}
    for _ in range(2):  # byte for byte, within the signature's five minutes
        async with slack.requests.session.post(
            slack.requests.url, data=body, headers=headers
        ) as reply:
            assert reply.status == 200, "acknowledged, so Slack does not retry"
    await slack.said("chat.postMessage", "bike repairs")
    await asyncio.sleep(0.3)
    assert await stored_offers(slack) == ["bike repairs on Saturdays"]
    posts = [c for c in slack.fake.calls("chat.postMessage") if "bike repairs" in text_of(c)]
    assert len(posts) == 1

    # Typed once more, a new command: the member hears it is open already, and it
    # is neither stored nor posted twice.
    again = dict(fields, trigger_id=fields["trigger_id"] + "-next")
    assert (await slack.requests.command(again)).status == 200
    await slack.said("response_url", "You offered this already")
    assert await stored_offers(slack) == ["bike repairs on Saturdays"]
    posts = [c for c in slack.fake.calls("chat.postMessage") if "bike repairs" in text_of(c)]
    assert len(posts) == 1
