"""What the bot says: every outgoing message is composed here, in neutral form."""

from __future__ import annotations

from collections.abc import Sequence

from bot import commands as c
from bot.domain import (
    Ask,
    AskStatus,
    Community,
    Introduction,
    Member,
    Offer,
    Subject,
    SubjectKind,
    Thanks,
)
from bot.messages import (
    Audience,
    Button,
    Buttons,
    ButtonStyle,
    ChannelLink,
    ChannelPost,
    Code,
    DirectMessage,
    Ephemeral,
    Heading,
    Mention,
    Message,
    Paragraph,
    Quote,
    Small,
    Span,
    Text,
    UpdatePosts,
    message,
    text,
    wording,
)
from bot.text import shorten

HELP = (
    ("/offer TEXT", "share something you can help with; #tags become skills"),
    ("/ask TEXT", "ask for help; `/ask private: TEXT` keeps it out of the channel"),
    ("/skills add|remove|list", "your skill profile, used to suggest you as a helper"),
    ("/thanks @member NOTE", "say thank you in public"),
    ("/givefirst me", "your open offers, asks, introductions and private balance"),
    ("/givefirst pause [days] | resume", "take a break from being suggested"),
    ("/givefirst thanks public|private", "whether thanks to you appear in the digest"),
    ("/givefirst export | forget-me", "get a copy of your data, or erase it"),
    ("/givefirst config …", "admins: channel, digest day and hour, capacity, expiry"),
)


def who(member: Member) -> Mention:
    return Mention(member.mention_id)


def skills_line(skills: Sequence[str]) -> Text:
    if not skills:
        return text("No skills detected — add #tags to your text to help me match it.")
    return text("Tagged: ", *_joined([f"#{s.replace(' ', '-')}" for s in skills]))


def _joined(items: Sequence[str]) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(items):
        out.extend([", "] if i else [])
        out.append(item)
    return out


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
        Small(skills_line(offer.skills)),
        Small(text("React 🙋 or press the button to ask for an introduction · 🙏 to say thanks")),
        Buttons(
            (Button("I'd like this", c.ACTION_REQUEST_OFFER, str(offer.id), ButtonStyle.PRIMARY),)
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
        Small(skills_line(ask.skills)),
        Small(text("React 🙋 or press the button to offer help · ✅ (author) marks it solved")),
        Buttons((Button("I can help", c.ACTION_VOLUNTEER, str(ask.id), ButtonStyle.PRIMARY),)),
        subject=subject,
    )


def still_relevant(item: Ask | Offer, author: Member, kind: str) -> Message:
    """The "still relevant?" check to the author of an old open ask or offer."""
    keep, close = (
        (c.ACTION_KEEP_ASK, c.ACTION_CLOSE)
        if kind == "ask"
        else (c.ACTION_KEEP_OFFER, c.ACTION_WITHDRAW)
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


def consent_request(
    intro: Introduction, requester: Member, recipient: Member, about: str, *, volunteered: bool
) -> Message:
    """The DM asking the other party for their half of the double opt-in."""
    if volunteered:
        opening = text("🙋 ", who(requester), " would like to help with your ask:")
        yes, no = "Yes, introduce us", "No, thanks"
    elif intro.offer_id is not None and intro.ask_id is None:
        opening = text("👋 ", who(requester), " would like to take you up on your offer:")
        yes, no = "Happy to help", "Not this time"
    else:
        opening = text("👋 ", who(requester), " is looking for help and I think you could help:")
        yes, no = "Happy to help", "Not this time"
    return message(
        DirectMessage((recipient.mention_id,)),
        Paragraph(opening),
        Quote(text(about)),
        Small(text(f"Why you: {intro.reason}")) if intro.reason and not volunteered else None,
        Small(
            text(
                "Nobody is introduced unless you both say yes. This request expires ",
                f"{intro.expires_at:%a %d %b}.",
            )
        ),
        Buttons(
            (
                Button(yes, c.ACTION_ACCEPT, str(intro.id), ButtonStyle.PRIMARY),
                Button(no, c.ACTION_DECLINE, str(intro.id)),
            )
        ),
    )


def introduction(
    intro: Introduction,
    asker: Member,
    helper: Member,
    ask: Ask | None,
    offer: Offer | None,
    follow_up_days: int,
) -> Message:
    """The warm introduction both members receive once both said yes."""
    return message(
        DirectMessage((asker.mention_id, helper.mention_id)),
        Heading(text("🤝 ", who(asker), ", meet ", who(helper), "!")),
        Paragraph(text(who(asker), " asked:")) if ask else None,
        Quote(text(ask.text)) if ask else None,
        Paragraph(text(who(helper), " offered:")) if offer else None,
        Quote(text(offer.text)) if offer else None,
        Small(text(f"Why I matched you: {intro.reason}")) if intro.reason else None,
        Paragraph(
            text(
                "You both said yes, so over to you — a short call or a few messages is plenty. ",
                f"I'll check in in {follow_up_days} days to hear how it went.",
            )
        ),
    )


def follow_up(intro: Introduction, asker: Member, helper: Member) -> Message:
    value = str(intro.id)
    return message(
        DirectMessage((asker.mention_id,)),
        Paragraph(text("👋 Did you connect with ", who(helper), "? Did it help?")),
        Buttons(
            (
                Button("It helped 🎉", c.ACTION_OUTCOME, f"{value}:helped", ButtonStyle.PRIMARY),
                Button("Not yet", c.ACTION_OUTCOME, f"{value}:not_yet"),
                Button("It didn't work out", c.ACTION_OUTCOME, f"{value}:didnt_work"),
            )
        ),
    )


def suggestions(
    ask: Ask,
    ranked: Sequence[tuple[Member, tuple[str, ...]]],
    to: Audience,
    lead: Text | None = None,
) -> Message:
    if not ranked:
        return message(
            to,
            Paragraph(lead or text("Nobody yet — I'll tell you when someone can help.")),
        )
    lines = [
        Paragraph(text("• ", who(m), " — ", "; ".join(reasons) or "could help"))
        for m, reasons in ranked
    ]
    buttons = tuple(
        Button(
            f"Ask {shorten(m.name, 30)}",
            c.ACTION_REQUEST_INTRO,
            f"{ask.id}:{m.id}",
            ButtonStyle.PRIMARY if i == 0 else ButtonStyle.DEFAULT,
        )
        for i, (m, _) in enumerate(ranked)
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
        *lines,
        Buttons(buttons),
    )


def direct_messages_check(member: Member) -> Message:
    """To a member whose DMs were closed, when they use givefirst again."""
    return say(
        DirectMessage((member.mention_id,)),
        "📬 Introductions and follow-ups reach you by direct message, and one couldn't be "
        "delivered to you earlier, so I stopped suggesting you as a helper. If you're "
        "reading this in your DMs, all is well again and you'll be suggested as before. "
        "If not, allow direct messages from members of this community in your privacy "
        "settings, then press “I've opened my DMs”.",
    )


def pay_it_forward(asks: Sequence[tuple[Ask, Member]], to_member: Member) -> Message | None:
    if not asks:
        return None
    return message(
        DirectMessage((to_member.mention_id,)),
        Paragraph(text("💛 Pay it forward? These open asks match what you know:")),
        *[Quote(text(shorten(a.text, 200))) for a, _ in asks],
        Buttons(
            tuple(
                Button(f"Help {shorten(author.name, 24)}", c.ACTION_VOLUNTEER, str(a.id))
                for a, author in asks
            )
        ),
    )


def thanks_post(thanks: Thanks, giver: Member, receiver: Member, *, public: bool) -> Message:
    note = thanks.note
    return message(
        ChannelPost() if public else DirectMessage((receiver.mention_id,)),
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


def say(to: Audience, *parts: str | Span) -> Message:
    """A paragraph in givefirst's own words (see :func:`wording`): strings are ours,
    a member's words go in as :class:`Plain` spans."""
    return message(to, Paragraph(wording(*parts)))


def reply(to_member: Member | str, *parts: str | Span) -> Message:
    """:func:`say`, to one member only."""
    user_id = to_member if isinstance(to_member, str) else to_member.mention_id
    return message(Ephemeral(user_id), Paragraph(wording(*parts)))


def help_message(user_id: str) -> Message:
    return message(
        Ephemeral(user_id),
        Heading(text("givefirst — give before you ask")),
        *[Paragraph(wording(Code(cmd), f" — {what}")) for cmd, what in HELP],
        Small(text("Reactions on my posts work too: 🙋 help or request · ✅ solved · 🙏 thanks.")),
    )


def config_message(user_id: str, community: Community) -> Message:
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    channel: list[str | ChannelLink] = (
        [ChannelLink(community.channel_id)]
        if community.channel_id
        else ["not set (posts go where the command was used)"]
    )
    return message(
        Ephemeral(user_id),
        Heading(text("Settings for this community")),
        Paragraph(text("Channel: ", *channel)),
        Paragraph(
            text(
                f"Digest: {days[community.digest_weekday]}s at "
                f"{community.digest_hour:02d}:00 {community.timezone}"
                f" ({'quiet weeks skipped' if community.skip_quiet_weeks else 'every week'})"
            )
        ),
        Paragraph(text(f"Capacity: {community.capacity} new introductions per helper per week")),
        Paragraph(
            text(
                f"Introduction requests expire after {community.intro_expiry_days} days; "
                f"follow-up after {community.follow_up_days} days"
            )
        ),
        Paragraph(
            text(
                "Extra admins: ",
                *(_joined_mentions(community.admin_ids) or ["none (platform admins only)"]),
            )
        ),
        Small(wording("Change with `/givefirst config SETTING …` (admins only).")),
    )


def _joined_mentions(user_ids: Sequence[str]) -> list[str | Mention]:
    out: list[str | Mention] = []
    for i, uid in enumerate(user_ids):
        out.extend([", "] if i else [])
        out.append(Mention(uid))
    return out
