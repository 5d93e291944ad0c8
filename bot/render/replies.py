"""Replies to the member who acted: help, settings, their balance, their data, and
what became of what they typed."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import actions as a
from bot.domain import Ask, Community, Introduction, Member, Offer
from bot.messages import (
    Attachment,
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
    message,
    text,
    wording,
)
from bot.ports import DeliveryFailed, DeliveryProblem
from bot.render.posts import skills_line
from bot.render.rounds import schedule as round_schedule
from bot.render.voice import joined_mentions, reply, say
from bot.text import day, has_mass_mention, plural, shorten

HELP = (
    ("/offer TEXT", "share something you can help with; #tags become skills"),
    ("/ask TEXT", "ask for help; `/ask private: TEXT` keeps it out of the channel"),
    ("/skills add|remove|list", "your skill profile, used to suggest you as a helper"),
    ("/thanks @member NOTE", "say thank you in public"),
    ("/givefirst me", "your open offers, asks, introductions and private balance"),
    ("/givefirst pause [days] | resume", "take a break from being suggested"),
    ("/givefirst thanks public|private", "whether thanks to you appear in the digest"),
    (
        "/givefirst rounds join | leave | skip",
        "give-first rounds: meet someone new every few weeks",
    ),
    ("/givefirst rounds never @member", "never be paired with someone in rounds (private)"),
    ("/givefirst export | forget-me", "get a copy of your data, or erase it"),
    ("/givefirst config …", "admins: channel, digest day and hour, capacity, expiry"),
    ("/givefirst dashboard", "admins: a sign-in link to how the community is doing"),
)


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
        Paragraph(
            text(f"Capacity: {plural(community.capacity, 'new introduction')} per helper per week")
        ),
        Paragraph(
            text(
                f"Give-first rounds: {round_schedule(community)}"
                + (
                    f"; no pair meets twice within {community.rounds_window} rounds"
                    if community.rounds_on
                    else ""
                )
            )
        ),
        Paragraph(
            text(
                "Introduction requests expire after "
                f"{plural(community.intro_expiry_days, 'day')}; "
                f"follow-up after {plural(community.follow_up_days, 'day')}"
            )
        ),
        Paragraph(
            text(
                "Extra admins: ",
                *(joined_mentions(community.admin_ids) or ["none (platform admins only)"]),
            )
        ),
        Paragraph(
            text(
                "Skill aliases: "
                + (
                    ", ".join(
                        f"{alias} → {skill}" for alias, skill in sorted(community.aliases.items())
                    )
                    or "none"
                )
            )
        ),
        Small(wording("Change with `/givefirst config SETTING …` (admins only).")),
    )


def offer_shared(user_id: str, offer: Offer) -> Message:
    return message(
        Ephemeral(user_id),
        Paragraph(text("🎁 Thank you for giving first! Your offer is shared with the community.")),
        Small(skills_line(offer.skills)),
        Small(
            wording(
                "Tags not right? Add #tags to your text, or shape your profile with "
                "`/skills add …`."
            )
        ),
        no_ping_note(offer.text, "offer"),
    )


def ask_saved(suggestions: Message, ask: Ask, *, has_offered: bool) -> Message:
    """The asker's reply: their ask is saved (or shared), with its suggestions."""
    heading = (
        "🔒 Your private ask is saved — only you and the people you choose will see it."
        if ask.private
        else "🙋 Your ask is shared with the community."
    )
    nudge = None
    if not has_offered:
        nudge = Small(
            wording(
                "💡 givefirst works best when everyone gives: what could you help others with? "
                "Share it with `/offer` — even something small."
            )
        )
    return message(
        suggestions.to,
        Paragraph(text(heading)),
        *suggestions.blocks,
        None if ask.skills else Small(skills_line(ask.skills)),
        nudge,
        no_ping_note(ask.text, "ask"),
    )


def thanks_sent(member: Member, note: str, *, public: bool) -> Message:
    """To the member who said thanks (in the channel, where a mass mention would ping
    everyone, if ``public``)."""
    said = reply(member, "🙏 Thank you for saying thanks — it means a lot.")
    return message(said.to, *said.blocks, no_ping_note(note, "thank-you note") if public else None)


def no_ping_note(body: str, what: str) -> Small | None:
    if not has_mass_mention(body):
        return None
    return Small(
        text(
            f"Note: I share your {what} without pinging anyone, so @everyone, @here and "
            "@channel in it are shown as plain words."
        )
    )


def balance(
    user_id: str,
    member: Member,
    *,
    now: datetime,
    given: tuple[int, int, int],
    received: tuple[int, int, int],
    open_offers: list[Offer],
    open_asks: list[Ask],
    awaiting: list[tuple[Introduction, Member]],
    waiting_on: Sequence[tuple[Introduction, Member]] = (),
) -> Message:
    """A member's private balance and open items (``/givefirst me``, the home tab):
    ``awaiting`` their answer, and the requests they are ``waiting_on`` others for."""
    offers, helped, thanked = given
    asks, introduced, thanks = received
    blocks: list[Any] = [
        Heading(text("Your give-first balance (only you see this)")),
        Paragraph(
            text(
                f"Given: {plural(offers, 'offer')}, "
                f"{plural(helped, 'introduction')} as a helper, "
                f"{plural(thanked, 'thank-you')} sent. "
                f"Asked for help {plural(asks, 'time')}; received "
                f"{plural(introduced, 'introduction')}, {plural(thanks, 'thank-you')}."
            )
        ),
    ]
    # With several items, each is numbered and its buttons say which item is theirs
    # (on Discord the buttons all sit under the message).
    several = len(open_offers) + len(open_asks) + len(awaiting) > 1
    numbers = itertools.count(1)

    def number() -> str:
        return f" #{next(numbers)}" if several else ""

    for offer in open_offers:
        n = number()
        blocks += [
            Paragraph(text(f"🎁 Open offer{n}:")),
            Quote(text(shorten(offer.text, 200))),
            Buttons((Button(f"Withdraw{n}", a.ACTION_WITHDRAW, str(offer.id)),)),
        ]
    for ask in open_asks:
        n = number()
        label = f"🔒 Private ask{n}:" if ask.private else f"🙋 Open ask{n}:"
        blocks += [
            Paragraph(text(label)),
            Quote(text(shorten(ask.text, 200))),
            Buttons(
                (
                    Button(f"Solved{n} ✅", a.ACTION_SOLVE, str(ask.id), ButtonStyle.PRIMARY),
                    Button(f"Close{n}", a.ACTION_CLOSE, str(ask.id)),
                )
            ),
        ]
    if waiting_on:
        asked: list[str | Span] = ["⏳ Waiting for an answer from "]
        for i, (intro, other) in enumerate(waiting_on):
            asked += [", " if i else "", Mention(other.mention_id, other.name)]
            asked.append(f" (until {day(intro.expires_at, now)})")
        blocks.append(Small(text(*asked, ".")))
    for intro, other in awaiting:
        n = number()
        blocks += [
            Paragraph(
                text(
                    f"⏳ Waiting for your answer{n}: an introduction with ",
                    Mention(other.mention_id),
                )
            ),
            Buttons(
                (
                    Button(f"Accept{n}", a.ACTION_ACCEPT, str(intro.id), ButtonStyle.PRIMARY),
                    Button(f"Decline{n}", a.ACTION_DECLINE, str(intro.id)),
                )
            ),
        ]
    if member.is_paused(now) and member.paused_until is not None:
        blocks += [
            Small(
                text(
                    f"⏸ Paused until {day(member.paused_until, now)} — "
                    "you won't be suggested as a helper."
                )
            ),
            Buttons((Button("Resume", a.ACTION_RESUME, ""),)),
        ]
    else:
        blocks += [Buttons((Button("Pause for 2 weeks", a.ACTION_PAUSE, "14"),))]
    return message(Ephemeral(user_id), *blocks)


def forget_confirmation(user_id: str) -> Message:
    return message(
        Ephemeral(user_id),
        Paragraph(
            wording(
                "⚠️ This erases your profile, offers, asks, introductions' details and "
                "thank-you notes, and removes my posts about you. It can't be undone. "
                "Want a copy first? Use `/givefirst export`."
            )
        ),
        Buttons((Button("Erase my data", a.ACTION_FORGET, "", ButtonStyle.DANGER),)),
    )


def export(user_id: str, document: str) -> Message:
    return message(
        DirectMessage((user_id,)),
        Paragraph(text("📦 Here is everything givefirst stores about you.")),
        Attachment("givefirst-export.json", document),
    )


def could_not_save(user_id: str) -> Message:
    """The database is out of reach for a moment: nothing was changed."""
    return say(
        Ephemeral(user_id),
        "⏳ I couldn't save that — please try again in a minute.",
    )


def went_wrong(user_id: str) -> Message:
    """Something unexpected failed on givefirst's side: nothing was changed."""
    return say(
        Ephemeral(user_id),
        "😬 Something went wrong on my side and nothing was changed. Please try again in a moment.",
    )


def chosen(label: str) -> Text:
    """What replaces the buttons of a question once a member's answer is taken."""
    return text(f"✓ You chose: {label}")


def undeliverable(failure: DeliveryFailed, msg: Message, user_id: str) -> Message:
    """An ephemeral note to the member who acted, saying what didn't arrive and what to do."""
    to = Ephemeral(user_id)
    match failure.problem:
        case DeliveryProblem.DM_CLOSED if isinstance(msg.to, DirectMessage):
            unreachable = failure.users or msg.to.user_ids
            if user_id in unreachable:
                intro = "I couldn't send you a direct message (your DMs are closed), so here it is:"
                check = Button("I've opened my DMs", a.ACTION_CHECK_DMS, "")
                return message(to, Paragraph(text(intro)), *msg.blocks, Buttons((check,)))
            names = [part for user in unreachable for part in (Mention(user), " ")]
            return say(
                to,
                "I couldn't send a direct message to ",
                *names,
                "— their DMs are closed. You could mention them in a channel instead.",
            )
        case DeliveryProblem.NOT_IN_CHANNEL | DeliveryProblem.CHANNEL_NOT_FOUND if isinstance(
            msg.to, ChannelPost
        ):
            return say(
                to,
                "I couldn't post in the community channel — I'm not a member of it or can't "
                "see it. Add me to the channel (on Slack: `/invite @givefirst`), or ask an "
                "admin to set another one with `/givefirst config channel #channel`.",
            )
        case DeliveryProblem.MISSING_PERMISSION:
            return say(
                to,
                "I'm missing a permission to do that. An admin can reinstall or re-invite "
                "me with the permissions listed in the README.",
            )
    return message(
        to,
        Paragraph(
            text("I couldn't deliver one of my messages. Your action was saved all the same.")
        ),
    )
