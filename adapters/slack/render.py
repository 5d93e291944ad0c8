"""Neutral messages as Block Kit, and Slack's text conventions in both directions.

Member text goes into ``rich_text`` elements, which Slack shows literally: no
mrkdwn, no links, no ``<!channel>`` pings. Where mrkdwn cannot be avoided (the
notification fallback, context lines with mentions) it is escaped per Slack's
rules (``&``, ``<``, ``>``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.messages import (
    Attachment,
    Block,
    Buttons,
    ButtonStyle,
    ChannelLink,
    Code,
    Divider,
    Heading,
    Link,
    Mention,
    Message,
    Paragraph,
    Plain,
    Quote,
    Small,
    Strong,
    Text,
)

ACTION_PREFIX = "gf"
MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_TEXT = 10_000
"""Characters of text in one message, kept under the about 12,000 Slack takes."""
MAX_BUTTON_LABEL = 75
PREFORMATTED_CHUNK = 2900

JSON = dict[str, Any]


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _elements(text: Text, *, bold: bool = False) -> list[JSON]:
    out: list[JSON] = []
    for span in text:
        match span:
            case Plain(s) | Strong(s) | Code(s):
                element: JSON = {"type": "text", "text": s}
                style = {"bold": bold or isinstance(span, Strong), "code": isinstance(span, Code)}
                if any(style.values()):
                    element["style"] = {name: True for name, on in style.items() if on}
                out.append(element)
            case Mention(uid):
                out.append({"type": "user", "user_id": uid})
            case ChannelLink(cid):
                out.append({"type": "channel", "channel_id": cid})
            case Link(url, label):
                out.append({"type": "link", "url": url, "text": label or url})
    return out or [{"type": "text", "text": " "}]


def mrkdwn(text: Text) -> str:
    """Escaped mrkdwn for places that only take mrkdwn."""
    out: list[str] = []
    for span in text:
        match span:
            case Plain(s):
                out.append(escape(s))
            case Strong(s):
                out.append(f"*{escape(s)}*")
            case Code(s):
                out.append(f"`{escape(s).replace('`', 'ˋ')}`")
            case Mention(uid):
                out.append(f"<@{uid}>")
            case ChannelLink(cid):
                out.append(f"<#{cid}>")
            case Link(url, label):
                out.append(f"<{url}|{escape(label or url)}>")
    return "".join(out)


def _plain_only(text: Text) -> bool:
    return all(isinstance(s, Plain | Strong | Code) for s in text)


def block(item: Block, position: int) -> list[JSON]:
    """One neutral block as one or more Block Kit blocks."""
    match item:
        case Heading(t) if _plain_only(t):
            words = "".join(s.text for s in t if isinstance(s, Plain | Strong | Code))
            return [
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": words[:150], "emoji": True},
                }
            ]
        case Heading(t):
            return [_rich("rich_text_section", _elements(t, bold=True))]
        case Paragraph(t):
            return [_rich("rich_text_section", _elements(t))]
        case Quote(t):
            return [_rich("rich_text_quote", _elements(t))]
        case Small(t) if _plain_only(t):
            words = "".join(s.text for s in t if isinstance(s, Plain | Strong | Code))
            return [
                {
                    "type": "context",
                    "elements": [{"type": "plain_text", "text": words, "emoji": True}],
                }
            ]
        case Small(t):
            return [{"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(t)}]}]
        case Buttons(buttons):
            elements = []
            for i, b in enumerate(buttons):
                button: JSON = {
                    "type": "button",
                    "text": {
                        "type": "plain_text",
                        "text": b.label[:MAX_BUTTON_LABEL],
                        "emoji": True,
                    },
                    "action_id": f"{ACTION_PREFIX}:{b.action}:{i}",
                    "value": b.value or "-",
                }
                if b.style is not ButtonStyle.DEFAULT:
                    button["style"] = b.style.value
                elements.append(button)
            return [{"type": "actions", "block_id": f"gf-actions-{position}", "elements": elements}]
        case Divider():
            return [{"type": "divider"}]
        case Attachment(filename, content):
            chunks = [
                content[i : i + PREFORMATTED_CHUNK]
                for i in range(0, len(content), PREFORMATTED_CHUNK)
            ] or [""]
            return [
                {"type": "context", "elements": [{"type": "plain_text", "text": f"📎 {filename}"}]},
                *[
                    _rich("rich_text_preformatted", [{"type": "text", "text": chunk}])
                    for chunk in chunks
                ],
            ]
    return []


def _rich(kind: str, elements: list[JSON]) -> JSON:
    return {"type": "rich_text", "elements": [{"type": kind, "elements": elements}]}


def blocks(message: Message, most: int = MAX_BLOCKS) -> list[list[JSON]]:
    """The message's blocks, split into as many Slack messages as its limits need:
    ``most`` blocks (50 in a message, 100 on the Home tab), and about 12,000 characters
    of text, over which Slack refuses a message (``msg_blocks_too_long``): an export
    of many offers went over."""
    items = message.blocks if message.notify else tuple(map(_without_pings, message.blocks))
    rendered = [b for i, item in enumerate(items) for b in block(item, i)]
    parts: list[list[JSON]] = [[]]
    size = 0
    for one in rendered:
        length = _text_length(one)
        if parts[-1] and (len(parts[-1]) == most or size + length > MAX_TEXT):
            parts.append([])
            size = 0
        parts[-1].append(one)
        size += length
    return parts


def _text_length(value: object) -> int:
    """The characters of text in a block: every string under a ``text`` key."""
    if isinstance(value, dict):
        return sum(
            len(v) if k == "text" and isinstance(v, str) else _text_length(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(_text_length(v) for v in value)
    return 0


def _without_pings(item: Block) -> Block:
    """Named mentions as plain names: Slack notifies everyone a message mentions."""
    if not isinstance(item, Heading | Paragraph | Quote | Small):
        return item
    spans = tuple(
        Plain(f"@{span.name}") if isinstance(span, Mention) and span.name else span
        for span in item.text
    )
    return dataclasses.replace(item, text=spans)


def fallback_text(message: Message) -> str:
    """Notification text shown where blocks are not (escaped, no mentions expanded)."""
    return escape(message.summary or "givefirst")


def parse_action_id(action_id: str) -> str | None:
    """``gf:intro.accept:0`` → ``intro.accept``; None for actions that aren't ours."""
    parts = action_id.split(":")
    if len(parts) != 3 or parts[0] != ACTION_PREFIX:
        return None
    return parts[1]
