"""Suggestions in words: who could help with an ask (or the closest leads, or nobody
yet), and the open asks a member could help with."""

from __future__ import annotations

from collections.abc import Sequence

from bot import actions as a
from bot.domain import Ask, Member
from bot.messages import (
    Audience,
    Button,
    Buttons,
    ButtonStyle,
    DirectMessage,
    Message,
    Paragraph,
    Quote,
    Small,
    Text,
    message,
    text,
)
from bot.render.voice import who
from bot.text import shorten


def suggestions(
    ask: Ask,
    ranked: Sequence[tuple[Member, tuple[str, ...]]],
    to: Audience,
    lead: Text | None = None,
    *,
    closest: Sequence[tuple[Member, tuple[str, ...]]] = (),
) -> Message:
    """Who could help with an ask: confident suggestions (``ranked``), or else the
    ``closest`` members as a lead that is said to be one, or else nobody yet."""
    if not ranked and closest:
        return _leads(ask, closest, to, lead)
    if not ranked:
        return message(
            to,
            Paragraph(lead or text("Nobody yet — I'll tell you when someone can help.")),
            _share_button(ask),
        )
    return message(
        to,
        Paragraph(
            lead
            or text(
                "These members could help. Ask for an introduction — "
                "they'll only be connected with you if they say yes:"
            )
        ),
        *_lines(ranked),
        Buttons(_ask_buttons(ask, ranked, primary=True)),
    )


def _leads(
    ask: Ask,
    closest: Sequence[tuple[Member, tuple[str, ...]]],
    to: Audience,
    lead: Text | None,
) -> Message:
    follow = (
        "Want more people to see it? You can share your ask with the community."
        if ask.private
        else "Your ask is in the channel too — I'll tell you when someone new can help."
    )
    return message(
        to,
        *([Paragraph(lead)] if lead else []),
        Paragraph(text("No one has offered exactly this yet — the closest I found:")),
        *_lines(closest),
        Small(text(follow)),
        Buttons(
            _ask_buttons(ask, closest, primary=False)
            + ((_share(ask),) if ask.private and ask.is_open else ())
        ),
    )


def _lines(ranked: Sequence[tuple[Member, tuple[str, ...]]]) -> list[Paragraph]:
    return [
        Paragraph(text("• ", who(m), " — ", " · ".join(reasons) or "could help"))
        for m, reasons in ranked
    ]


def _ask_buttons(
    ask: Ask, ranked: Sequence[tuple[Member, tuple[str, ...]]], *, primary: bool
) -> tuple[Button, ...]:
    return tuple(
        Button(
            f"Ask {shorten(m.name, 30)}",
            a.ACTION_REQUEST_INTRO,
            a.request_intro_value(ask.id, m.id),
            ButtonStyle.PRIMARY if primary and i == 0 else ButtonStyle.DEFAULT,
        )
        for i, (m, _) in enumerate(ranked)
    )


def _share(ask: Ask) -> Button:
    return Button("Share it with the community", a.ACTION_SHARE_ASK, str(ask.id))


def _share_button(ask: Ask) -> Buttons | None:
    return Buttons((_share(ask),)) if ask.private and ask.is_open and ask.id else None


def someone_new(ask: Ask) -> Text:
    """The lead of suggestions for an ask that had nobody, when someone new offers."""
    return text("✨ Someone new could help with your ask “", shorten(ask.text, 60), "”:")


def didnt_work_lead(found_someone: bool) -> Text:
    if found_someone:
        return text("Sorry it didn't work out. Your ask stays open; these members could help:")
    return text(
        "Sorry it didn't work out. Your ask stays open and I'll tell you when someone new can help."
    )


def pay_it_forward(asks: Sequence[tuple[Ask, Member]], to_member: Member) -> Message | None:
    if not asks:
        return None
    return message(
        DirectMessage((to_member.mention_id,)),
        Paragraph(text("💛 Pay it forward? These open asks match what you know:")),
        *[Quote(text(shorten(ask.text, 200))) for ask, _ in asks],
        Buttons(
            tuple(
                Button(f"Help {shorten(author.name, 24)}", a.ACTION_VOLUNTEER, str(ask.id))
                for ask, author in asks
            )
        ),
    )
