"""An operator's preview of the next give-first round (``givefirst rounds preview``):
its groups and why, who is left out, or that rounds are off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import Community, Member
from bot.messages import ChannelPost, Heading, Message, Paragraph, message, text, wording
from bot.render.rounds import Giving
from bot.text import shorten


def preview_line(members: Sequence[Member], givings: Sequence[Giving], why: Sequence[str]) -> str:
    """One group of a preview: who, and why they were put together."""
    names = " + ".join(f"@{m.mention_id} ({m.name})" for m in members)
    gives = [
        f"{g.giver.name} could help {g.receiver.name} with “{shorten(g.ask, 60)}”" for g in givings
    ]
    return f"{names} — {'; '.join([*why, *gives]) or 'a new face'}"


def preview_left_out(member: Member, reason: str) -> str:
    return f"left out: @{member.mention_id} ({member.name}) — {reason}"


def preview_off(community: Community) -> Message:
    return message(
        ChannelPost(),
        Paragraph(
            wording(
                f"Give-first rounds are off in {community.key}. An admin starts them with "
                "`/givefirst config rounds every 2 weeks monday 10:00`."
            )
        ),
    )


def preview(community: Community, slot: datetime, lines: Sequence[str]) -> Message:
    """What ``givefirst rounds preview`` prints: the next round's groups and why."""
    return message(
        ChannelPost(),
        Heading(
            text(
                f"Next give-first round in {community.key}: "
                f"{slot.astimezone(ZoneInfo(community.timezone)):%a %d %b %H:%M} "
                f"({community.timezone})"
            )
        ),
        *[Paragraph(text(line)) for line in lines],
        None
        if lines
        else Paragraph(
            wording(
                "Nobody has joined yet, so nobody would be introduced: members join with "
                "`/givefirst rounds join` or the button on the rounds announcement."
            )
        ),
    )
