"""Is giving working here? A community's health figures, per week and all time.

Pure functions over :class:`bot.domain.health.HealthFacts`: no figure names or ranks a
member, and nothing here ever sees a name or the text of an ask. How each figure is
counted:

- Asks are counted in the week they were made, with what became of them *so far*
  (a suggestion, an accepted introduction, "it helped"), so recent weeks are still
  filling in.
- Introduction requests are counted in the week they were accepted, declined or
  expired; follow-ups in the week they were answered; thanks, offers and newcomers
  in the week they happened.
- Weeks start on Monday at 00:00 in the community's time zone.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain import IntroStatus, Outcome
from bot.domain.health import AskFact, HealthFacts, IntroductionFact
from bot.domain.pairing import is_at_capacity
from bot.skills import Vocabulary

DEFAULT_WEEKS = 12
TREND_WEEKS = 4
"""Headline trends compare the latest this-many weeks with the same span before."""
IDEAL_GIVERS_PER_ASKER = 7.0
"""The seeds' rule of thumb: about seven deposits for every withdrawal."""
GAPS_SHOWN = 10
EXPIRED = IntroStatus.EXPIRED


@dataclass(frozen=True)
class Figures:
    """Everything counted over one span of time (a week, the window, all time)."""

    asks: int = 0
    private_asks: int = 0
    asks_suggestion_known: int = 0
    """Asks for which it is known whether anyone was suggested (see :func:`compute`)."""
    asks_with_suggestion: int = 0
    asks_recorded: int = 0
    """Asks made since givefirst records what it suggested at once."""
    asks_nobody_yet: int = 0
    asks_introduced: int = 0
    asks_helped: int = 0
    hours_to_introduction: tuple[float, ...] = ()
    requests_accepted: int = 0
    requests_declined: int = 0
    requests_expired: int = 0
    follow_ups_answered: int = 0
    givers: int = 0
    askers: int = 0
    new_ties: int = 0
    repeat_ties: int = 0
    helper_weeks: tuple[int, ...] = ()
    """Introductions of each helper in each week they had any: one number per
    helper-week, sorted, never tied to who the helper is."""
    helper_weeks_at_capacity: int = 0
    thanks: int = 0
    newcomers: int = 0
    active_members: int = 0
    round_groups: int = 0
    """Pairs and trios give-first rounds introduced."""
    round_groups_met: int = 0

    @property
    def round_met_share(self) -> float | None:
        return share(self.round_groups_met, self.round_groups)

    @property
    def public_asks(self) -> int:
        return self.asks - self.private_asks

    @property
    def suggestion_share(self) -> float | None:
        return share(self.asks_with_suggestion, self.asks_suggestion_known)

    @property
    def introduced_share(self) -> float | None:
        return share(self.asks_introduced, self.asks)

    @property
    def helped_share(self) -> float | None:
        return share(self.asks_helped, self.asks)

    @property
    def nobody_yet_share(self) -> float | None:
        return share(self.asks_nobody_yet, self.asks_recorded)

    @property
    def median_hours(self) -> float | None:
        times = self.hours_to_introduction
        return statistics.median(times) if times else None

    @property
    def p90_hours(self) -> float | None:
        return nearest_rank(self.hours_to_introduction, 0.9)

    @property
    def givers_per_asker(self) -> float | None:
        return self.givers / self.askers if self.askers else None

    @property
    def new_tie_share(self) -> float | None:
        return share(self.new_ties, self.new_ties + self.repeat_ties)

    @property
    def max_load(self) -> int:
        return max(self.helper_weeks, default=0)

    @property
    def at_capacity_share(self) -> float | None:
        return share(self.helper_weeks_at_capacity, len(self.helper_weeks))

    @property
    def load_distribution(self) -> dict[int, int]:
        """Helper-weeks by how many introductions they held: ``{1: 5, 2: 3}``."""
        return dict(sorted(Counter(self.helper_weeks).items()))


@dataclass(frozen=True)
class Week:
    start: date
    """Monday, in the community's time zone."""
    figures: Figures
    partial: bool = False
    """The current week, still under way."""


@dataclass(frozen=True)
class Gap:
    """A skill members asked for when nobody could help: what to recruit for."""

    skill: str
    label: str
    asks: int


@dataclass(frozen=True)
class CommunityHealth:
    community_key: str
    computed_at: datetime
    timezone: str
    capacity: int
    weeks: tuple[Week, ...]
    """Oldest first; the last is the current week so far."""
    window: Figures
    """The weeks above, together."""
    all_time: Figures
    recent: Figures
    """The latest :data:`TREND_WEEKS` weeks, for headline trends …"""
    earlier: Figures
    """… against the same number of weeks before them."""
    gaps: tuple[Gap, ...]
    """In the window."""
    gaps_all_time: tuple[Gap, ...]
    round_members: int = 0
    """Members in the give-first rounds now."""
    members: int = 0
    """Members now (those who asked to be forgotten are not)."""


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def nearest_rank(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``fraction`` of
    all values at or below it (the 90th of ten values is the ninth smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class _AskStory:
    """One ask and what became of it, worked out once for every span it falls in."""

    fact: AskFact
    suggestion: bool | None
    introduced: bool
    helped: bool
    hours_to_introduction: float | None


@dataclass(frozen=True)
class _Span:
    since: datetime | None
    until: datetime | None

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        return (self.since is None or moment >= self.since) and (
            self.until is None or moment < self.until
        )


class _History:
    """The facts, indexed once; :meth:`figures` counts any span of time."""

    def __init__(self, facts: HealthFacts, capacity: int, zone: ZoneInfo) -> None:
        self.facts = facts
        self.capacity = capacity
        self.zone = zone
        by_ask: dict[int, list[IntroductionFact]] = {}
        for intro in facts.introductions:
            if intro.ask_id is not None:
                by_ask.setdefault(intro.ask_id, []).append(intro)
        self.asks = [_story(ask, by_ask.get(ask.id, ())) for ask in facts.asks]
        self.accepted = sorted(
            (i for i in facts.introductions if i.status is IntroStatus.ACCEPTED and i.decided_at),
            key=lambda i: (i.decided_at, i.requested_at),
        )
        # Which week each introduction holding a helper's place falls in, worked out
        # once: time zone arithmetic is the costliest step of the figures.
        self.places = [
            (i.requested_at, i.helper_id, week_of(i.requested_at, zone))
            for i in facts.introductions
            if i.status in (IntroStatus.PENDING, IntroStatus.ACCEPTED)
        ]
        seen: set[frozenset[int]] = set()
        self.first_ties: list[bool] = []
        for intro in self.accepted:
            pair = frozenset((intro.asker_id, intro.helper_id))
            self.first_ties.append(pair not in seen)
            seen.add(pair)

    def figures(self, span: _Span) -> Figures:
        asks = [s for s in self.asks if span.holds(s.fact.created_at)]
        decided = [i for i in self.facts.introductions if span.holds(i.decided_at)]
        accepted = [
            (intro, first)
            for intro, first in zip(self.accepted, self.first_ties, strict=True)
            if span.holds(intro.decided_at)
        ]
        offers = [o for o in self.facts.offers if span.holds(o.created_at)]
        thanks = [t for t in self.facts.thanks if span.holds(t.created_at)]
        answered = [i for i in self.facts.introductions if span.holds(i.outcome_at)]
        givers = {o.member_id for o in offers} | {i.helper_id for i, _ in accepted}
        askers = {s.fact.member_id for s in asks}
        active = (  # an introduction that expired unanswered is nobody's doing
            givers
            | askers
            | {t.giver_id for t in thanks}
            | {m for i in decided if i.status is not EXPIRED for m in (i.asker_id, i.helper_id)}
        )
        loads = self.helper_weeks(span)
        return Figures(
            asks=len(asks),
            private_asks=sum(s.fact.private for s in asks),
            asks_suggestion_known=sum(s.suggestion is not None for s in asks),
            asks_with_suggestion=sum(s.suggestion is True for s in asks),
            asks_recorded=sum(s.fact.suggested_count is not None for s in asks),
            asks_nobody_yet=sum(s.fact.suggested_count == 0 for s in asks),
            asks_introduced=sum(s.introduced for s in asks),
            asks_helped=sum(s.helped for s in asks),
            hours_to_introduction=tuple(
                sorted(h for s in asks if (h := s.hours_to_introduction) is not None)
            ),
            requests_accepted=sum(i.status is IntroStatus.ACCEPTED for i in decided),
            requests_declined=sum(i.status is IntroStatus.DECLINED for i in decided),
            # In the week it expired, though made again since (then counted again when
            # answered).
            requests_expired=sum(span.holds(i.expired_at) for i in self.facts.introductions),
            follow_ups_answered=len(answered),
            givers=len(givers),
            askers=len(askers),
            new_ties=sum(first for _, first in accepted),
            repeat_ties=sum(not first for _, first in accepted),
            helper_weeks=tuple(sorted(loads)),
            helper_weeks_at_capacity=sum(is_at_capacity(n, self.capacity) for n in loads),
            thanks=len(thanks),
            newcomers=sum(
                m.first_used_at is not None and span.holds(m.first_used_at)
                for m in self.facts.members
            ),
            active_members=len(active),
            round_groups=sum(span.holds(g.slot) for g in self.facts.round_groups),
            round_groups_met=sum(span.holds(g.slot) and g.met for g in self.facts.round_groups),
        )

    def helper_weeks(self, span: _Span) -> list[int]:
        """Introductions each helper took on in each week (those that hold a place
        towards the weekly capacity: waiting for an answer, or accepted)."""
        loads: Counter[tuple[int, date]] = Counter(
            (helper, week) for requested, helper, week in self.places if span.holds(requested)
        )
        return list(loads.values())

    def gaps(self, span: _Span, vocabulary: Vocabulary) -> tuple[Gap, ...]:
        # Public asks alone: any count of private asks' skills, however many want one,
        # tells what the latest one was about to an admin who compares two spans, or
        # today's page with yesterday's (the weekly table counts private asks).
        wanted: Counter[str] = Counter()
        for story in self.asks:
            ask = story.fact
            if ask.suggested_count == 0 and not ask.private and span.holds(ask.created_at):
                wanted.update(set(ask.skills))
        ranked = sorted(wanted.items(), key=lambda item: (-item[1], item[0]))[:GAPS_SHOWN]
        return tuple(Gap(skill, vocabulary.describe(skill), n) for skill, n in ranked)


def _story(ask: AskFact, introductions: Iterable[IntroductionFact]) -> _AskStory:
    intros = list(introductions)
    accepted = [i.decided_at for i in intros if i.status is IntroStatus.ACCEPTED and i.decided_at]
    first = min(accepted, default=None)
    # Any proposed introduction means someone was put forward (or volunteered); for
    # older asks without a record of suggestions, that is all that is known.
    if ask.first_suggested_at is not None or ask.suggested_count or intros:
        suggestion: bool | None = True
    else:
        suggestion = None if ask.suggested_count is None else False
    return _AskStory(
        fact=ask,
        suggestion=suggestion,
        introduced=first is not None,
        helped=any(i.outcome is Outcome.HELPED for i in intros),
        hours_to_introduction=(
            (first - ask.created_at).total_seconds() / 3600 if first is not None else None
        ),
    )


def week_of(moment: datetime, zone: ZoneInfo) -> date:
    """The Monday of the week ``moment`` falls in, in the time zone."""
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def start_of(monday: date, zone: ZoneInfo) -> datetime:
    """Monday 00:00 in the time zone, in UTC: comparing with the stored times (UTC)
    then needs no time zone arithmetic, which is most of the cost of the figures."""
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def compute(
    facts: HealthFacts,
    *,
    community_key: str,
    now: datetime,
    timezone: str,
    capacity: int,
    vocabulary: Vocabulary,
    weeks: int = DEFAULT_WEEKS,
) -> CommunityHealth:
    """Every figure for the ``weeks`` weeks up to and including the current one, for
    each of them, for all time, and the trend spans behind the headlines.

    Whether anyone was suggested for an ask is recorded when it is made. For asks
    made before givefirst recorded that, a proposed introduction shows there was a
    suggestion; otherwise it is unknown, and they are left out of the share with a
    suggestion and of the "nobody yet" rate (but counted everywhere else)."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    zone = ZoneInfo(timezone)
    history = _History(facts, capacity, zone)
    this_week = week_of(now, zone)
    mondays = [this_week - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    week_spans = [
        _Span(start_of(monday, zone), start_of(monday + timedelta(weeks=1), zone))
        for monday in mondays
    ]
    window = _Span(week_spans[0].since, None)
    recent_start = start_of(this_week - timedelta(weeks=TREND_WEEKS - 1), zone)
    earlier_start = start_of(this_week - timedelta(weeks=2 * TREND_WEEKS - 1), zone)
    return CommunityHealth(
        community_key=community_key,
        computed_at=now,
        timezone=timezone,
        capacity=capacity,
        weeks=tuple(
            Week(monday, history.figures(span), partial=monday == this_week)
            for monday, span in zip(mondays, week_spans, strict=True)
        ),
        window=history.figures(window),
        all_time=history.figures(_Span(None, None)),
        recent=history.figures(_Span(recent_start, None)),
        earlier=history.figures(_Span(earlier_start, recent_start)),
        gaps=history.gaps(window, vocabulary),
        gaps_all_time=history.gaps(_Span(None, None), vocabulary),
        round_members=facts.round_members,
        members=sum(1 for m in facts.members if not m.erased),
    )
