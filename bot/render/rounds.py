"""Give-first rounds in words: the announcement, members' replies, each pair's (or
trio's) introduction, "did you meet?", and the lines for the digest (an operator's
preview of the next round is in :mod:`bot.render.round_preview`).

A member's never list is only ever shown to that member, in an ephemeral reply."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot import actions as a
from bot.domain import Community, Member
from bot.domain.pairing import Obstacle
from bot.messages import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    ChannelPost,
    DirectMessage,
    Ephemeral,
    Heading,
    Mention,
    Message,
    Paragraph,
    Quote,
    Small,
    Span,
    Strong,
    message,
    text,
    wording,
)
from bot.render.voice import reply, say, who
from bot.text import plural, shorten

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Giving:
    """One member could give another something they asked for, for the words."""

    giver: Member
    receiver: Member
    ask: str
    reasons: tuple[str, ...]


def join_button() -> Button:
    return Button("Join the rounds ☕", a.ACTION_ROUND_JOIN, "", ButtonStyle.PRIMARY)


def schedule(community: Community) -> str:
    """``every 2 weeks on Mondays at 10:00 (Europe/Berlin), in pairs``."""
    if not community.rounds_on:
        return "off"
    weeks = community.rounds_every_weeks
    every = "every week" if weeks == 1 else f"every {weeks} weeks"
    size = "pairs" if community.rounds_size == 2 else "groups of three"
    return (
        f"{every} on {DAYS[community.rounds_weekday]}s at {community.rounds_hour:02d}:00 "
        f"({community.timezone}), in {size}"
    )


def announcement(community: Community, first: datetime | None) -> Message:
    """Posted when an admin turns rounds on."""
    every = schedule(community)
    return message(
        ChannelPost(),
        Heading(text("☕ Give-first rounds are starting")),
        Paragraph(
            text(
                f"{every[:1].upper()}{every[1:]}, I'll introduce everyone who joined to "
                "someone they haven't met yet — chosen for what you could give each other."
            )
        ),
        Small(text(f"First round: {first:%a %d %b}.")) if first else None,
        Small(
            wording(
                "Join with the button or `/givefirst rounds join`; sit one out with "
                "`/givefirst rounds skip`, or leave with `/givefirst rounds leave`."
            )
        ),
        Buttons((join_button(),)),
    )


def when(next_at: datetime | None) -> str:
    return f" The next round is on {next_at:%a %d %b}." if next_at else ""


def left_out_note(found: Obstacle | None, member: Member) -> str:
    """Why a member who joined sits rounds out for now, if they do."""
    match found:
        case Obstacle.TAKING_A_BREAK if member.paused_until:
            return (
                f" You're on a break until {member.paused_until:%a %d %b}, so you'll sit out "
                "rounds until then (`/givefirst resume` ends it)."
            )
        case Obstacle.DMS_CLOSED:
            return (
                " Introductions arrive by direct message and yours are closed, so you'll sit "
                "out rounds until they're open again."
            )
    return ""


def joined(
    member: Member,
    next_at: datetime | None,
    found: Obstacle | None,
    *,
    was_skipping: bool = False,
    already: bool = False,
) -> Message:
    if was_skipping:
        opening = "☕ You're back in for the next round: it is no longer skipped."
    elif already:
        opening = "☕ You're already in: I'll introduce you to someone new each round."
    else:
        opening = "☕ You're in! I'll introduce you to someone new each round."
    return reply(member, opening, when(next_at), left_out_note(found, member))


def rounds_are_off(member: Member) -> Message:
    return reply(
        member,
        "Give-first rounds aren't on in this community yet. An admin can start them with "
        "`/givefirst config rounds every 2 weeks monday 10:00`.",
    )


def status(
    member: Member,
    community: Community,
    *,
    taking_part: bool,
    skipping: bool,
    next_at: datetime | None,
    found: Obstacle | None,
    never: Sequence[Member],
) -> Message:
    """A member's own view of the rounds; their never list is shown to them alone."""
    if not taking_part:
        state = "You're not in the rounds — `/givefirst rounds join` to take part."
    elif skipping:
        state = "You're in, and sitting out the next round."
    else:
        state = "You're in." + left_out_note(found, member)
    names: list[str | Span] = []
    for i, other in enumerate(never):
        names += [", " if i else "", Mention(other.mention_id)]
    return message(
        Ephemeral(member.mention_id),
        Heading(text("☕ Give-first rounds")),
        Paragraph(text(f"Rounds: {schedule(community)}.", when(next_at))),
        Paragraph(wording(state)),
        Paragraph(text("Never paired with (only you see this): ", *names)) if never else None,
        Small(
            wording(
                "`/givefirst rounds skip` sits out the next round · `leave` · "
                "`never @member` keeps you apart, privately · `never remove @member`"
            )
        ),
    )


def left(member: Member) -> Message:
    return reply(member, "👋 You've left the rounds. `/givefirst rounds join` brings you back.")


def partner_left(member: Member) -> Message:
    """To the rest of a round's group, when one of them uses forget-me before it met."""
    return say(
        DirectMessage((member.mention_id,)),
        "👋 Someone in your give-first round group has left givefirst, so they won't be "
        "there. Nothing else changes for you.",
    )


def not_in_rounds(member: Member) -> Message:
    return reply(member, "You're not in the rounds. Join with `/givefirst rounds join`.")


def skipping(member: Member, next_at: datetime | None) -> Message:
    day = f" on {next_at:%a %d %b}" if next_at else ""
    return reply(member, f"⏭ You'll sit out the next round{day}, and be back for the one after.")


def never_added(member: Member, other: Member) -> Message:
    return reply(
        member,
        "🔒 Noted: you and ",
        who(other),
        " won't be paired in rounds. Only you know — nobody is told.",
    )


def never_removed(member: Member, other: Member) -> Message:
    return reply(member, "OK — you and ", who(other), " may be paired in rounds again.")


def never_not_listed(member: Member, other: Member) -> Message:
    return reply(
        member, who(other), " isn't on your never list: you two may already be paired in rounds."
    )


def introduction(
    group_id: int,
    members: Sequence[Member],
    givings: Sequence[Giving],
    why: Sequence[str],
    follow_up_at: datetime,
) -> Message:
    """One message to the whole pair or trio (one DM each where groups can't be opened)."""
    names: list[str | Span] = []
    for i, member in enumerate(members):
        names += [", " if 0 < i < len(members) - 1 else " and " if i else "", who(member)]
    blocks: list[Block | None] = [
        Heading(text("☕ Give-first round: ", *names, ", meet each other!")),
        Small(text("Why you: ", "; ".join(why))) if why else None,
    ]
    for giving in givings:
        reasons = "; ".join(giving.reasons)
        blocks += [
            Paragraph(
                text(
                    "🎁 ",
                    who(giving.giver),
                    " could give ",
                    who(giving.receiver),
                    " a hand with what they asked",
                    f" ({reasons})" if reasons else "",
                    ":",
                )
            ),
            Quote(text(shorten(giving.ask, 200))),
        ]
    if not givings:
        nobody = "Neither" if len(members) == 2 else "None"
        others = "the other offers" if len(members) == 2 else "the others offer"
        blocks.append(
            Paragraph(
                text(
                    f"{nobody} of you has asked for anything {others} yet — find out what "
                    "each of you is working on and what would help."
                )
            )
        )
    blocks += [Paragraph(text(Strong("Ice-breakers")))]
    # One opening line per ask: in a trio, two members may help with the same one.
    openers = list({(g.receiver.id, g.ask): g for g in reversed(givings)}.values())[::-1]
    for giving in openers[:2]:
        blocks += [
            Small(text(who(giving.giver), " could open with:")),
            Quote(
                text(
                    f"Hi {giving.receiver.name}! I saw you asked about "
                    f"“{shorten(giving.ask, 80)}” — I might be able to help. "
                    "Fancy a 20-minute call this week?"
                )
            ),
        ]
    blocks += [
        Quote(
            text(
                "Hi! We were paired for this give-first round. What are you working on at the "
                "moment, and what would make your week easier?"
            )
        ),
        Small(text(f"I'll ask on {follow_up_at:%a %d %b} whether you met.")),
        Buttons(
            (
                Button("We met 🎉", a.ACTION_ROUND_MET, str(group_id), ButtonStyle.PRIMARY),
                Button("Not this time", a.ACTION_ROUND_NOT_MET, str(group_id)),
                Button("Skip next round", a.ACTION_ROUND_SKIP, ""),
            )
        ),
    ]
    return message(DirectMessage(tuple(m.mention_id for m in members)), *blocks)


def new_tie(members: Sequence[Member]) -> str:
    return "you've never been introduced" if len(members) == 2 else "none of you have met"


def met_before(members: Sequence[Member]) -> str:
    """For a group whose members all met before (repeats are allowed once everyone new
    was met): said, not presented as new."""
    return (
        "you've been introduced before: a good moment to catch up"
        if len(members) == 2
        else "you've all been introduced before: a good moment to catch up"
    )


def awake_together(hours: float, zones: Sequence[str]) -> str:
    return f"awake at the same time for {hours:.0f} hours a day ({', '.join(zones)})"


def alone(member: Member) -> Message:
    return say(
        DirectMessage((member.mention_id,)),
        "☕ Nobody else joined this give-first round, so there's nobody to introduce you to "
        "this time. Know someone who'd enjoy it? They can join with `/givefirst rounds join`.",
    )


def unplaced(member: Member) -> Message:
    return say(
        DirectMessage((member.mention_id,)),
        "☕ I couldn't find anyone for you in this round: the members you could be paired "
        "with have met you recently, or can't be paired with you this time. So you sit this "
        "one out, and stay in the rounds: as more members join, there's more room.",
    )


def on_a_break(member: Member) -> Message:
    until = f" until {member.paused_until:%a %d %b}" if member.paused_until else ""
    return say(
        DirectMessage((member.mention_id,)),
        f"☕ A give-first round started; you're on a break{until}, so you sit rounds out "
        "till then. `/givefirst resume` brings you back.",
    )


def follow_up(group_id: int, members: Sequence[Member], slot: datetime) -> Message:
    """Whether a group met, naming the round: two rounds' questions can arrive together."""
    names: list[str | Span] = []
    for i, member in enumerate(members):
        names += [", " if 0 < i < len(members) - 1 else " and " if i else "", who(member)]
    return message(
        DirectMessage(tuple(m.mention_id for m in members)),
        Paragraph(text("👋 Did ", *names, f" meet for the give-first round of {slot:%d %b}?")),
        Buttons(
            (
                Button("We met 🎉", a.ACTION_ROUND_MET, str(group_id), ButtonStyle.PRIMARY),
                Button("Not this time", a.ACTION_ROUND_NOT_MET, str(group_id)),
                Button("Skip next round", a.ACTION_ROUND_SKIP, ""),
            )
        ),
    )


def outcome(member: Member, met: bool) -> Message:
    if met:
        return reply(member, "🎉 Lovely — thanks for telling me. Glad you met!")
    return reply(member, "No worries — thanks for telling me. Maybe next round!")


def digest_lines(slot: datetime, met: int, groups: int, *, join: bool) -> tuple[Block, ...]:
    """The digest's rounds section: how many met, never who."""
    return (
        Paragraph(
            text(
                Strong("☕ Give-first round"),
                f" of {slot:%d %b}: {met} of {plural(groups, 'group')} met.",
            )
        ),
        *((Buttons((join_button(),)),) if join else ()),
    )


def digest_invitation(next_at: datetime | None) -> tuple[Block, ...]:
    """The digest's rounds section before any round can be told about."""
    return (
        Paragraph(
            text(
                Strong("☕ Give-first rounds"),
                ": meet someone new who could help you, and whom you could help.",
                when(next_at),
            )
        ),
        Buttons((join_button(),)),
    )
