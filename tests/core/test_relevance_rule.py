"""The rule for "does this ask or offer still stand?", called directly: what the
scheduler asks about, and what it closes once the question went unanswered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain import Ask, AskStatus, Offer, due_relevance_check

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
SINCE = NOW - timedelta(days=14)  # made or confirmed before this: ask whether it stands
ASKED_BEFORE = NOW - timedelta(days=3)  # asked before this and no answer: close it


def ask(made_days_ago: int, **fields: object) -> Ask:
    made = NOW - timedelta(days=made_days_ago)
    return Ask(1, 1, "bees?", ["beekeeping"], False, made, **fields)  # type: ignore[arg-type]


def test_an_old_ask_is_asked_about_and_a_recent_or_reconfirmed_one_is_not() -> None:
    assert due_relevance_check(ask(20), SINCE, ASKED_BEFORE)
    assert not due_relevance_check(ask(5), SINCE, ASKED_BEFORE)
    reconfirmed = ask(20, confirmed_at=NOW - timedelta(days=2))
    assert not due_relevance_check(reconfirmed, SINCE, ASKED_BEFORE)


def test_a_question_unanswered_long_enough_is_due_its_closing() -> None:
    assert not due_relevance_check(
        ask(20, relevance_asked_at=NOW - timedelta(days=1)), SINCE, ASKED_BEFORE
    ), "still time to answer"
    assert due_relevance_check(
        ask(20, relevance_asked_at=NOW - timedelta(days=4)), SINCE, ASKED_BEFORE
    )


def test_closed_asks_and_offers_are_never_due() -> None:
    assert not due_relevance_check(ask(20, status=AskStatus.CLOSED), SINCE, ASKED_BEFORE)
    offer = Offer(1, 1, "bees", ["beekeeping"], NOW - timedelta(days=20))
    assert due_relevance_check(offer, SINCE, ASKED_BEFORE)
