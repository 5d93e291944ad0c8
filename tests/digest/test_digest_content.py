"""What the weekly digest says — and what it must never say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import (
    Ask,
    AskStatus,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    Outcome,
    Party,
    Thanks,
)
from bot.domain.digest import DigestFacts
from bot.render import compose_digest as compose

MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
WEEK_AGO = MONDAY - timedelta(days=7)
IN_WEEK = MONDAY - timedelta(days=2)


def member(
    i: int,
    handle: str,
    *,
    joined: datetime = WEEK_AGO - timedelta(days=30),
    public_thanks: bool = True,
) -> Member:
    return Member(
        community_id=1,
        platform_user_id=handle,
        display_name=handle.title(),
        joined_at=joined,
        first_used_at=joined,
        public_thanks=public_thanks,
        id=i,
    )


def facts(**overrides: object) -> DigestFacts:
    members = {
        m.id or 0: m
        for m in (
            member(1, "ana"),
            member(2, "ben"),
            member(3, "dana", joined=IN_WEEK),
            member(4, "erin", public_thanks=False),
        )
    }
    base: dict[str, object] = dict(
        since=WEEK_AGO,
        until=MONDAY,
        members=members,
        offers=[],
        open_asks=[],
        introductions=[],
        thanks=[],
    )
    base.update(overrides)
    return DigestFacts(**base)  # type: ignore[arg-type]


def ask(i: int, who: int, text: str, *, private: bool = False, created: datetime = IN_WEEK) -> Ask:
    return Ask(
        community_id=1,
        member_id=who,
        text=text,
        skills=[],
        private=private,
        created_at=created,
        id=i,
    )


def test_each_section_appears_with_its_content() -> None:
    intro = Introduction(
        community_id=1,
        asker_id=3,
        helper_id=1,
        awaiting=Party.HELPER,
        reason="",
        requested_at=IN_WEEK,
        expires_at=MONDAY,
        status=IntroStatus.ACCEPTED,
        decided_at=IN_WEEK,
        outcome=Outcome.HELPED,
        outcome_at=IN_WEEK,
        id=1,
    )
    digest = compose(
        facts(
            offers=[
                Offer(
                    community_id=1,
                    member_id=1,
                    text="resume reviews",
                    skills=[],
                    created_at=IN_WEEK,
                    id=1,
                )
            ],
            open_asks=[ask(1, 2, "help with taxes")],
            introductions=[intro],
            thanks=[
                Thanks(
                    community_id=1,
                    giver_id=3,
                    receiver_id=1,
                    note="for the CV review",
                    created_at=IN_WEEK,
                )
            ],
        )
    )
    text = digest.message.as_plain_text()
    assert "New offers" in text and "@ana: resume reviews" in text
    assert "Still looking for help" in text and "@ben: help with taxes" in text
    assert "1 made this week; 1 reported that it helped" in text
    assert "@dana → @ana: for the CV review" in text
    assert "Welcome" in text and "@dana" in text
    assert not digest.is_quiet
    assert [b.label for b in digest.message.buttons] == ["Help with #1"]


def test_private_asks_and_opted_out_thanks_never_appear() -> None:
    digest = compose(
        facts(
            open_asks=[ask(1, 2, "my secret job search", private=True)],
            thanks=[
                Thanks(
                    community_id=1,
                    giver_id=1,
                    receiver_id=4,
                    note="quiet thanks",
                    created_at=IN_WEEK,
                )
            ],
        )
    )
    text = digest.message.as_plain_text()
    assert "secret job search" not in text
    assert "quiet thanks" not in text and "@erin" not in text


def test_asks_are_oldest_first_and_long_lists_are_truncated() -> None:
    asks = [
        ask(i, 2, f"ask number {i}", created=WEEK_AGO - timedelta(days=i)) for i in range(1, 20)
    ]
    text = compose(facts(open_asks=asks)).message.as_plain_text()
    assert text.index("ask number 19") < text.index("ask number 18")
    assert "ask number 14" not in text
    assert "…and 14 more" in text


def test_a_list_one_longer_than_the_limit_is_shown_whole_rather_than_hide_one() -> None:
    asks = [ask(i, 2, f"ask number {i}", created=WEEK_AGO - timedelta(days=i)) for i in range(6)]
    text = compose(facts(open_asks=asks)).message.as_plain_text()
    assert all(f"ask number {i}" in text for i in range(6)), "nobody left out for one line"
    assert "more" not in text


def test_a_week_without_giving_is_quiet() -> None:
    digest = compose(
        facts(members={1: member(1, "ana")}, open_asks=[ask(1, 1, "old ask", created=WEEK_AGO)])
    )
    assert digest.is_quiet
    assert "A quiet week" in digest.message.as_plain_text()


def test_forgotten_members_and_old_news_are_left_out() -> None:
    gone = member(5, "gone")
    gone.forget(IN_WEEK)
    digest = compose(
        facts(
            members={**facts().members, 5: gone},
            offers=[
                Offer(
                    community_id=1,
                    member_id=1,
                    text="last month's offer",
                    skills=[],
                    created_at=WEEK_AGO - timedelta(days=20),
                    id=1,
                ),
                Offer(community_id=1, member_id=5, text="", skills=[], created_at=IN_WEEK, id=2),
            ],
        )
    )
    text = digest.message.as_plain_text()
    assert "last month's offer" not in text
    assert "a former member" not in text
    solved = ask(4, 1, "done")
    solved.status = AskStatus.SOLVED
    assert "done" not in compose(facts(open_asks=[solved])).message.as_plain_text()
