"""Who may be introduced to whom: one rule, asked directly, and kept by helper search and
by a member's named request alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Introduction, IntroStatus, Member, Party
from bot.domain.pairing import AskerHistory, Obstacle, introduction_obstacle
from tests.core.conftest import Town

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DANA, ANA = 1, 2


def member(member_id: int, **changes: object) -> Member:
    found = Member(
        community_id=1, platform_user_id=f"U{member_id}", display_name="x", joined_at=NOW
    )
    found.id = member_id
    for name, value in changes.items():
        setattr(found, name, value)
    return found


def intro(status: IntroStatus, *, ask_id: int | None = 7, days_ago: int = 1) -> Introduction:
    when = NOW - timedelta(days=days_ago)
    return Introduction(
        community_id=1,
        asker_id=DANA,
        helper_id=ANA,
        awaiting=Party.HELPER,
        reason="",
        requested_at=when,
        expires_at=when + timedelta(days=3),
        ask_id=ask_id,
        status=status,
    )


def test_the_rule_names_each_reason_two_members_may_not_be_introduced() -> None:
    ana = member(ANA)
    assert introduction_obstacle(DANA, ana, [], now=NOW, ask_id=7) is None
    assert introduction_obstacle(ANA, ana, [], now=NOW) is Obstacle.SAME_PERSON
    declined = [intro(IntroStatus.DECLINED, ask_id=3)]
    assert introduction_obstacle(DANA, ana, declined, now=NOW, ask_id=7) is Obstacle.DECLINED_BEFORE
    waiting = [intro(IntroStatus.PENDING)]
    assert introduction_obstacle(DANA, ana, waiting, now=NOW, ask_id=7) is (
        Obstacle.ALREADY_INTRODUCED
    )
    cancelled = [intro(IntroStatus.CANCELLED)]
    assert introduction_obstacle(DANA, ana, cancelled, now=NOW, ask_id=7) is (
        Obstacle.RAN_ITS_COURSE
    )
    assert introduction_obstacle(DANA, ana, cancelled, now=NOW, ask_id=8) is None, "another ask"
    expired = [intro(IntroStatus.EXPIRED)]
    assert introduction_obstacle(DANA, ana, expired, now=NOW, ask_id=7) is None, (
        "a request that expired unanswered may be made again"
    )

    resting = member(ANA, paused_until=NOW + timedelta(days=3))
    assert introduction_obstacle(DANA, resting, [], now=NOW) is Obstacle.TAKING_A_BREAK
    assert introduction_obstacle(DANA, member(ANA, dm_closed=True), [], now=NOW) is (
        Obstacle.DMS_CLOSED
    )
    gone = member(ANA, forgotten_at=NOW, platform_user_id=None)
    assert introduction_obstacle(DANA, gone, [], now=NOW) is Obstacle.GONE


def test_a_volunteer_is_held_only_to_the_history_and_capacity_only_when_asked_for() -> None:
    resting = member(ANA, paused_until=NOW + timedelta(days=3))
    assert introduction_obstacle(DANA, resting, [], now=NOW, helper_is_acting=True) is None
    busy = [intro(IntroStatus.ACCEPTED, ask_id=i) for i in (1, 2)]
    assert introduction_obstacle(DANA, member(ANA), busy, now=NOW, ask_id=9) is None
    assert introduction_obstacle(DANA, member(ANA), busy, now=NOW, ask_id=9, capacity=2) is (
        Obstacle.BUSY_WEEK
    )
    last_week = [intro(IntroStatus.ACCEPTED, ask_id=i, days_ago=8) for i in (1, 2)]
    assert introduction_obstacle(DANA, member(ANA), last_week, now=NOW, capacity=2) is None


def test_helper_search_sets_aside_exactly_whom_the_rule_refuses() -> None:
    history = AskerHistory.of(
        DANA,
        [
            intro(IntroStatus.DECLINED, ask_id=1),
            Introduction(1, DANA, 3, Party.HELPER, "", NOW, NOW, ask_id=7),
            Introduction(
                1, DANA, 4, Party.HELPER, "", NOW, NOW, ask_id=2, status=IntroStatus.ACCEPTED
            ),
        ],
        ask_id=7,
    )
    assert history.off_limits == {ANA, 3}, "declined once, and already asked for this ask"
    assert history.previous_partners == {4}, "met before: still possible, ranked lower"


async def test_a_declined_pair_is_neither_suggested_nor_accepted_by_name(town: Town) -> None:
    await town.say("ana", "/offer Happy to review resumes #resume")
    await town.say("dana", "/ask could someone look over my CV? #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Not this time")
    assert "@ana" not in town.last_to("dana").split("can't help")[1]

    await town.say("dana", "/ask and my cover letter? #resume")
    assert "@ana" not in town.last_to("dana"), "not suggested again"
    async with town.unit_of_work() as uow:
        [ask] = [a for a in await uow.asks.open_in(1) if "cover letter" in a.text]
        ana = await uow.members.get_by_platform_id(1, "ana")
    assert ask.id is not None and ana is not None
    refused = await town.bot.button(
        town.actor("dana"), "intro.request", f"{ask.id}:{ana.id}", town.chat
    )
    assert refused.error == "That pairing isn't possible — try someone else."
