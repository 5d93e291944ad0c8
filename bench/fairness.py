"""Does fairness spread introductions without hurting matches? A ten-week simulation.

Run from the repository root:

    python -m bench.fairness

A synthetic community of 1,000 members asks 2,000 questions over ten weeks. Each ask
introduces the asker to the first suggested helper. The same asks are replayed with
relevance alone and with the fairness rules (capacity, recent load, weak ties).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.matching_speed import synthetic_members
from bot.matching import HelperProfile, MatchContext, MatchIndex
from bot.skills import Skill, Vocabulary

ASK_TEMPLATES = (
    "could someone help me with {a}?",
    "looking for advice on {a}",
    "stuck on {r}, any pointers?",
    "has anyone dealt with {r} before?",
)
START = datetime(2025, 1, 6, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SimulatedAsk:
    week: int
    asker: int
    text: str
    skill: str


@dataclass(frozen=True)
class Outcome:
    hit_at_3: float
    largest_weekly_load: int
    gini: float
    introductions: int
    helpers_used: int


def simulated_asks(
    members: Sequence[HelperProfile], vocabulary: Vocabulary, count: int, weeks: int, seed: int
) -> list[SimulatedAsk]:
    """Asks about skills in proportion to how common they are in the community."""
    rng = random.Random(seed)
    skills_by_name = {skill.name: skill for skill in vocabulary.skills}
    held = [skill for member in members for skill in member.skills]
    asks = []
    for number in range(count):
        skill: Skill = skills_by_name[rng.choice(held)]
        template = rng.choice(ASK_TEMPLATES)
        hint = rng.choice(skill.related or skill.aliases or (skill.label,))
        text = template.format(a=rng.choice((skill.label, *skill.aliases)), r=hint)
        asker = rng.choice(members).member_id
        asks.append(SimulatedAsk(number * weeks // count, asker, text, skill.name))
    return asks


def simulate(
    index: MatchIndex,
    members: Sequence[HelperProfile],
    asks: Sequence[SimulatedAsk],
    capacity: int,
    fair: bool,
) -> Outcome:
    """Replay the asks; the first suggestion is introduced (both say yes)."""
    holders: dict[str, set[int]] = {}
    for member in members:
        for skill in member.skills:
            holders.setdefault(skill, set()).add(member.member_id)
    partners: dict[int, set[int]] = {}
    weekly: Counter[tuple[int, int]] = Counter()
    total: Counter[int] = Counter()
    hits = 0
    for ask in asks:
        this_week = {member: count for (week, member), count in weekly.items() if week == ask.week}
        context = MatchContext(
            asker_id=ask.asker,
            now=START + timedelta(weeks=ask.week),
            recent_introductions=this_week if fair else {},
            capacity=capacity if fair else 10**9,
            previous_partners=frozenset(partners.get(ask.asker, ())) if fair else frozenset(),
        )
        found = index.search(ask.text, context, top=3)
        suggested = [candidate.member_id for candidate in found]
        hits += bool(holders.get(ask.skill, set()) & set(suggested))
        if suggested:
            helper = suggested[0]
            weekly[(ask.week, helper)] += 1
            total[helper] += 1
            partners.setdefault(ask.asker, set()).add(helper)
            partners.setdefault(helper, set()).add(ask.asker)
    loads = [total.get(member.member_id, 0) for member in members]
    return Outcome(
        hit_at_3=hits / len(asks),
        largest_weekly_load=max(weekly.values(), default=0),
        gini=gini(loads),
        introductions=sum(loads),
        helpers_used=sum(1 for load in loads if load),
    )


def gini(values: Sequence[int]) -> float:
    """0 when everyone helped equally often, towards 1 when a few did all of it."""
    ordered = sorted(values)
    total = sum(ordered)
    if not total:
        return 0.0
    weighted = sum((rank + 1) * value for rank, value in enumerate(ordered))
    count = len(ordered)
    return (2 * weighted) / (count * total) - (count + 1) / count


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fairness simulation")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--asks", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--capacity", type=int, default=2)
    args = parser.parse_args(argv)

    vocabulary = Vocabulary.default()
    members = list(synthetic_members(args.members, vocabulary, seed=21))
    index = MatchIndex(vocabulary)
    for member in members:
        index.upsert(member)
    asks = simulated_asks(members, vocabulary, args.asks, args.weeks, seed=5)
    relevance_only = simulate(index, members, asks, args.capacity, fair=False)
    with_fairness = simulate(index, members, asks, args.capacity, fair=True)

    print(
        f"fairness: {args.members} members, {args.asks} asks over {args.weeks} weeks, "
        f"capacity {args.capacity} new introductions per helper per week"
    )
    print(f"{'':18}{'hit@3':>8}{'max/week':>10}{'Gini':>8}{'intros':>8}{'helpers':>9}")
    for name, outcome in (("relevance only", relevance_only), ("with fairness", with_fairness)):
        print(
            f"{name:18}{outcome.hit_at_3:8.3f}{outcome.largest_weekly_load:>10}"
            f"{outcome.gini:8.3f}{outcome.introductions:>8}{outcome.helpers_used:>9}"
        )
    cost = (relevance_only.hit_at_3 - with_fairness.hit_at_3) * 100
    print(f"hit@3 cost of fairness: {cost:.1f} points")
    print(
        "capacity held: " + ("yes" if with_fairness.largest_weekly_load <= args.capacity else "NO")
    )


if __name__ == "__main__":
    main()
