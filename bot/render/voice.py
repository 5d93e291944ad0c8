"""givefirst's voice: how a sentence of its own is put together and addressed."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Member
from bot.messages import Audience, Ephemeral, Mention, Message, Paragraph, Span, message, wording


def who(member: Member) -> Mention:
    return Mention(member.mention_id, member.name)


def joined(items: Sequence[str]) -> list[str]:
    """Items separated by commas."""
    out: list[str] = []
    for i, item in enumerate(items):
        out.extend([", "] if i else [])
        out.append(item)
    return out


def joined_mentions(user_ids: Sequence[str]) -> list[str | Mention]:
    out: list[str | Mention] = []
    for i, uid in enumerate(user_ids):
        out.extend([", "] if i else [])
        out.append(Mention(uid))
    return out


def say(to: Audience, *parts: str | Span) -> Message:
    """A paragraph in givefirst's own words (see :func:`wording`): strings are ours,
    a member's words go in as :class:`Plain` spans."""
    return message(to, Paragraph(wording(*parts)))


def reply(to_member: Member | str, *parts: str | Span) -> Message:
    """:func:`say`, to one member only."""
    user_id = to_member if isinstance(to_member, str) else to_member.mention_id
    return message(Ephemeral(user_id), Paragraph(wording(*parts)))
