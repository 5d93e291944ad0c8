"""Is giving working here? The health figures of a community whose three weeks we
script, so every number can be worked out by hand from the story below.

Week 1 (Mon 5 Jan 2026): Ana offers CV reviews, Ben Kubernetes help. Dana asks for a
CV review (Ana is suggested; she accepts two hours later). Erin asks privately about
salary negotiation and publicly about bee hives: nobody can be suggested for either.
Dana thanks Ana.

Week 2: Dana answers the follow-up "it helped". Chloe offers salary coaching, so Erin
hears someone new could help with her private ask; she asks Chloe, who declines. Dana
asks about Kubernetes (asks Ben, who never answers: the request expires on Thursday)
and for another CV pass (Ana accepts after four hours: a repeat pair). Ben volunteers
for the bee ask (Erin says yes), then Erin asks for Ben's offer too (a repeat pair).

Week 3 (Mon 19 Jan, 10:00): Erin thanks Ben; Frank, new, asks about beekeeping too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.health import DEFAULT_WEEKS, CommunityHealth, Figures
from bot.messages import Message
from bot.render import health as words
from tests.core.conftest import COMMUNITY, Town

WEEK_1 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PRIVATE_ASK = "negotiating my salary offer, secret word quasarlens #quasarlens #salary-negotiation"


def post_about(town: Town, words_in_it: str) -> Message:
    return next(m for m in town.channel() if words_in_it in m.as_plain_text() and m.buttons)


async def tell_the_story(town: Town) -> None:
    town.clock.set(WEEK_1)
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("ana", "/offer Happy to review resumes #resume")
    await town.say("ben", "/offer I can pair on kubernetes deployments #kubernetes")
    await town.say("dana", "/ask could someone look over my CV? #resume")
    await town.press("dana", "Ask Ana")
    town.clock.advance(timedelta(hours=2))
    await town.press("ana", "Happy to help")
    await town.say("erin", f"/ask private: {PRIVATE_ASK}")
    assert "Nobody yet" in town.last_to("erin")
    await town.say("erin", "/ask where do I get bee hives? #beekeeping")
    assert "Nobody yet" in town.last_to("erin")
    town.clock.advance(timedelta(days=1))
    await town.say("dana", "/thanks @ana for the CV review")

    town.clock.set(datetime(2026, 1, 12, 12, 0, tzinfo=UTC))
    await town.run_due_work()
    await town.press("dana", "It helped")
    await town.say("chloe", "/offer salary negotiation coaching #salary-negotiation")
    assert "someone new" in town.last_to("erin").lower()
    await town.press("erin", "Ask Chloe")
    town.clock.advance(timedelta(hours=1))
    await town.press("chloe", "Not this time")
    await town.say("dana", "/ask help deploying to kubernetes #kubernetes")
    await town.press("dana", "Ask Ben")
    await town.say("dana", "/ask one more CV pass before interviews #resume")
    await town.press("dana", "Ask Ana")
    town.clock.advance(timedelta(hours=4))
    await town.press("ana", "Happy to help")
    # Before Ben volunteers: then he has two introductions this week, as many as a
    # member is asked for.
    await town.press_button("erin", post_about(town, "kubernetes deployments").buttons[0])
    await town.press_button("ben", post_about(town, "bee hives").buttons[0])
    town.clock.advance(timedelta(hours=1))
    await town.press("erin", "Yes, introduce us")
    town.clock.advance(timedelta(hours=1))
    await town.press("ben", "Happy to help")
    town.clock.set(datetime(2026, 1, 15, 14, 0, tzinfo=UTC))
    await town.run_due_work()
    assert "didn't answer" in town.last_to("dana") or "Nobody" in town.last_to("dana")

    town.clock.set(datetime(2026, 1, 19, 10, 0, tzinfo=UTC))
    await town.say("erin", "/thanks @ben for the bee tips")
    await town.say("frank", "/ask beginner beehive kit? #beekeeping")


@pytest.fixture
async def story(town: Town) -> CommunityHealth:
    await tell_the_story(town)
    health = await town.bot.health(COMMUNITY, weeks=3)
    assert health is not None
    return health


def asks_of(f: Figures) -> tuple[object, ...]:
    return (
        f.asks,
        f.public_asks,
        f.private_asks,
        f.suggestion_share,
        f.nobody_yet_share,
        f.introduced_share,
        f.helped_share,
    )


async def test_three_weeks_of_asks_and_how_they_ended(story: CommunityHealth) -> None:
    assert [w.start.day for w in story.weeks] == [5, 12, 19]
    assert [w.partial for w in story.weeks] == [False, False, True]
    week_1, week_2, week_3 = (w.figures for w in story.weeks)
    # Dana's CV ask (introduced, helped); Erin's private and bee asks (nobody at first;
    # Chloe later, Ben volunteered): every one got a suggestion in the end.
    assert asks_of(week_1) == (3, 2, 1, 1.0, 2 / 3, 2 / 3, 1 / 3)
    # Kubernetes (suggested, expired) and the second CV pass (introduced).
    assert asks_of(week_2) == (2, 2, 0, 1.0, 0.0, 0.5, 0.0)
    # Frank's beehive kit: nobody yet.
    assert asks_of(week_3) == (1, 1, 0, 0.0, 1.0, 0.0, 0.0)
    assert asks_of(story.all_time) == (6, 5, 1, 5 / 6, 0.5, 0.5, 1 / 6)
    assert story.window == story.all_time


async def test_time_from_ask_to_first_introduction(story: CommunityHealth) -> None:
    week_1, week_2, week_3 = (w.figures for w in story.weeks)
    # Dana's CV: 2 hours. The bee hives: Mon 11:00 to the next Mon 18:00, 175 hours.
    assert (week_1.median_hours, week_1.p90_hours) == (88.5, 175.0)
    assert (week_2.median_hours, week_2.p90_hours) == (4.0, 4.0)
    assert (week_3.median_hours, week_3.p90_hours) == (None, None)
    assert (story.all_time.median_hours, story.all_time.p90_hours) == (4.0, 175.0)


async def test_introduction_requests_and_follow_ups(story: CommunityHealth) -> None:
    def requests(f: Figures) -> tuple[int, int, int, int]:
        return (f.requests_accepted, f.requests_declined, f.requests_expired, f.follow_ups_answered)

    week_1, week_2, week_3 = (w.figures for w in story.weeks)
    assert requests(week_1) == (1, 0, 0, 0)
    # Ana, Ben (volunteered) and Ben again (Erin's request) accepted; Chloe declined;
    # Ben's Kubernetes request expired on Thursday; Dana said "it helped" on Monday.
    assert requests(week_2) == (3, 1, 1, 1)
    assert requests(week_3) == (0, 0, 0, 0)
    assert requests(story.all_time) == (4, 1, 1, 1)


async def test_givers_askers_and_new_ties(story: CommunityHealth) -> None:
    def people(f: Figures) -> tuple[object, ...]:
        return (f.givers, f.askers, f.givers_per_asker, f.new_ties, f.repeat_ties)

    week_1, week_2, week_3 = (w.figures for w in story.weeks)
    assert people(week_1) == (2, 2, 1.0, 1, 0)
    # Givers: Chloe offered, Ana and Ben helped. Dana–Ana and Erin–Ben (twice) met
    # before: only the bee introduction was a new tie.
    assert people(week_2) == (3, 1, 3.0, 1, 2)
    assert people(week_3) == (0, 1, 0.0, 0, 0)
    assert people(story.all_time) == (3, 3, 1.0, 2, 2)
    assert story.all_time.new_tie_share == 0.5


async def test_helper_load_is_a_distribution(story: CommunityHealth) -> None:
    week_1, week_2, _ = (w.figures for w in story.weeks)
    assert (week_1.load_distribution, week_1.max_load, week_1.at_capacity_share) == ({1: 1}, 1, 0)
    # Ana held one introduction, Ben two (his expired request does not count): with
    # a capacity of two, one helper of two was at capacity.
    assert (week_2.load_distribution, week_2.max_load, week_2.at_capacity_share) == (
        {1: 1, 2: 1},
        2,
        0.5,
    )
    assert story.all_time.load_distribution == {1: 2, 2: 1}
    assert story.all_time.at_capacity_share == pytest.approx(1 / 3)


async def test_thanks_newcomers_and_active_members(story: CommunityHealth) -> None:
    def people(f: Figures) -> tuple[int, int, int]:
        return (f.thanks, f.newcomers, f.active_members)

    week_1, week_2, week_3 = (w.figures for w in story.weeks)
    # The admin joined by setting the channel, but did nothing givefirst counts as taking part.
    assert people(week_1) == (1, 5, 4)
    assert people(week_2) == (0, 1, 5)
    assert people(week_3) == (1, 1, 2)
    assert people(story.all_time) == (2, 7, 6)


async def test_gaps_are_what_nobody_could_help_with(story: CommunityHealth) -> None:
    # Erin's private ask (salary negotiation) is the only one to want its skills: in
    # the gaps, it would tell admins what she asked about.
    assert [(g.skill, g.asks, g.label) for g in story.gaps] == [("beekeeping", 2, "beekeeping")]
    assert story.gaps_all_time == story.gaps


async def test_no_figure_or_file_holds_a_private_ask_or_a_forgotten_members_name(
    town: Town,
) -> None:
    await tell_the_story(town)
    await town.forget("erin")
    health = await town.bot.health(COMMUNITY)
    assert health is not None
    out = repr(health) + words.as_csv([health]) + repr(words.as_json(health))
    for secret in ("quasarlens", "negotiating my salary", "erin", "Erin"):
        assert secret not in out
    # Forgetting erases her words, not the counts.
    assert health.all_time.asks == 6 and health.all_time.private_asks == 1


async def test_twelve_weeks_by_default_and_unknown_communities(town: Town) -> None:
    await tell_the_story(town)
    health = await town.bot.health(COMMUNITY)
    assert health is not None and len(health.weeks) == DEFAULT_WEEKS
    assert health.weeks[0].start == date(2025, 11, 3)
    assert health.weeks[0].figures == Figures()
    assert await town.bot.health("console:elsewhere") is None


async def test_a_request_withdrawn_unanswered_makes_nobody_active(town: Town) -> None:
    """Ben was asked and never answered; Dana then solved her ask herself."""
    await town.say("ben", "/skills add resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ben")
    before = await town.bot.health(COMMUNITY)
    await town.react("dana", town.channel()[-1], "white_check_mark")
    after = await town.bot.health(COMMUNITY)
    assert before is not None and after is not None
    assert after.all_time.active_members == before.all_time.active_members
    assert after.all_time.requests_accepted == after.all_time.requests_declined == 0
