"""The weekly give-first digest: composed by a pure function from the week's facts.

It celebrates what people gave — offers, introductions, thank-yous — without
a leaderboard, and never mentions private asks or thanks to members who asked
to keep them private.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.actions import ACTION_VOLUNTEER
from bot.domain import IntroStatus, Member, Outcome
from bot.domain.digest import DigestFacts
from bot.messages import (
    Block,
    Button,
    Buttons,
    ChannelPost,
    Divider,
    Heading,
    Mention,
    Message,
    Paragraph,
    Small,
    Strong,
    message,
    named,
    text,
    wording,
)
from bot.text import shorten

LIST_LIMIT = 5
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Digest:
    message: Message
    is_quiet: bool


def compose_digest(
    facts: DigestFacts,
    *,
    limit: int = LIST_LIMIT,
    rounds: tuple[Block, ...] = (),
    rounds_news: bool = False,
    timezone: str = "UTC",
) -> Digest:
    """Build the week's digest post from its facts (and ``rounds``, the lines about the
    latest give-first round: how many met, never who; ``rounds_news`` if they tell its
    result for the first time, which a quiet week is posted for), its days named in
    the community's ``timezone``."""
    members = facts.members
    zone = ZoneInfo(timezone)
    first_day, last_day = facts.since.astimezone(zone), (facts.until - SECOND).astimezone(zone)

    def shown(member_id: int) -> bool:
        member = members.get(member_id)
        return member is not None and member.platform_user_id is not None

    def who(member_id: int) -> Mention:
        member = members[member_id]
        return Mention(member.mention_id, member.name)

    def this_week(when: datetime | None) -> bool:
        return when is not None and facts.since <= when < facts.until

    new_offers = [
        o for o in facts.offers if this_week(o.created_at) and shown(o.member_id) and not o.imported
    ]
    waiting = sorted(
        (a for a in facts.open_asks if a.is_open and not a.private and shown(a.member_id)),
        key=lambda a: a.created_at,
    )
    made = [
        i
        for i in facts.introductions
        if i.status is IntroStatus.ACCEPTED and this_week(i.decided_at)
    ]
    helped = [
        i for i in facts.introductions if i.outcome is Outcome.HELPED and this_week(i.outcome_at)
    ]
    thanks = [
        t
        for t in facts.thanks
        if this_week(t.created_at)
        and shown(t.giver_id)
        and shown(t.receiver_id)
        and members[t.receiver_id].public_thanks
    ]
    newcomers = [
        m
        for m in members.values()
        if this_week(m.first_used_at)
        and shown(m.id or 0)
        and (m.id or 0) not in facts.private_askers
    ]

    blocks: list[Block | None] = [
        Heading(text(f"🌱 This week in give-first ({first_day:%d %b} – {last_day:%d %b})")),
    ]
    if new_offers:
        blocks.append(Paragraph(text(Strong("🎁 New offers"))))
        blocks += [
            Paragraph(text("• ", who(o.member_id), ": ", shorten(o.text, 120)))
            for o in _first(new_offers, limit)
        ]
        blocks.append(_more(len(new_offers), limit))
    if waiting:
        blocks.append(Paragraph(text(Strong("🙋 Still looking for help"), " (oldest first)")))
        for ask in _first(waiting, limit):
            blocks.append(Paragraph(text("• ", who(ask.member_id), ": ", shorten(ask.text, 120))))
        blocks.append(
            Buttons(
                tuple(
                    Button(f"Help with #{i + 1}", ACTION_VOLUNTEER, str(a.id))
                    for i, a in enumerate(_first(waiting, limit))
                )
            )
        )
        blocks.append(_more(len(waiting), limit))
    if made or helped:
        blocks.append(
            Paragraph(
                text(
                    Strong("🤝 Introductions"),
                    f": {len(made)} made this week; {len(helped)} reported that it helped.",
                )
            )
        )
    if thanks:
        blocks.append(Paragraph(text(Strong("🙏 Thank-yous"))))
        blocks += [
            Paragraph(
                text(
                    "• ",
                    who(t.giver_id),
                    " → ",
                    who(t.receiver_id),
                    *((": ", shorten(t.note, 120)) if t.note else ()),
                )
            )
            for t in _first(thanks, limit)
        ]
        blocks.append(_more(len(thanks), limit))
    if newcomers:
        blocks.append(
            Paragraph(
                text(
                    Strong("👋 Welcome"),
                    ": ",
                    *_mentions([who(_key(m)) for m in _first(newcomers, limit)]),
                )
            )
        )
        blocks.append(_more(len(newcomers), limit))
    blocks += rounds
    quiet = not (new_offers or made or helped or thanks or newcomers or rounds_news)
    if quiet:
        blocks.append(Paragraph(wording("A quiet week. What could you offer? Try `/offer`.")))
    blocks += [
        Divider(),
        Small(
            wording(
                "Give first: share what you can help with using `/offer`, "
                "ask with `/ask`, and say thanks with `/thanks`."
            )
        ),
    ]
    # Members that members' words mention are named, as the digest names everyone: it
    # notifies nobody (someone who never used givefirst is "someone" where a platform
    # cannot show a mention without notifying them).
    names = {m.mention_id: m.name for m in members.values() if m.platform_user_id}
    kept = [
        Paragraph(named(b.text, names, otherwise="someone")) if isinstance(b, Paragraph) else b
        for b in blocks
        if b is not None
    ]
    return Digest(message(ChannelPost(), *kept, notify=False), quiet)


def _key(member: Member) -> int:
    return member.id or 0


def _mentions(mentions: list[Mention]) -> list[str | Mention]:
    out: list[str | Mention] = []
    for i, m in enumerate(mentions):
        out.extend([", "] if i else [])
        out.append(m)
    return out


T = TypeVar("T")


def _first(items: Sequence[T], limit: int) -> Sequence[T]:
    """The first ``limit`` items, or all of them when only one more would be left out."""
    return items if len(items) <= limit + 1 else items[:limit]


def _more(total: int, limit: int) -> Small | None:
    return Small(text(f"…and {total - limit:,} more")) if total > limit + 1 else None
