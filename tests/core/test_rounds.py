"""Give-first rounds, as a community lives them: joining, being introduced to someone
new every round, sitting one out, keeping apart, saying whether you met."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

from bot.commands import Actor
from bot.messages import Attachment, ChannelPost, DirectMessage, Message
from tests.core.conftest import COMMUNITY, Town

WEEK = timedelta(weeks=1)


async def rounds_on(town: Town, schedule: str = "every 1 week monday 10:00") -> None:
    """The clock starts on a Monday at 09:00 UTC: the first round is an hour away."""
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("admin", f"/givefirst config rounds {schedule}")


async def join(town: Town, *members: str) -> None:
    for member in members:
        await town.say(member, "/givefirst rounds join")


async def next_round(town: Town) -> list[Message]:
    """Let the next round start; the round's introductions, and its other DMs."""
    before = len(town.chat.sent)
    start = town.clock.now().replace(hour=10, minute=0)
    while start <= town.clock.now() or start.weekday() != 0:
        start += timedelta(days=1)
    town.clock.set(start + timedelta(minutes=1))
    await town.run_due_work()
    return [s.message for s in town.chat.sent[before:] if isinstance(s.message.to, DirectMessage)]


def groups(messages: list[Message]) -> list[frozenset[str]]:
    return [
        frozenset(m.to.user_ids)
        for m in messages
        if isinstance(m.to, DirectMessage) and "meet each other" in m.as_plain_text()
    ]


async def test_an_admin_starts_rounds_and_members_join_with_the_button(town: Town) -> None:
    await rounds_on(town)
    [announcement] = [m for m in town.channel() if "Give-first rounds are starting" in m.summary]
    body = announcement.as_plain_text()
    assert "Every week on Mondays at 10:00 (UTC), in pairs" in body
    assert "First round: Mon 05 Jan" in body
    await town.press("ana", "Join the rounds")
    assert "You're in!" in town.last_to("ana")
    await town.say("ben", "/givefirst rounds")
    assert "You're not in the rounds" in town.last_to("ben")


async def test_a_round_introduces_members_who_could_give_each_other_something(town: Town) -> None:
    await rounds_on(town)
    await town.say("ana", "/offer I can debug Kubernetes deployments #kubernetes")
    await town.say("ben", "/ask could someone help me deploy to kubernetes?")
    await town.say("ben", "/offer happy to review resumes #resume")
    await town.say("ana", "/ask help with my CV please #resume")
    await town.say("cy", "/offer I bake sourdough bread")
    await join(town, "ana", "ben", "cy", "dee")

    round_one = await next_round(town)
    assert sorted(len(g) for g in groups(round_one)) == [2, 2], "two pairs"
    assert frozenset({"ana", "ben"}) in groups(round_one), "Ana can give Ben what he asked for"
    [intro] = [m for m in round_one if set(m.to.user_ids) == {"ana", "ben"}]  # type: ignore[union-attr]
    body = intro.as_plain_text()
    assert "@ana could give @ben a hand" in body
    assert "could someone help me deploy to kubernetes?" in body
    assert "@ben could give @ana a hand" in body, "and the other way round"
    assert "help with my CV please" in body
    assert "you've never been introduced" in body
    assert "Ice-breakers" in body
    assert [b.label for b in intro.buttons] == ["We met 🎉", "Not this time", "Skip next round"]
    [other] = [m for m in round_one if set(m.to.user_ids) == {"cy", "dee"}]  # type: ignore[union-attr]
    # Nobody in this pair can give the other what they asked for; that is all it says.
    assert "Neither of you has asked for anything the other offers yet" in other.as_plain_text()


async def test_an_odd_count_makes_one_trio_and_a_lone_member_is_told(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana")
    [alone] = await next_round(town)
    assert alone.to == DirectMessage(("ana",))
    assert "Nobody else joined" in alone.as_plain_text()

    await join(town, "ben", "cy", "dee", "eve")
    made = groups(await next_round(town))
    assert sorted(len(g) for g in made) == [2, 3], "five make a pair and one trio"
    assert set().union(*made) == {"ana", "ben", "cy", "dee", "eve"}, "nobody is left out"


async def test_no_pair_meets_twice_within_the_window_and_a_never_stays_private(
    town: Town,
) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben", "cy", "dee")
    await town.say("ana", "/givefirst rounds never @ben")
    assert "Only you know" in town.last_to("ana")
    assert all("ana" not in plain for plain in map(Message.as_plain_text, town.seen_by("ben")))

    met: list[frozenset[str]] = []
    for _ in range(3):
        dms = await next_round(town)
        for group in groups(dms):
            assert frozenset({"ana", "ben"}) != group, "a pair someone ruled out never meets"
            for pair in itertools.combinations(sorted(group), 2):
                assert frozenset(pair) not in met, f"{pair} met twice within six rounds"
                met.append(frozenset(pair))
    # Round three: every pair Ana or Ben may join has met, so only Cy and Dee meet, and
    # Ana and Ben are told rather than silently left out.
    assert "couldn't find anyone for you" in town.last_to("ana")
    assert "couldn't find anyone for you" in town.last_to("ben")

    await town.say("ana", "/givefirst rounds")
    assert "Never paired with (only you see this): @ben" in town.last_to("ana")


async def test_skipping_sits_out_one_round_only(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben", "cy")
    await town.say("cy", "/givefirst rounds skip")
    assert "sit out the next round on Mon 05 Jan" in town.last_to("cy")
    assert groups(await next_round(town)) == [frozenset({"ana", "ben"})]
    made = groups(await next_round(town))
    assert made and "cy" in made[0], "back for the round after"

    await town.press("cy", "Skip next round")
    assert "sit out the next round" in town.last_to("cy")
    assert all("cy" not in g for g in groups(await next_round(town)))


async def test_joining_again_says_whether_it_undid_a_skip(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben", "cy")
    await town.say("cy", "/givefirst rounds join")
    assert "You're already in" in town.last_to("cy")
    await town.say("cy", "/givefirst rounds skip")
    await town.say("cy", "/givefirst rounds join")
    assert "back in for the next round: it is no longer skipped" in town.last_to("cy")
    assert any("cy" in g for g in groups(await next_round(town)))


async def test_members_on_a_break_or_who_left_are_never_paired(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben", "cy", "dee", "eve")
    await town.say("dee", "/givefirst pause 30")
    await town.say("eve", "/givefirst forget-me confirm")
    dms = await next_round(town)
    assert groups(dms) == [frozenset({"ana", "ben", "cy"})]
    [told] = [m for m in dms if m.to == DirectMessage(("dee",))]
    assert "you're on a break until" in told.as_plain_text()
    assert all("eve" not in m.to.user_ids for m in dms)  # type: ignore[union-attr]

    dms = await next_round(town)
    assert not [m for m in dms if m.to == DirectMessage(("dee",))], "told once per break"


async def test_members_with_closed_direct_messages_sit_out(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben", "cy")
    town.chat.dm_closed.add("cy")
    async with town.unit_of_work() as uow:
        community = await uow.communities.get_by_key(COMMUNITY)
        assert community is not None and community.id is not None
        await uow.members.set_direct_messages_closed(community.id, ["cy"], closed=True)
        await uow.commit()
    assert groups(await next_round(town)) == [frozenset({"ana", "ben"})]
    await town.say("cy", "/givefirst rounds")
    told = [m.as_plain_text() for m in town.seen_by("cy")]
    assert any("Introductions arrive by direct message and yours are closed" in t for t in told)


async def test_we_met_the_follow_up_and_the_digest_line(town: Town) -> None:
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben", "cy", "dee")
    await next_round(town)
    [first, second] = groups(
        [s.message for s in town.chat.sent if isinstance(s.message.to, DirectMessage)]
    )
    one = sorted(first)[0]
    await town.press(one, "We met")
    assert "Glad you met" in town.last_to(one)

    town.clock.advance(timedelta(days=11))  # three days before the next round
    await town.run_due_work()
    asked = [
        s.message.to
        for s in town.chat.sent
        if isinstance(s.message.to, DirectMessage)
        and "meet for the give-first round" in s.message.summary
    ]
    assert [set(a.user_ids) for a in asked] == [set(second)], "only the pair that hasn't said"
    await town.press(sorted(second)[0], "Not this time")
    await town.say("ana", "/offer a quiet week needs one offer")
    town.clock.advance(timedelta(days=3))
    await town.run_due_work()
    digest = [m for m in town.channel() if "This week in give-first" in m.summary][-1]
    body = digest.as_plain_text()
    assert "Give-first round of 05 Jan: 1 of 2 groups met." in body
    assert "ana" not in body.split("Give-first round")[1].split("\n")[0], "no names"
    assert any(b.label.startswith("Join the rounds") for b in digest.buttons)

    health = await town.bot.health(COMMUNITY)
    assert health is not None
    [first_round] = [w.figures for w in health.weeks if w.start.isoformat() == "2026-01-05"]
    assert (first_round.round_groups, first_round.round_groups_met) == (2, 1)
    assert first_round.round_met_share == 0.5, "what the health figures say of the rounds"
    assert health.round_members == 4

    for member, group, outcome in ((one, first, "met"), (sorted(second)[0], second, "not_met")):
        await town.say(member, "/givefirst export")
        dm = next(m for m in reversed(town.dms_between(member)) if m.buttons == ())
        [attachment] = [b for b in dm.blocks if isinstance(b, Attachment)]
        exported, *later = json.loads(attachment.content)["rounds"]["groups"]  # oldest first
        assert all(g["round"] > exported["round"] and g["outcome"] is None for g in later)
        assert exported["round"].startswith("2026-01-05") and exported["outcome"] == outcome
        assert {name.lower() for name in exported["with"]} == set(group) - {member}


async def test_each_member_of_a_pair_keeps_their_own_answer(town: Town) -> None:
    """One says "We met", the other "Not this time": the pair counts as met (one of
    them says so), and each member's export says what they answered themselves."""
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben")
    await next_round(town)
    await town.press("ana", "We met")
    await town.press("ben", "Not this time")

    async def exported(member: str) -> dict[str, object]:
        await town.say(member, "/givefirst export")
        dm = next(m for m in reversed(town.dms_between(member)) if m.buttons == ())
        [attachment] = [b for b in dm.blocks if isinstance(b, Attachment)]
        group: dict[str, object] = json.loads(attachment.content)["rounds"]["groups"][0]
        return group

    assert (await exported("ana"))["your_answer"] == "met"
    ben = await exported("ben")
    assert (ben["your_answer"], ben["outcome"]) == ("not_met", "met")
    health = await town.bot.health(COMMUNITY)
    assert health is not None
    [week] = [w.figures for w in health.weeks if w.start.isoformat() == "2026-01-05"]
    assert (week.round_groups, week.round_groups_met) == (1, 1)

    await town.press("ana", "Not this time")  # she remembers it wrong: corrected
    assert ((await exported("ana"))["your_answer"], (await exported("ben"))["outcome"]) == (
        "not_met",
        "not_met",
    )
    health = await town.bot.health(COMMUNITY)
    assert health is not None
    [week] = [w.figures for w in health.weeks if w.start.isoformat() == "2026-01-05"]
    assert week.round_groups_met == 0, "nobody says they met now"


async def test_time_zones_are_respected_when_the_community_spans_them(town: Town) -> None:
    await rounds_on(town)
    zones = {
        "ana": "Asia/Tokyo",
        "ben": "America/Los_Angeles",
        "cy": "Asia/Tokyo",
        "dee": "America/Los_Angeles",
    }
    for member, zone in zones.items():
        actor = Actor(COMMUNITY, member, member.title(), timezone=zone, channel_id="general")
        await town.bot.slash_command(actor, "/givefirst", "rounds join", town.chat)
    made = groups(await next_round(town))
    assert sorted(made, key=sorted) == [frozenset({"ana", "cy"}), frozenset({"ben", "dee"})]


async def test_a_preview_shows_the_next_rounds_groups_and_sends_nothing(town: Town) -> None:
    await rounds_on(town)
    await town.say("ana", "/offer I can debug Kubernetes deployments #kubernetes")
    await town.say("ben", "/ask could someone help me deploy to kubernetes?")
    await join(town, "ana", "ben")
    sent = len(town.chat.sent)
    preview = await town.bot.round_preview(COMMUNITY)
    assert preview is not None
    body = preview.as_plain_text()
    assert "Next give-first round in console:test: Mon 05 Jan 10:00 (UTC)" in body
    assert "@ana (Ana) + @ben (Ben)" in body
    assert "Ana could help Ben with “could someone help me deploy to kubernetes?”" in body
    assert len(town.chat.sent) == sent
    assert isinstance(preview.to, ChannelPost)
    assert len(groups(await next_round(town))) == 1, "the round itself still happens"


async def test_a_preview_gives_the_rounds_time_on_the_community_s_clock(town: Town) -> None:
    await rounds_on(town, "every 2 weeks monday 10:00 Asia/Tokyo")
    preview = await town.bot.round_preview(COMMUNITY)
    assert preview is not None
    assert "10:00 (Asia/Tokyo)" in preview.as_plain_text()


async def test_a_preview_before_anyone_joined_says_so(town: Town) -> None:
    await rounds_on(town)
    preview = await town.bot.round_preview(COMMUNITY)
    assert preview is not None
    assert "Nobody has joined yet, so nobody would be introduced" in preview.as_plain_text()


async def test_a_declined_introduction_keeps_the_two_apart_in_rounds(town: Town) -> None:
    await town.say("ana", "/offer Happy to review resumes #resume")
    await town.say("dana", "/ask could someone look over my CV? #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Not this time")
    await rounds_on(town)
    await join(town, "ana", "ben", "cy", "dana")
    for _ in range(2):
        made = groups(await next_round(town))
        assert len(made) == 2
        assert frozenset({"ana", "dana"}) not in made, "a declined pairing is never proposed"


async def test_the_digest_invites_members_to_join_while_rounds_are_on(town: Town) -> None:
    await town.say("admin", "/givefirst config rounds every 2 weeks wednesday 10:00")
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("admin", "/givefirst config quiet-weeks post")
    town.clock.advance(WEEK)
    await town.run_due_work()
    digest = [m for m in town.channel() if "This week in give-first" in m.summary][-1]
    assert "Give-first rounds: meet someone new" in digest.as_plain_text()
    assert "The next round is on Wed 21 Jan." in digest.as_plain_text(), "the 7th had nobody"
    await town.press_button("ben", next(b for b in digest.buttons if b.label.startswith("Join")))
    assert "You're in!" in town.last_to("ben")


async def test_a_digest_posted_late_names_a_round_still_to_come(town: Town) -> None:
    """The bot was away when the week's digest was due and posts it days later: the
    round it invites members to is one that has not happened yet."""
    await town.say("admin", "/givefirst config rounds every 2 weeks wednesday 10:00")
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("admin", "/givefirst config quiet-weeks post")
    town.clock.advance(WEEK + timedelta(days=10))  # nothing ran for ten more days
    await town.run_due_work()
    digest = [m for m in town.channel() if "This week in give-first" in m.summary][-1]
    said = digest.as_plain_text()
    assert "The next round is on" in said
    assert "The next round is on Wed 21 Jan." not in said, "that day is already past"
    assert "The next round is on Wed 04 Feb." in said, said


async def test_rounds_in_threes_and_a_member_who_leaves_is_not_grouped(town: Town) -> None:
    await rounds_on(town)
    await town.say("admin", "/givefirst config rounds size 3")
    await join(town, "ana", "ben", "cy", "dee", "eve", "fay", "gus")
    await town.say("gus", "/givefirst rounds leave")
    assert "You've left the rounds" in town.last_to("gus")
    made = groups(await next_round(town))
    assert sorted(len(g) for g in made) == [3, 3], "six members in two trios"
    assert all("gus" not in g for g in made)


async def test_a_never_can_be_taken_back(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben")
    await town.say("ana", "/givefirst rounds never @ben")
    assert groups(await next_round(town)) == []
    await town.say("ana", "/givefirst rounds never remove @ben")
    assert "you and @ben may be paired in rounds again" in town.last_to("ana")
    await town.say("ana", "/givefirst rounds never remove @ben")
    assert "@ben isn't on your never list" in town.last_to("ana"), "not 'OK' for nothing"
    await town.say("ana", "/givefirst rounds")
    assert "Never paired with" not in town.last_to("ana")
    assert groups(await next_round(town)) == [frozenset({"ana", "ben"})]


async def test_rounds_turned_off_introduce_nobody(town: Town) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben")
    await town.say("admin", "/givefirst config rounds off")
    assert "Give-first rounds: off" in town.last_to("admin")
    assert groups(await next_round(town)) == []
    await town.say("cy", "/givefirst rounds join")
    said = town.last_to("cy")
    assert "Give-first rounds aren't on in this community" in said, said


async def test_a_partner_who_is_forgotten_before_the_check_in_is_said_to_have_left(
    town: Town,
) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben")
    assert groups(await next_round(town)) == [frozenset({"ana", "ben"})]
    await town.say("ana", "/givefirst rounds skip")
    await town.forget("ben")
    told = town.last_to("ana")
    assert "Someone in your give-first round group has left givefirst" in told
    assert "next round" not in told, "she is sitting the next one out: not 'in it as usual'"
    assert "ben" not in told.lower(), "not named: they asked to be forgotten"
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    assert not any("meet" in m.as_plain_text() for m in town.seen_by("ana")[-1:])


async def test_a_pair_that_said_not_this_time_is_not_asked_again_whether_it_met(
    town: Town,
) -> None:
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben", "cy", "dee")
    await next_round(town)
    [first, second] = groups(
        [s.message for s in town.chat.sent if isinstance(s.message.to, DirectMessage)]
    )
    await town.press(sorted(first)[0], "Not this time")
    town.clock.advance(timedelta(days=11))
    await town.run_due_work()
    asked = [
        set(s.message.to.user_ids)
        for s in town.chat.sent
        if isinstance(s.message.to, DirectMessage)
        and "meet for the give-first round" in s.message.summary
    ]
    assert asked == [set(second)], "only the pair that has not answered"


async def test_a_new_time_zone_or_schedule_moves_the_rounds_to_come_and_never_repeats_one(
    town: Town,
) -> None:
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben", "cy", "dee")
    round_one = await next_round(town)  # Monday 10:00 UTC
    assert len(groups(round_one)) == 2

    # An hour later the admin moves the community to New York, where Monday 10:00 is
    # still to come (15:00 UTC): that round ran already; the next is two weeks on.
    await town.say("admin", "/givefirst config timezone America/New_York")
    await town.say("ana", "/givefirst rounds")
    next_on = town.last_to("ana")
    two_weeks = town.clock.now() + 2 * WEEK
    assert f"{two_weeks:%a %d %b}" in next_on, next_on
    before = len(town.chat.sent)
    for _ in range(24 * 6):  # the rest of the day and the week, each hour
        town.clock.advance(timedelta(hours=1))
        await town.run_due_work()
    assert groups([s.message for s in town.chat.sent[before:]]) == []


async def test_rounds_set_again_at_a_later_hour_start_after_the_round_that_ran(
    town: Town,
) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben", "cy", "dee")
    assert len(groups(await next_round(town))) == 2
    town.clock.advance(timedelta(hours=1))
    await town.say("admin", "/givefirst config rounds every 1 week monday 16:00")
    await town.say("ana", "/givefirst rounds")
    assert f"{town.clock.now() + WEEK:%a %d %b}" in town.last_to("ana")
    before = len(town.chat.sent)
    town.clock.advance(timedelta(hours=6))  # 17:00
    await town.run_due_work()
    assert groups([s.message for s in town.chat.sent[before:]]) == []


async def test_a_rounds_result_is_posted_even_in_a_week_quiet_otherwise(town: Town) -> None:
    """A quiet week's digest is skipped (the default); one that can first tell how a
    round went is posted, or the result would never be told."""
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben", "cy", "dee")
    await next_round(town)
    [first, _] = groups(
        [s.message for s in town.chat.sent if isinstance(s.message.to, DirectMessage)]
    )
    await town.press(sorted(first)[0], "We met")
    town.clock.advance(timedelta(days=11))  # the groups are asked whether they met
    await town.run_due_work()
    digests = [m for m in town.channel() if "This week in give-first" in m.summary]
    town.clock.advance(timedelta(days=3))
    await town.run_due_work()
    [*_, digest] = [m for m in town.channel() if "This week in give-first" in m.summary]
    assert digest not in digests, "the week the result can first be told is posted"
    body = digest.as_plain_text()
    assert "Give-first round of 05 Jan: 1 of 2 groups met." in body
    assert "A quiet week" not in body and "New offers" not in body
    town.clock.advance(timedelta(days=7))  # a quiet week, the result told already: skipped
    await town.run_due_work()
    assert [m for m in town.channel() if "This week in give-first" in m.summary][-1] == digest


async def test_a_pair_that_meets_again_after_the_window_is_told_they_have_met(
    town: Town,
) -> None:
    await rounds_on(town)
    await join(town, "ana", "ben")
    first = await next_round(town)
    [intro] = [m for m in first if "meet each other" in m.as_plain_text()]
    assert "you've never been introduced" in intro.as_plain_text()
    again: list[Message] = []
    for _ in range(7):  # no pair meets twice within six rounds
        again = [m for m in await next_round(town) if "meet each other" in m.as_plain_text()]
        if again:
            break
    [repeat] = again
    body = repeat.as_plain_text()
    assert "you've been introduced before: a good moment to catch up" in body
    assert "never been introduced" not in body


async def test_a_round_is_named_by_its_day_on_the_community_s_calendar(town: Town) -> None:
    """Monday 08:00 in Tokyo is Sunday 23:00 UTC: the round is Monday's there."""
    await rounds_on(town, "every 2 weeks monday 08:00 Asia/Tokyo")
    await join(town, "ana", "ben")
    start = town.clock.now()
    town.clock.set(start.replace(hour=0, minute=0) + timedelta(days=7))  # Mon 12 Jan, 00:00 UTC
    await town.run_due_work()
    assert len(groups([s.message for s in town.chat.sent])) == 1
    town.clock.advance(timedelta(days=11))
    await town.run_due_work()
    [asked] = [s.message for s in town.chat.sent if "meet for the give-first" in s.message.summary]
    assert f"meet for the give-first round of {start + timedelta(days=7):%d %b}?" in (
        asked.as_plain_text()
    )


async def test_a_round_found_too_late_to_ask_whether_its_groups_met_is_left_out(
    town: Town,
) -> None:
    """A scheduler away for most of two weeks: the round it missed would have said
    "I'll ask on Fri 30 Jan whether you met" on 31 Jan, and asked an hour later."""
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben", "chen", "dana")
    assert len(groups(await next_round(town))) == 2  # Mon 05 Jan
    town.clock.set(town.clock.now() + timedelta(days=26))  # Sat 31 Jan: 19 Jan's is missed
    before = len(town.chat.sent)
    await town.run_due_work()
    assert groups([s.message for s in town.chat.sent[before:]]) == [], "two days before the next"
    on_time = await next_round(town)  # Mon 02 Feb
    assert len(groups(on_time)) == 2, "the next round, on its day"
    said = "\n".join(m.as_plain_text() for m in on_time)
    assert "I'll ask on Fri 13 Feb whether you met." in said, said


async def test_a_pair_left_alone_by_forget_me_is_not_counted_among_the_groups(
    town: Town,
) -> None:
    """Nobody asks a pair of one whether they met: "1 of 2 groups met" counted a pair
    whose other member had erased their data before anyone answered."""
    await rounds_on(town, "every 2 weeks monday 10:00")
    await join(town, "ana", "ben", "cy", "dee")
    first, second = groups(await next_round(town))
    await town.press(sorted(first)[0], "We met")
    leaving, left_alone = sorted(second)
    await town.forget(leaving)
    assert "has left" in town.last_to(left_alone)
    town.clock.advance(timedelta(days=11))  # three days before the next round
    await town.run_due_work()
    assert "meet for the give-first round" not in town.last_to(left_alone), "not asked"
    await town.say("ana", "/offer a quiet week needs one offer")
    town.clock.advance(timedelta(days=3))
    await town.run_due_work()
    digest = [m for m in town.channel() if "This week in give-first" in m.summary][-1]
    assert "Give-first round of 05 Jan: 1 of 1 group met." in digest.as_plain_text()
    health = await town.bot.health(COMMUNITY)
    assert health is not None
    [week] = [w.figures for w in health.weeks if w.start.isoformat() == "2026-01-05"]
    assert (week.round_groups, week.round_groups_met) == (1, 1)
