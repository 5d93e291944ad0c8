"""The rules behind the figures and the sign-in, one at a time, on facts written by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import sign_in
from bot.domain import IntroStatus, Outcome
from bot.domain.health import AskFact, HealthFacts, IntroductionFact
from bot.health import CommunityHealth, compute, nearest_rank, week_of
from bot.render.health import FIGURES, shown, trend
from bot.sign_in import SignInRefused
from bot.skills import Vocabulary

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def ask(ask_id: int, when: datetime, *, suggested: int | None, private: bool = False) -> AskFact:
    return AskFact(ask_id, 100 + ask_id, private, when, ("beekeeping",), suggested, None)


def intro(ask_id: int, status: IntroStatus, decided: datetime) -> IntroductionFact:
    return IntroductionFact(100 + ask_id, 7, ask_id, status, decided, decided, None, None)


def health_of(facts: HealthFacts, *, weeks: int, timezone: str = "UTC") -> CommunityHealth:
    return compute(
        facts,
        community_key="k",
        now=NOW,
        timezone=timezone,
        capacity=2,
        vocabulary=Vocabulary.default(),
        weeks=weeks,
    )


def test_the_90th_percentile_is_a_value_that_happened() -> None:
    assert nearest_rank([], 0.9) is None
    assert nearest_rank([5.0], 0.9) == 5.0
    assert nearest_rank([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert nearest_rank([float(n) for n in range(1, 12)], 0.9) == 10.0


def test_weeks_start_on_monday_in_the_communitys_time_zone() -> None:
    sunday_night_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    assert week_of(sunday_night_utc, ZoneInfo("UTC")) == date(2026, 2, 23)
    # Already Monday 00:30 in Berlin.
    berlin = ZoneInfo("Europe/Berlin")
    assert week_of(sunday_night_utc, berlin) == date(2026, 3, 2)
    facts = HealthFacts([ask(1, sunday_night_utc, suggested=1)], [], [], [], [])
    in_utc = health_of(facts, weeks=2)
    in_berlin = health_of(facts, weeks=2, timezone="Europe/Berlin")
    assert [w.figures.asks for w in in_utc.weeks] == [1, 0]
    assert [w.figures.asks for w in in_berlin.weeks] == [0, 1]


def test_asks_from_before_suggestions_were_recorded_are_left_out_of_those_shares() -> None:
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    facts = HealthFacts(
        asks=[
            ask(1, monday, suggested=None),  # older, and nothing is known
            ask(2, monday, suggested=None),  # older, but an introduction shows a suggestion
            ask(3, monday, suggested=0),
            ask(4, monday, suggested=2),
        ],
        introductions=[intro(2, IntroStatus.ACCEPTED, monday + timedelta(hours=3))],
        offers=[],
        thanks=[],
        members=[],
    )
    health = health_of(facts, weeks=1)
    f = health.all_time
    assert (f.asks, f.asks_suggestion_known, f.asks_with_suggestion) == (4, 3, 2)
    assert (f.asks_recorded, f.asks_nobody_yet, f.nobody_yet_share) == (2, 1, 0.5)
    assert f.introduced_share == 0.25 and f.hours_to_introduction == (3.0,)
    assert [g.skill for g in health.gaps] == ["beekeeping"]


def test_a_private_asks_skills_are_never_a_gap() -> None:
    """In a small community "divorce (1)" beside "private: 1" would tell an admin what
    the private ask was about; and however many private asks a skill needed before it
    counted, comparing two spans (or today's page with yesterday's) would tell what the
    latest was about."""
    monday = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def gaps(*asks: AskFact, weeks: int = 1) -> dict[str, int]:
        health = health_of(HealthFacts(list(asks), [], [], [], []), weeks=weeks)
        return {g.skill: g.asks for g in health.gaps}

    private = [
        AskFact(i, 5 + i, True, monday - timedelta(weeks=i), ("divorce", "custody"), 0, None)
        for i in range(4)
    ]
    assert gaps(*private, weeks=1) == gaps(*private, weeks=4) == {}
    public = AskFact(9, 6, False, monday, ("salary-negotiation",), 0, None)
    assert gaps(*private, public) == {"salary-negotiation": 1}, "the public ask alone"


def test_an_outcome_counts_in_the_week_it_was_answered() -> None:
    monday = datetime(2026, 2, 23, 9, 0, tzinfo=UTC)
    answered = IntroductionFact(
        1, 2, 1, IntroStatus.ACCEPTED, monday, monday, Outcome.HELPED, NOW - timedelta(hours=1)
    )
    health = health_of(HealthFacts([ask(1, monday, suggested=1)], [answered], [], [], []), weeks=2)
    last_week, this_week = (w.figures for w in health.weeks)
    assert (last_week.asks_helped, last_week.follow_ups_answered) == (1, 0)
    assert (this_week.asks_helped, this_week.follow_ups_answered) == (0, 1)
    asks = next(line for line in FIGURES if line.key == "asks")
    assert trend(asks, health) == "↑"


def test_values_read_as_people_read_them() -> None:
    assert [shown("share", 0.834), shown("hours", 5.4), shown("hours", 60.0)] == [
        "83%",
        "5 h",
        "2.5 d",
    ]
    # A chart's axis up to an hour reads 0 h, 30 min, 1 h (not 0 h, 0 h, 1 h).
    assert [shown("hours", v) for v in (0.0, 0.5, 0.995, 1.0)] == ["0 h", "30 min", "1 h", "1 h"]
    assert [shown("ratio", 7.0), shown("count", 1234), shown("share", None)] == [
        "7.0",
        "1,234",
        "—",
    ]


KEY = "a signing key for tests"


def test_a_pass_is_for_one_community_and_ten_minutes() -> None:
    token = sign_in.issue_pass(KEY, "slack:T1", NOW)
    assert sign_in.read_pass(KEY, token, "slack:T1", NOW).community_key == "slack:T1"
    with pytest.raises(SignInRefused, match="another community"):
        sign_in.read_pass(KEY, token, "slack:T2", NOW)
    with pytest.raises(SignInRefused, match="expired"):
        sign_in.read_pass(KEY, token, "slack:T1", NOW + timedelta(minutes=10))
    with pytest.raises(SignInRefused, match="not valid"):
        sign_in.read_pass("another deployment's key", token, "slack:T1", NOW)


def test_neither_token_can_be_altered_or_used_as_the_other() -> None:
    token = sign_in.issue_pass(KEY, "slack:T1", NOW)
    payload, signature = token.split(".")
    forged_payload = sign_in._encode(b'{"c":"slack:T2","e":9999999999,"n":"x"}')
    for forged in (f"{forged_payload}.{signature}", payload, ".", "", f"{payload}.!!"):
        with pytest.raises(SignInRefused):
            sign_in.read_pass(KEY, forged, "slack:T2", NOW)
    session, _ = sign_in.issue_session(KEY, "slack:T1", NOW)
    with pytest.raises(SignInRefused):
        sign_in.read_pass(KEY, session, "slack:T1", NOW)
    with pytest.raises(SignInRefused):
        sign_in.read_session(KEY, token, "slack:T1", NOW)
    assert sign_in.read_session(KEY, session, "slack:T1", NOW + timedelta(hours=11)).expires_at
    with pytest.raises(SignInRefused, match="expired"):
        sign_in.read_session(KEY, session, "slack:T1", NOW + timedelta(hours=12))


def test_a_request_that_expired_unanswered_makes_nobody_active() -> None:
    """Hana asked Eve on Wednesday; Eve never answered and the request expired the
    next week: that week nobody did anything, and the silent helper is not active."""
    asked = datetime(2026, 2, 25, 9, 0, tzinfo=UTC)
    expired = IntroductionFact(
        101,
        7,
        1,
        IntroStatus.EXPIRED,
        asked,
        asked + timedelta(days=6),
        None,
        None,
        expired_at=asked + timedelta(days=6),
    )
    accepted = IntroductionFact(
        102, 8, 2, IntroStatus.ACCEPTED, asked, asked + timedelta(days=6), None, None
    )

    def active(*intros: IntroductionFact) -> list[int]:
        health = health_of(
            HealthFacts([ask(1, asked, suggested=1)], list(intros), [], [], []), weeks=2
        )
        return [w.figures.active_members for w in health.weeks]

    assert active(expired) == [1, 0], "Hana, the week she asked; nobody the week after"
    assert active(accepted) == [1, 2], "an answer makes both active that week"
