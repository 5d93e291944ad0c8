"""Neutral messages as Discord content, embeds and button rows.

Member text is escaped (markdown and mentions), and every send states exactly
which users may be pinged: only members the bot itself mentions, never
``@everyone``, ``@here`` or roles.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import discord

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

CUSTOM_ID = re.compile(r"^gf:(?P<guild>\d+):(?P<action>[a-z_.]+):(?P<value>[\w:.-]*)$")
EMBED_COLOUR = 0x2F6F4F
MAX_CONTENT = 2000
MAX_EMBED = 4096
MAX_BUTTONS = 25
_STYLES = {
    ButtonStyle.DEFAULT: discord.ButtonStyle.secondary,
    ButtonStyle.PRIMARY: discord.ButtonStyle.primary,
    ButtonStyle.DANGER: discord.ButtonStyle.danger,
}


def escape(text: str) -> str:
    """Member text shown literally: no markdown, no mentions, no masked links."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def custom_id(guild_id: int, action: str, value: str) -> str:
    return f"gf:{guild_id}:{action}:{value}"


def markdown(text: Text) -> str:
    out: list[str] = []
    for span in text:
        match span:
            case Plain(s):
                out.append(escape(s))
            case Strong(s):
                out.append(f"**{escape(s)}**")
            case Code(s):
                # Nothing inside a code span is markdown; a back quote would end it.
                out.append(f"`{s.replace('`', 'ˋ')}`")
            case Mention(uid):
                out.append(f"<@{uid}>")
            case ChannelLink(cid):
                out.append(f"<#{cid}>")
            case Link(url, label):
                out.append(f"[{escape(label)}](<{url}>)" if label else f"<{url}>")
    return "".join(out)


def _block(item: Block) -> str | None:
    match item:
        case Heading(t):
            return f"**{markdown(t)}**"
        case Paragraph(t):
            return markdown(t)
        case Quote(t):
            return "\n".join(f"> {line}" for line in markdown(t).split("\n"))
        case Small(t):
            return "\n".join(f"-# {line}" for line in markdown(t).split("\n"))
        case Divider():
            return "───"
    return None


@dataclass
class Rendered:
    """Keyword arguments for ``Messageable.send`` and ``Message.edit``."""

    content: str | None = None
    embed: discord.Embed | None = None
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"allowed_mentions": self.allowed_mentions}
        if self.content:
            kwargs["content"] = self.content
        if self.embed is not None:
            kwargs["embed"] = self.embed
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs


def render(message: Message, guild_id: int) -> Rendered:
    """Posts about an offer or ask become an embed; everything else plain content."""
    mentioned = {
        span.user_id
        for block in message.blocks
        if isinstance(block, Heading | Paragraph | Quote | Small)
        for span in block.text
        if isinstance(span, Mention) and message.notify
    }
    allowed = discord.AllowedMentions(
        everyone=False,
        roles=False,
        replied_user=False,
        users=[discord.Object(int(u)) for u in sorted(mentioned) if u.isdecimal()],
    )
    parts = [p for p in (_block(b) for b in message.blocks) if p is not None]
    rendered = Rendered(allowed_mentions=allowed, view=_view(message, guild_id))
    rendered.files = [
        discord.File(io.BytesIO(b.content.encode()), filename=b.filename)
        for b in message.blocks
        if isinstance(b, Attachment)
    ]
    if message.subject is not None and parts:
        rendered.content = parts[0][:MAX_CONTENT]
        rendered.embed = discord.Embed(
            description="\n".join(parts[1:])[:MAX_EMBED], colour=EMBED_COLOUR
        )
        return rendered
    content = "\n".join(parts)
    if len(content) > MAX_CONTENT and len(parts) > 1:  # an edit: one message, the rest below
        rendered.content = parts[0][:MAX_CONTENT]
        rendered.embed = discord.Embed(description="\n".join(parts[1:])[:MAX_EMBED])
    else:
        rendered.content = content[:MAX_CONTENT] or None
    return rendered


def render_all(message: Message, guild_id: int) -> list[Rendered]:
    """A message as one Discord message, or as several when it holds more than one
    can (2,000 characters, 25 buttons): split between its blocks (a block longer than
    a message at a line, or else a space), each part with the buttons of its own
    blocks. Posts about an offer or ask are always one message (see :func:`render`)."""
    whole = render(message, guild_id)
    if message.subject is not None or (
        len("\n".join(p for p in map(_block, message.blocks) if p)) <= MAX_CONTENT
        and len(message.buttons) <= MAX_BUTTONS
    ):
        return [whole]
    pieces: list[tuple[list[str], list[Buttons]]] = [([], [])]
    item = 0  # where the text of the item the next buttons belong to begins
    for block in message.blocks:
        texts, rows = pieces[-1]
        if isinstance(block, Buttons):
            if rows and sum(len(r.buttons) for r in rows) + len(block.buttons) > MAX_BUTTONS:
                # Too many buttons: this item's text goes on with its buttons.
                pieces.append((texts[item:], []))
                del texts[item:]
            pieces[-1][1].append(block)
            item = len(pieces[-1][0])
            continue
        for part in _cut(_block(block) or "", MAX_CONTENT):
            texts = pieces[-1][0]
            if texts and len("\n".join([*texts, part])) > MAX_CONTENT:
                # A new message, which the item begun here goes on in, if it fits.
                carried = texts[item:]
                if len("\n".join([*carried, part])) > MAX_CONTENT:
                    carried = []
                pieces.append((carried, []))
                del texts[len(texts) - len(carried) :]
                item = 0
            pieces[-1][0].append(part)
    out: list[Rendered] = []
    for at, (texts, rows) in enumerate(pieces):
        with_buttons = Message(message.to, (*rows,), notify=message.notify)
        out.append(
            Rendered(
                content="\n".join(texts) or None,
                view=_view(with_buttons, guild_id),
                files=whole.files if at == 0 else [],
                allowed_mentions=whole.allowed_mentions,
            )
        )
    return [r for r in out if r.content or r.view or r.files]


def _cut(text: str, most: int) -> list[str]:
    """Text in parts of at most ``most`` characters, cut at a line or else a space, and
    never inside a `code span` (each part would show a stray back quote)."""
    parts: list[str] = []
    while len(text) > most:
        at = _cut_point(text, most)
        parts.append(text[:at])
        text = text[at:].lstrip("\n ")
    return [*parts, text] if text else parts


_BACK_QUOTE = re.compile(r"(?<!\\)(?:\\\\)*`")
"""A back quote that opens or closes a code span: after an even number of backslashes
(a member's own back quote is escaped, and each backslash of theirs doubled)."""


def _cut_point(text: str, most: int) -> int:
    for separator in ("\n", " "):
        at = text.rfind(separator, 0, most)
        while at > 0:
            if len(_BACK_QUOTE.findall(text, 0, at)) % 2 == 0:
                return at
            at = text.rfind(separator, 0, at)
    return most


class _PostedButton(discord.ui.Button[discord.ui.View]):
    """A button whose clicks the client's dynamic item handles by ``custom_id``.

    It says it is not dispatchable so discord.py does not keep a view in memory for
    every message ever sent: a long-running bot would otherwise grow without bound,
    and the dynamic item already answers these clicks, across restarts too.
    """

    def is_dispatchable(self) -> bool:
        return False


def _view(message: Message, guild_id: int) -> discord.ui.View | None:
    if not message.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in message.buttons[:MAX_BUTTONS]:
        view.add_item(
            _PostedButton(
                label=button.label[:80],
                style=_STYLES[button.style],
                custom_id=custom_id(guild_id, button.action, button.value)[:100],
            )
        )
    return view


REACTIONS = {
    "🙋": "raising_hand",
    "🙋‍♀️": "raising_hand",
    "🙋‍♂️": "raising_hand",
    "✅": "white_check_mark",
    "🙏": "pray",
}


def reaction_name(emoji: str) -> str | None:
    """Discord sends the emoji itself; the core knows them by name."""
    return REACTIONS.get(emoji) or REACTIONS.get(re.sub(r"[\U0001F3FB-\U0001F3FF]", "", emoji))
