"""Slack's text conventions: member text is shown literally and never pings."""

from __future__ import annotations

import json

from adapters.slack import render
from adapters.slack.inbound import to_core_text
from bot.messages import (
    Button,
    Buttons,
    ChannelPost,
    Mention,
    Paragraph,
    Quote,
    Small,
    message,
    text,
)


def test_command_text_becomes_the_neutral_form() -> None:
    assert to_core_text("<@U123|ana> thanks &amp; more") == "<@U123> thanks & more"
    assert to_core_text("config channel <#C42|offers>") == "config channel <#C42>"
    assert to_core_text("hey <!channel> and <!here|here>") == "hey @channel and @here"
    assert to_core_text("ask <!subteam^S1|@designers>") == "ask @designers"
    # Addresses Slack linked as they were typed stay as typed.
    assert to_core_text("<mailto:ana@example.com|ana@example.com>") == "ana@example.com"
    assert to_core_text("see <http://example.com|example.com>") == "see example.com"
    assert to_core_text("<https://x.org/a|https://x.org/a>") == "https://x.org/a"
    assert to_core_text("<https://x.org|the docs>") == "the docs (https://x.org)"
    assert to_core_text("by <!date^1392734382^{date}|Feb 18>") == "by Feb 18"
    assert to_core_text("see <https://evil.example|google.com>") == (
        "see google.com (https://evil.example)"
    )
    assert to_core_text("1 &lt; 2 &gt; 0") == "1 < 2 > 0"


def test_member_text_is_literal_rich_text_and_the_fallback_is_escaped() -> None:
    hostile = "<!channel> *bold* <https://evil.example|google.com> & co"
    msg = message(
        ChannelPost(), Paragraph(text("🎁 ", Mention("U1"), " can help:")), Quote(text(hostile))
    )
    [blocks] = render.blocks(msg)
    quote = blocks[1]["elements"][0]
    assert quote["type"] == "rich_text_quote"
    assert quote["elements"] == [{"type": "text", "text": hostile}]
    assert blocks[0]["elements"][0]["elements"][1] == {"type": "user", "user_id": "U1"}
    fallback = render.fallback_text(message(ChannelPost(), Paragraph(text(hostile))))
    assert "<!channel>" not in fallback and "&lt;!channel&gt;" in fallback


def test_context_lines_with_mentions_escape_member_text() -> None:
    [blocks] = render.blocks(message(ChannelPost(), Small(text(Mention("U1"), " <!here>"))))
    assert blocks[0]["elements"][0] == {"type": "mrkdwn", "text": "<@U1> &lt;!here&gt;"}


def test_buttons_have_unique_action_ids_that_map_back_to_core_actions() -> None:
    buttons = Buttons(
        (Button("Ask Ana", "intro.request", "1:2"), Button("Ask Ben", "intro.request", "1:3"))
    )
    [blocks] = render.blocks(message(ChannelPost(), buttons))
    ids = [e["action_id"] for e in blocks[0]["elements"]]
    assert len(set(ids)) == 2
    assert {render.parse_action_id(i) for i in ids} == {"intro.request"}
    assert render.parse_action_id("someone_elses_button") is None


def test_long_exports_are_split_within_slacks_limits() -> None:
    from bot.messages import Attachment

    content = json.dumps({"x": "y" * 200_000})
    chunks = render.blocks(message(ChannelPost(), Attachment("export.json", content)))
    assert all(len(c) <= render.MAX_BLOCKS for c in chunks)
    texts = [
        b["elements"][0]["elements"][0]["text"]
        for c in chunks
        for b in c
        if b["type"] == "rich_text"
    ]
    assert "".join(texts) == content
    # Slack refuses a message of more than about 12,000 characters of text.
    assert all(sum(len(t["text"]) for b in c for t in _texts(b)) <= 12_000 for c in chunks)


def _texts(value: object) -> list[dict[str, str]]:
    if isinstance(value, dict):
        own = [value] if isinstance(value.get("text"), str) else []
        return own + [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []
