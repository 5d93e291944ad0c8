"""Introductions in words: suggestions, the double opt-in, the introduction itself,
follow-ups and thanks, and why a pairing is not possible."""

from __future__ import annotations

from bot import actions as a
from bot.domain import Ask, AskStatus, Introduction, Member, Offer, Outcome
from bot.domain.pairing import Obstacle
from bot.messages import (
    Button,
    Buttons,
    ButtonStyle,
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
)
from bot.render.voice import reply, say, who
from bot.text import plural, shorten

VOLUNTEERED = "volunteered"
"""The reason kept for an introduction a helper offered to an ask by themselves."""


def consent_request(
    intro: Introduction,
    requester: Member,
    recipient: Member,
    about: str,
    *,
    volunteered: bool,
    private: bool = False,
) -> Message:
    """The DM asking the other party for their half of the double opt-in (``private``:
    about a private ask, which the recipient is told to keep to themselves)."""
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
        Small(text("🔒 A private ask: only you and ", who(requester), " see it."))
        if private
        else None,
        Small(text(f"Why you: {intro.reason}")) if intro.reason and not volunteered else None,
        Small(
            text(
                "Nobody is introduced unless you both say yes. This request expires ",
                f"{intro.expires_at:%a %d %b}.",
            )
        ),
        Buttons(
            (
                Button(yes, a.ACTION_ACCEPT, str(intro.id), ButtonStyle.PRIMARY),
                Button(no, a.ACTION_DECLINE, str(intro.id)),
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
        _why_matched(intro, helper),
        Paragraph(
            text(
                "You both said yes, so over to you — a short call or a few messages is plenty. ",
                f"I'll check in in {plural(follow_up_days, 'day')} to hear how it went.",
            )
        ),
    )


def _why_matched(intro: Introduction, helper: Member) -> Small | None:
    """The reason for an introduction, as both members read it: a request for an offer
    needs none (the offer is quoted above it), and the reason stored for the helper's
    consent ("you offered …") is not said to the asker."""
    if not intro.reason or (intro.offer_id is not None and intro.ask_id is None):
        return None
    if intro.reason == VOLUNTEERED:
        return Small(text("Why I matched you: ", who(helper), " offered to help with this ask."))
    return Small(text(f"Why I matched you: {intro.reason}"))


def follow_up(intro: Introduction, asker: Member, helper: Member) -> Message:
    def answer(outcome: Outcome) -> str:
        return a.outcome_value(intro.id, outcome)

    return message(
        DirectMessage((asker.mention_id,)),
        Paragraph(text("👋 Did you connect with ", who(helper), "? Did it help?")),
        Buttons(
            (
                Button(
                    "It helped 🎉",
                    a.ACTION_OUTCOME,
                    a.outcome_value(intro.id, Outcome.HELPED),
                    ButtonStyle.PRIMARY,
                ),
                Button("Not yet", a.ACTION_OUTCOME, a.outcome_value(intro.id, Outcome.NOT_YET)),
                Button(
                    "It didn't work out",
                    a.ACTION_OUTCOME,
                    a.outcome_value(intro.id, Outcome.DIDNT_WORK),
                ),
            )
        ),
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


def thank_prompt(user_id: str, helper: Member, intro: Introduction) -> Message:
    """To the member who was helped: an invitation to thank their helper."""
    return message(
        Ephemeral(user_id),
        Paragraph(text("Would you like to thank ", who(helper), "?")),
        Buttons((Button("Say thanks 🙏", a.ACTION_THANK, str(intro.id), ButtonStyle.PRIMARY),)),
    )


def request_sent(asker: Member, helper: Member) -> Message:
    return reply(
        asker, "✉️ I've asked ", who(helper), " — I'll introduce you as soon as they say yes."
    )


def volunteered(helper: Member, asker: Member) -> Message:
    return reply(
        helper,
        "💛 Thank you for offering! I've asked ",
        who(asker),
        " — you'll be introduced if they say yes.",
    )


def request_withdrawn(helper: Member, asker: Member, ask: Ask, *, volunteered: bool) -> Message:
    """To the helper a request was waiting for, or who offered to help: the ask it was
    about is solved or closed, so there is nothing to answer (or to wait for)."""
    done = "solved" if ask.status is AskStatus.SOLVED else "closed"
    about = () if ask.private else ("“", shorten(ask.text, 60), "” ")
    then = (
        "so no introduction is needed after all. Thank you for offering!"
        if volunteered
        else "so nothing waits for your answer any more — nobody was introduced. "
        "Thank you for being there!"
    )
    return message(
        DirectMessage((helper.mention_id,)),
        Paragraph(text("🙏 ", who(asker), "'s ask ", *about, f"is {done}, ", then)),
    )


def introduced(member: Member, other: Member) -> Message:
    return reply(member, "🤝 Done — I've introduced you to ", who(other), ".")


def declined(member: Member) -> Message:
    return reply(
        member, "No problem — thanks for letting me know. I won't suggest this pairing again."
    )


def not_needed(helper: Member) -> Message:
    """To a member who volunteered, when the asker said no."""
    return say(
        DirectMessage((helper.mention_id,)),
        "Thank you for offering to help! This time it isn't needed — "
        "your kindness is noted all the same 💛",
    )


def asker_not_answering(helper: Member) -> Message:
    """To a member who volunteered, when the asker let the request expire."""
    return say(
        DirectMessage((helper.mention_id,)),
        "Thank you for offering to help! The asker didn't answer in time, so I've "
        "closed the request — your kindness is noted 💛",
    )


def helper_answer(helper: Member, why: str) -> Text:
    """The lead of a note to the asker about a helper's answer (or silence)."""
    return text(who(helper), f" {why}")


def nobody_else_yet(asker: Member, late: Member, days: int) -> Message:
    return message(
        DirectMessage((asker.mention_id,)),
        Paragraph(
            text(
                who(late),
                f" didn't answer within {plural(days, 'day')} and nobody else fits "
                "yet — I'll tell you when someone can help.",
            )
        ),
    )


def asked_instead(asker: Member, late: Member, helper: Member, days: int) -> Message:
    return message(
        DirectMessage((asker.mention_id,)),
        Paragraph(
            text(
                who(late),
                f" didn't answer within {plural(days, 'day')}, so I've asked ",
                who(helper),
                " instead. I'll introduce you if they say yes.",
            )
        ),
    )


def reminder(request: Message) -> Message:
    """A consent request again, halfway to its expiry."""
    return message(
        request.to,
        Paragraph(text("⏰ A gentle reminder — this is still waiting for your answer.")),
        *request.blocks,
    )


def outcome_reply(member: Member, outcome: Outcome, follow_up_days: int) -> Message:
    match outcome:
        case Outcome.HELPED:
            return reply(member, "🎉 So glad it helped!")
        case Outcome.NOT_YET:
            return reply(member, f"OK — I'll check in again in {plural(follow_up_days, 'day')}.")
    return reply(member, "Sorry it didn't work out. Thanks for telling me.")


def obstacle(found: Obstacle, helper: Member) -> tuple[str | Span, ...]:
    """Why a pairing is not possible, for the member who asked for it."""
    them = Mention(helper.mention_id)
    match found:
        case Obstacle.SAME_PERSON:
            return ("You can't be introduced to yourself.",)
        case Obstacle.GONE:
            return ("That member isn't here any more.",)
        case Obstacle.TAKING_A_BREAK:
            return (them, " is taking a break right now — try someone else.")
        case Obstacle.DMS_CLOSED:
            return (
                "I can't reach ",
                them,
                " by direct message right now (their DMs are closed), so I can't ask them "
                "for you — try someone else, or mention them in a channel.",
            )
        case Obstacle.DECLINED_BEFORE:
            return ("That pairing isn't possible — try someone else.",)
        case Obstacle.ALREADY_INTRODUCED:
            return ("There's already an introduction between you two for this.",)
        case Obstacle.RAN_ITS_COURSE:
            return ("That request already ran its course — try someone else.",)
        case Obstacle.BUSY_WEEK:
            return (
                them,
                " has as many introductions this week as each member takes on — try "
                "someone else, or ask again next week.",
            )
