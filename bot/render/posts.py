"""What the bot posts in the community's channel: offers, asks and thank-yous."""

from __future__ import annotations

from collections.abc import Sequence

from bot import actions as a
from bot.domain import Ask, AskStatus, Member, Offer, Subject, SubjectKind, Thanks
from bot.messages import (
    Audience,
    Button,
    Buttons,
    ButtonStyle,
    ChannelPost,
    DirectMessage,
    Message,
    Paragraph,
    Plain,
    Quote,
    Small,
    Text,
    UpdatePosts,
    message,
    text,
)
from bot.render.voice import joined, say, who
from bot.text import shorten


def skills_line(skills: Sequence[str]) -> Text:
    """The tags, or, for the author alone, a word on adding some (a channel post shows
    tags only: advice to its author is not for everyone to read)."""
    if not skills:
        return text("No skills detected — add #tags to your text to help me match it.")
    return text("Tagged: ", *joined([f"#{s.replace(' ', '-')}" for s in skills]))


def offer_post(offer: Offer, author: Member, *, to: Audience | None = None) -> Message:
    subject = Subject(SubjectKind.OFFER, offer.id or 0)
    if not offer.is_open:
        return message(
            to or UpdatePosts(subject),
            Paragraph(
                text("🎁 ", who(author), f" offered help (no longer available, {offer.status}).")
            ),
            subject=subject,
        )
    return message(
        to or ChannelPost(),
        Paragraph(text("🎁 ", who(author), " can help:")),
        Quote(text(offer.text)),
        Small(skills_line(offer.skills)) if offer.skills else None,
        Small(text("React 🙋 or press the button to ask for an introduction · 🙏 to say thanks")),
        Buttons(
            (Button("I'd like this", a.ACTION_REQUEST_OFFER, str(offer.id), ButtonStyle.PRIMARY),)
        ),
        subject=subject,
    )


def ask_post(ask: Ask, author: Member, *, to: Audience | None = None) -> Message:
    subject = Subject(SubjectKind.ASK, ask.id or 0)
    if ask.status is not AskStatus.OPEN:
        state = "✅ solved" if ask.status is AskStatus.SOLVED else "closed"
        return message(
            to or UpdatePosts(subject),
            Paragraph(text("🙋 ", who(author), f" asked for help — {state}. Thank you, everyone!")),
            Quote(text(ask.text)),
            subject=subject,
        )
    return message(
        to or ChannelPost(),
        Paragraph(text("🙋 ", who(author), " is looking for help:")),
        Quote(text(ask.text)),
        Small(skills_line(ask.skills)) if ask.skills else None,
        Small(text("React 🙋 or press the button to offer help · ✅ (author) marks it solved")),
        Buttons((Button("I can help", a.ACTION_VOLUNTEER, str(ask.id), ButtonStyle.PRIMARY),)),
        subject=subject,
    )


def thanks_post(
    thanks: Thanks, giver: Member, receiver: Member, *, public: bool, to: Audience | None = None
) -> Message:
    note = thanks.note
    return message(
        to or (ChannelPost() if public else DirectMessage((receiver.mention_id,))),
        Paragraph(
            text(
                "🙏 ",
                who(giver),
                " thanked ",
                who(receiver) if public else "you",
                ":" if note else "!",
            )
        ),
        Quote(text(note)) if note else None,
        # Recorded, so the post can be taken down when either member is forgotten.
        subject=Subject(SubjectKind.THANKS, thanks.id) if public and thanks.id else None,
    )


def still_relevant(item: Ask | Offer, author: Member, kind: str) -> Message:
    """The "still relevant?" check to the author of an old open ask or offer."""
    keep, close = (
        (a.ACTION_KEEP_ASK, a.ACTION_CLOSE)
        if kind == "ask"
        else (a.ACTION_KEEP_OFFER, a.ACTION_WITHDRAW)
    )
    return message(
        DirectMessage((author.mention_id,)),
        Paragraph(text(f"🧹 Is your {kind} still relevant?")),
        Quote(text(item.text)),
        Small(text("If I don't hear from you within a week, I'll close it.")),
        Buttons(
            (
                Button("Keep it open", keep, str(item.id), ButtonStyle.PRIMARY),
                Button("Close it", close, str(item.id)),
            )
        ),
    )


def closed_for_silence(item: Ask | Offer, author: Member, kind: str) -> Message:
    """To the author of an ask or offer closed because "still relevant?" went unanswered."""
    return say(
        DirectMessage((author.mention_id,)),
        f"I didn't hear back, so I've closed your {kind} “",
        Plain(shorten(item.text)),
        f"”. Post a new one with `/{kind}` any time.",
    )
