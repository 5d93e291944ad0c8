"""How fast matching is in a large community, next to a naive full scan.

Run from the repository root (takes about a minute for 100,000 members):

    python -m bench.matching_speed --members 100000

Builds a synthetic community (each member with at least five skills, one to three
offers and a short bio), then measures index build time, top-3 query latency, the
latency of adding one offer (checked to be visible to the very next query), peak
memory, and the latency of scoring every member by a plain scan of their skills.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from bot.matching import HelperProfile, MatchContext, MatchIndex, OfferText
from bot.skills import Skill, Vocabulary

OFFER_TEMPLATES = (
    "Happy to help with {a}, ping me any time",
    "Can review your {a} work or pair on {b}",
    "I've done a lot of {a}; glad to answer questions about {b}",
    "Offering a 30 minute call on {a} for anyone stuck",
    "Ask me about {a} or {b}, I have a few war stories",
)
BIO_TEMPLATES = (
    "{role} who has worked on {a} for years.",
    "{role}; lately mostly {a} and some {b}.",
    "Curious {role}, into {a}.",
)
ROLES = ("Engineer", "Designer", "Founder", "Teacher", "Analyst", "Parent", "Marketer", "Nurse")
ASK_TEMPLATES = (
    "how do I get started with {a}?",
    "stuck on {r}, can anyone help?",
    "looking for advice on {a} and {b}",
    "anyone around for a quick call about {r} today?",
    "{a} question: what would you do about {r}",
)
TIMEZONES = (
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
    "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Africa/Lagos",
)  # fmt: skip


def synthetic_members(count: int, vocabulary: Vocabulary, seed: int = 7) -> Iterator[HelperProfile]:
    """A reproducible community where a few skills are popular and most are niche."""
    rng = random.Random(seed)
    skills = list(vocabulary.skills)
    rng.shuffle(skills)
    cumulative: list[float] = []
    total = 0.0
    for rank in range(len(skills)):
        total += 1 / (rank + 1) ** 0.8
        cumulative.append(total)
    for member_id in range(1, count + 1):
        chosen: dict[str, Skill] = {}
        wanted = rng.randint(5, 8)
        while len(chosen) < wanted:
            skill = rng.choices(skills, cum_weights=cumulative)[0]
            chosen[skill.name] = skill
        picked = list(chosen.values())
        offers = tuple(
            OfferText(member_id * 10 + number, _fill(rng, rng.choice(OFFER_TEMPLATES), picked))
            for number in range(rng.randint(1, 3))
        )
        yield HelperProfile(
            member_id=member_id,
            name=f"Member {member_id}",
            skills=tuple(chosen),
            bio=_fill(rng, rng.choice(BIO_TEMPLATES), picked, role=rng.choice(ROLES)),
            offers=offers,
            timezone=rng.choice(TIMEZONES),
        )


def synthetic_asks(count: int, vocabulary: Vocabulary, seed: int = 11) -> list[str]:
    """Asks naming skills by alias or hinting at them through related terms."""
    rng = random.Random(seed)
    skills = list(vocabulary.skills)
    return [
        _fill(rng, rng.choice(ASK_TEMPLATES), rng.sample(skills, 2), related=True)
        for _ in range(count)
    ]


def _fill(
    rng: random.Random,
    template: str,
    skills: Sequence[Skill],
    role: str = "",
    related: bool = False,
) -> str:
    first, second = skills[0], skills[1 % len(skills)]
    hints = first.related or first.aliases or (first.label,)
    return template.format(
        a=rng.choice((first.label, *first.aliases)),
        b=rng.choice((second.label, *second.aliases)),
        r=rng.choice(hints) if related else first.label,
        role=role,
    )


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def naive_scan(
    members: Sequence[tuple[int, frozenset[str]]], weights: dict[str, float], top: int
) -> list[int]:
    """Score every member by the ask's skill weights they hold; no index at all."""
    scored = [
        (sum(weights[skill] for skill in skills if skill in weights), member_id)
        for member_id, skills in members
    ]
    scored.sort(reverse=True)
    return [member_id for score, member_id in scored[:top] if score > 0]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Matching speed on a synthetic community")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--offers", type=int, default=200, help="offers added one by one")
    args = parser.parse_args(argv)

    vocabulary = Vocabulary.default()
    rss_before = peak_rss_mb()
    index = MatchIndex(vocabulary)
    gc.disable()  # the index holds only long-lived objects; collection pauses are noise here
    build_seconds = 0.0
    # Only upserts are timed: generating the synthetic members is not the index's work.
    for profile in synthetic_members(args.members, vocabulary):
        started = time.perf_counter()
        index.upsert(profile)
        build_seconds += time.perf_counter() - started
    gc.enable()
    gc.collect()

    rng = random.Random(3)
    context = MatchContext(
        asker_id=1,
        now=datetime(2025, 3, 3, 15, 0, tzinfo=UTC),
        unavailable=frozenset(rng.sample(range(1, args.members + 1), min(200, args.members))),
        recent_introductions={
            member: rng.randint(0, 2)
            for member in rng.sample(range(1, args.members + 1), min(2000, args.members))
        },
        asker_timezone="Europe/Berlin",
    )
    asks = synthetic_asks(args.queries, vocabulary)
    for ask in asks[:20]:
        index.search(ask, context)  # warm caches (typo corrections, zone lookups)
    latencies: list[float] = []
    answered = 0
    for ask in asks:
        started = time.perf_counter()
        found = index.search(ask, context, top=3)
        latencies.append((time.perf_counter() - started) * 1000)
        answered += bool(found)

    add_latencies: list[float] = []
    visible = 0
    for number in range(args.offers):
        member_id = rng.randint(1, args.members)
        offer = OfferText(10**9 + number, f"New this week: help with #quokka-wrangling-{number}")
        started = time.perf_counter()
        index.add_offer(member_id, offer)
        add_latencies.append((time.perf_counter() - started) * 1000)
        ask_context = MatchContext(asker_id=0, now=context.now)
        found = index.search(f"anyone into #quokka-wrangling-{number}?", ask_context, top=1)
        visible += bool(found) and found[0].member_id == member_id
    rss_index = peak_rss_mb()

    scan_members = [
        (p.member_id, frozenset(p.skills)) for p in synthetic_members(args.members, vocabulary)
    ]
    scan_latencies: list[float] = []
    for ask in asks[:50]:
        started = time.perf_counter()
        naive_scan(scan_members, vocabulary.skill_weights(ask), 3)
        scan_latencies.append((time.perf_counter() - started) * 1000)

    print(f"matching speed: {args.members:,} members, {args.queries} top-3 queries, 2 cores")
    print(f"  index build            {build_seconds:8.2f} s")
    print(
        f"  top-3 query            p50 {percentile(latencies, 0.5):6.2f} ms   "
        f"p99 {percentile(latencies, 0.99):6.2f} ms   ({answered}/{len(asks)} found someone)"
    )
    print(
        f"  add one offer          p50 {percentile(add_latencies, 0.5):6.3f} ms   "
        f"p99 {percentile(add_latencies, 0.99):6.3f} ms   "
        f"(visible to the next query: {visible}/{args.offers})"
    )
    print(
        f"  peak RSS with index    {rss_index:8.1f} MB   "
        f"(interpreter and vocabulary: {rss_before:.1f} MB)"
    )
    print(
        f"  naive full scan        p50 {percentile(scan_latencies, 0.5):6.2f} ms   "
        f"p99 {percentile(scan_latencies, 0.99):6.2f} ms   (skills only, every member)"
    )
    print(f"  mean query             {statistics.fmean(latencies):6.2f} ms")


if __name__ == "__main__":
    main()
