"""The neutral outgoing-message model that every adapter renders.

Text is a sequence of spans rather than a markup string, so a member's words
can never turn into formatting, links or mass mentions on any platform: each
adapter escapes :class:`Plain` spans and renders the others with its own syntax.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from bot.domain import Subject


@dataclass(frozen=True)
class Plain:
    """Literal text, escaped by every adapter."""

    text: str


@dataclass(frozen=True)
class Strong:
    text: str


@dataclass(frozen=True)
class Code:
    """Something to type, such as a command (``/givefirst resume``): shown as code."""

    text: str


@dataclass(frozen=True)
class Mention:
    """A member, by platform user id; rendered as a real mention.

    ``name`` is shown instead where a platform cannot show a mention without
    notifying the member and the message must not notify (``Message.notify``)."""

    user_id: str
    name: str = ""


@dataclass(frozen=True)
class ChannelLink:
    channel_id: str


@dataclass(frozen=True)
class Link:
    """A web address of givefirst's own (never one a member typed), such as a sign-in
    link: shown as a link labelled ``label``."""

    url: str
    label: str


Span = Plain | Strong | Code | Mention | ChannelLink | Link
Text = tuple[Span, ...]

_TO_TYPE = re.compile(r"`([^`\n]+)`")
MENTIONED = re.compile(r"<@([A-Za-z0-9_.:-]+)>")
"""A mention in a member's words, in the core's neutral form (see :mod:`bot.parsing`):
the member's platform id in the group."""


_ADDRESSED = re.compile(r"<([@#])([A-Za-z0-9_.:-]+)>")
"""A member or channel in a member's words, as the core holds them (``<@U1>``, ``<#C1>``)."""


def text(*parts: str | Span) -> Text:
    """Build text from strings (plain) and spans: ``text("Thanks ", Mention(uid), "!")``.

    A member or channel a string mentions in the core's neutral form (``<@U1>``,
    ``<#C1>``: a member's words, as typed) becomes a mention or channel link, shown as
    the platform shows them rather than as an id."""
    return _spans(parts, _ADDRESSED, _addressed)


def _addressed(found: re.Match[str]) -> Span:
    sigil, target = found.groups()
    return Mention(target) if sigil == "@" else ChannelLink(target)


def _spans(
    parts: tuple[str | Span, ...], pattern: re.Pattern[str], made: Callable[[re.Match[str]], Span]
) -> Text:
    """Strings as plain text, less what ``pattern`` finds in them, which is ``made``
    a span of its own; spans as they are."""
    out: list[Span] = []
    for part in parts:
        if not isinstance(part, str):
            out.append(part)
            continue
        start = 0
        for found in pattern.finditer(part):
            out += [Plain(part[start : found.start()]), made(found)]
            start = found.end()
        out.append(Plain(part[start:]))
    return tuple(span for span in out if span != Plain(""))


def named(spans: Text, names: Mapping[str, str], *, otherwise: str) -> Text:
    """The text with each mention that has no name yet given its member's name from
    ``names`` (platform id to name), or else ``otherwise``: for messages that must not
    notify anyone, where a platform shows a named mention as its name."""
    return tuple(
        Mention(s.user_id, names.get(s.user_id, otherwise))
        if isinstance(s, Mention) and not s.name
        else s
        for s in spans
    )


def wording(*parts: str | Span) -> Text:
    """Text in givefirst's own words, where `…` marks something to type: each string
    becomes plain text with its back-quoted pieces as :class:`Code` spans.

    Only for the bot's own sentences; pass a member's words as a :class:`Plain`
    span (or through :func:`text`), so that nothing they type becomes formatting."""
    return _spans(parts, _TO_TYPE, lambda found: Code(found.group(1)))


def plain(rendered: Text, *, addresses: bool = True) -> str:
    """The text without formatting, mentions as ``@id``: for logs, fallbacks and tests.
    Without ``addresses`` (notification previews), links show their label alone and
    members their name where it is known."""
    out: list[str] = []
    for span in rendered:
        match span:
            case Plain(s) | Strong(s):
                out.append(s)
            case Code(s):
                out.append(f"`{s}`")
            case Mention(uid, name):
                out.append(f"@{name or uid}" if name and not addresses else f"@{uid}")
            case ChannelLink(cid):
                out.append(f"#{cid}")
            case Link(url, label):
                out.append(f"{label}: {url}" if label and addresses else label or url)
    return "".join(out)


class ButtonStyle(enum.StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A button; pressing it sends ``action`` with ``value`` back to the core."""

    label: str
    action: str
    value: str
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True)
class Heading:
    text: Text


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Quote:
    """A member's own words, set apart from the bot's."""

    text: Text


@dataclass(frozen=True)
class Small:
    """Secondary information: tags, dates, hints."""

    text: Text


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class Attachment:
    """A file for the member to keep, such as their data export."""

    filename: str
    content: str


Block = Heading | Paragraph | Quote | Small | Buttons | Divider | Attachment


@dataclass(frozen=True)
class Ephemeral:
    """Visible only to this member, in reply to what they just did."""

    user_id: str


@dataclass(frozen=True)
class DirectMessage:
    """A private conversation with one member, or one shared by several."""

    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class ChannelPost:
    """A post in a channel; ``None`` means the community's configured channel."""

    channel_id: str | None = None


@dataclass(frozen=True)
class UpdatePosts:
    """Replace every earlier post about ``subject`` with this message."""

    subject: Subject


@dataclass(frozen=True)
class DeletePosts:
    """Remove every earlier post about ``subject`` (the member withdrew it or left)."""

    subject: Subject


Audience = Ephemeral | DirectMessage | ChannelPost | UpdatePosts | DeletePosts


@dataclass(frozen=True)
class Message:
    """Something the bot says, to whom, and (for posts) what it is about."""

    to: Audience
    blocks: tuple[Block, ...]
    summary: str = ""
    subject: Subject | None = None
    notify: bool = True
    """Whether the members it mentions are notified, where the platform lets us choose
    (Discord): a digest names many members and should not ping them all every week."""

    @property
    def buttons(self) -> tuple[Button, ...]:
        return tuple(
            b for block in self.blocks if isinstance(block, Buttons) for b in block.buttons
        )

    def names(self) -> frozenset[str]:
        """The platform ids of every member it is addressed to or mentions, the
        mentions in members' own words included (``<@id>``, see :mod:`bot.parsing`)."""
        named: set[str] = set()
        match self.to:
            case Ephemeral(user_id):
                named.add(user_id)
            case DirectMessage(user_ids):
                named.update(user_ids)
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph | Quote | Small):
                for span in block.text:
                    if isinstance(span, Mention):
                        named.add(span.user_id)
                    elif isinstance(span, Plain | Strong):
                        named.update(MENTIONED.findall(span.text))
        return frozenset(named)

    def as_plain_text(self) -> str:
        """All the message's text, one block per line: for terminals, logs and tests."""
        lines: list[str] = []
        for block in self.blocks:
            match block:
                case Heading(t) | Paragraph(t) | Small(t):
                    lines.append(plain(t))
                case Quote(t):
                    lines.extend(f"> {line}" for line in plain(t).splitlines() or [""])
                case Buttons(buttons):
                    lines.append("  ".join(f"[{b.label}]" for b in buttons))
                case Divider():
                    lines.append("---")
                case Attachment(filename, content):
                    lines.append(f"[{filename}, {len(content.encode()):,} bytes]")
        return "\n".join(lines)


def message(
    to: Audience, *blocks: Block | None, subject: Subject | None = None, notify: bool = True
) -> Message:
    """Build a message, skipping ``None`` blocks so optional sections read naturally."""
    kept = tuple(b for b in blocks if b is not None)
    summary = next(
        (plain(b.text, addresses=False) for b in kept if isinstance(b, Heading | Paragraph)), ""
    )
    return Message(to=to, blocks=kept, summary=summary[:150], subject=subject, notify=notify)


def paragraphs(lines: Iterable[Text]) -> tuple[Paragraph, ...]:
    return tuple(Paragraph(line) for line in lines)
