"""Give-first rounds: how good are the pairs, and how long does a big round take?

Run from the repository root:

    python -m bench.pairing_rounds [--members 200] [--rounds 12] [--big 10000] [--big-rounds 3]

Quality: a simulated community of ``--members`` members (skills from the shipped
vocabulary, offers, open asks, eight time zones) plays ``--rounds`` rounds through
the matching engine's fit and the pairing, each round ruling out the pairs of the
six before. Printed: repeats within the window, members left out without being told,
members told they sit a round out, the share of groups in which someone could give
another something they asked for (next to random pairs of the same members), and
the sum of pair scores next to an exact solver's optimum (networkx's blossom on
every allowed pair), for the exact path and for the swapping path used at scale.

Scale: ``--big`` members in a SQLite database plan ``--big-rounds`` rounds through
the scheduler as it runs (read, pair in a thread, claim and write the outbox):
time per round (p50 and worst), the event loop's longest stalls meanwhile (p50, p99,
max of a 10 ms ticker), peak memory and memory growth from round to round.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import resource
import statistics
import tempfile
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
from sqlalchemy import insert

from bench.measuring import StallTicker, status_mb
from bot.clock import FakeClock
from bot.domain import RoundGroup
from bot.domain.pairing import kept_apart_in_rounds
from bot.matching import HelperProfile, OfferText
from bot.rounds import Participant, RoundPlan, Scorer, grouping, plan_round
from bot.rounds.fit import AskFit
from bot.schedule import round_slot
from bot.scheduler import Scheduler
from bot.skills import Vocabulary
from storage import Storage, tables

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
ZONES = {
    "America/Los_Angeles": -8.0,
    "America/New_York": -5.0,
    "America/Sao_Paulo": -3.0,
    "Europe/London": 0.0,
    "Europe/Berlin": 1.0,
    "Asia/Kolkata": 5.5,
    "Asia/Tokyo": 9.0,
    "Australia/Sydney": 11.0,
}
WINDOW = 6


class Simulated:
    """Members with skills, offers and asks: givers and askers overlap by area, as in
    a real community, so some pairs can give each other something and most cannot."""

    def __init__(self, members: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        skills = Vocabulary.default().skills
        by_area: dict[str, list[str]] = {}
        for skill in skills:
            by_area.setdefault(skill.area, []).append(skill.label)
        areas = sorted(by_area)
        self.profiles: list[HelperProfile] = []
        self.asks: dict[int, list[str]] = {}
        self.zones: dict[int, str] = {}
        for m in range(1, members + 1):
            area = by_area[rng.choice(areas)]
            own = rng.sample(area, 2)
            self.zones[m] = rng.choice(sorted(ZONES))
            self.profiles.append(
                HelperProfile(
                    member_id=m,
                    name=f"Member {m}",
                    skills=tuple(own),
                    offers=(OfferText(m, f"Happy to help with {own[0]}"),),
                    timezone=self.zones[m],
                )
            )
            if rng.random() < 0.5:
                wanted = rng.choice(by_area[rng.choice(areas)])
                self.asks[m] = [f"Could someone help me with {wanted}?"]

    def participants(self, met: dict[int, set[int]]) -> list[Participant]:
        return [
            Participant(p.member_id, ZONES[self.zones[p.member_id]], frozenset(met[p.member_id]))
            for p in self.profiles
        ]


def exact_optimum(scorer: Scorer) -> float:
    graph: nx.Graph[int] = nx.Graph()
    for a, b in itertools.combinations(sorted(scorer.people), 2):
        if (score := scorer.score(a, b)) is not None:
            graph.add_edge(a, b, weight=score)
    return sum(
        scorer.score(a, b) or 0.0 for a, b in nx.max_weight_matching(graph, maxcardinality=True)
    )


def gives(fit: AskFit, members: tuple[int, ...]) -> bool:
    return any(fit.fit(a, b) > 0 for a in members for b in members if a != b)


def quality(members: int, rounds: int) -> None:
    community = Simulated(members)
    fit = AskFit(community.profiles, community.asks, Vocabulary.default(), START)
    for path, exact_edges in (("exact", grouping.EXACT_EDGES), ("swaps", 0)):
        grouping.EXACT_EDGES = exact_edges
        history: deque[list[RoundGroup]] = deque(maxlen=WINDOW)
        met: dict[int, set[int]] = {p.member_id: set() for p in community.profiles}
        repeats = silent = told = fitting = random_fitting = groups_made = 0
        ratios: list[float] = []
        rng = random.Random(1)
        for n in range(rounds):
            forbidden = kept_apart_in_rounds([], [], [g for past in history for g in past])
            participants = community.participants(met)
            plan = plan_round(participants, fit, forbidden=forbidden, seed=f"r{n}")
            placed = [m for g in plan.groups for m in g.members] + list(plan.unplaced)
            silent += members - len(set(placed))
            told += len(plan.unplaced)
            groups = [RoundGroup(1, n, list(g.members)) for g in plan.groups]
            repeats += sum(1 for g in groups for pair in g.pairs() if pair in forbidden)
            fitting += sum(1 for g in plan.groups if gives(fit, g.members))
            groups_made += len(plan.groups)
            shuffled = [p.member_id for p in participants]
            rng.shuffle(shuffled)
            random_fitting += sum(
                1 for i in range(0, len(shuffled) - 1, 2) if gives(fit, tuple(shuffled[i : i + 2]))
            )
            ratios.append(_ratio(plan, Scorer(participants, fit, forbidden)))
            history.append(groups)
            for g in groups:
                for a, b in g.pairs():
                    met[a].add(b)
                    met[b].add(a)
        print(
            f"{members} members, {rounds} rounds, {path} path: repeats within {WINDOW} rounds "
            f"{repeats}; left out silently {silent}; told they sit out {told}; "
            f"groups where someone could give another {fitting}/{groups_made} "
            f"(random pairs: {random_fitting}, x{fitting / max(random_fitting, 1):.1f}); "
            f"score vs exact optimum: worst {min(ratios):.3f}, "
            f"median {statistics.median(ratios):.3f}"
        )
    grouping.EXACT_EDGES = 4_000


def _ratio(plan: RoundPlan, scorer: Scorer) -> float:
    best = exact_optimum(scorer)
    pairs = sum(
        scorer.score(a, b) or 0.0
        for g in plan.groups
        for a, b in itertools.combinations(g.members, 2)
        if len(g.members) == 2
    )
    # A trio (odd counts) is scored on its best pair, as the matching would count it.
    trios = sum(
        max(scorer.score(a, b) or 0.0 for a, b in itertools.combinations(g.members, 2))
        for g in plan.groups
        if len(g.members) == 3
    )
    return (pairs + trios) / best if best else 1.0


async def populate(storage: Storage, community: Simulated) -> None:
    rows_members, rows_offers, rows_asks, rows_joined = [], [], [], []
    for p in community.profiles:
        rows_members.append(
            dict(
                id=p.member_id,
                community_id=1,
                platform_user_id=f"U{p.member_id}",
                display_name=p.name,
                joined_at=START - timedelta(days=90),
                timezone=p.timezone,
                skills=list(p.skills),
                public_thanks=True,
                dm_closed=False,
            )
        )
        rows_offers += [
            dict(
                community_id=1,
                member_id=p.member_id,
                text=o.text,
                skills=[],
                created_at=START - timedelta(days=30),
                status="open",
            )
            for o in p.offers
        ]
        rows_asks += [
            dict(
                community_id=1,
                member_id=p.member_id,
                text=text,
                skills=[],
                private=False,
                created_at=START - timedelta(days=10),
                status="open",
                looking_for_helper=False,
            )
            for text in community.asks.get(p.member_id, [])
        ]
        rows_joined.append(
            dict(community_id=1, member_id=p.member_id, joined_at=START, skip_next=False)
        )
    async with storage.engine.begin() as conn:
        await conn.execute(
            insert(tables.communities),
            [
                dict(
                    id=1,
                    key="bench:rounds",
                    name="",
                    channel_id="C1",
                    admin_ids=[],
                    digest_weekday=3,
                    digest_hour=9,
                    timezone="UTC",
                    skip_quiet_weeks=True,
                    capacity=2,
                    intro_expiry_days=3,
                    follow_up_days=7,
                    aliases={},
                    created_at=START - timedelta(days=90),
                    rounds_every_weeks=1,
                    rounds_hour=10,
                    rounds_since=START,
                )
            ],
        )
        for table, rows in (
            (tables.members, rows_members),
            (tables.offers, rows_offers),
            (tables.asks, rows_asks),
            (tables.round_participants, rows_joined),
        ):
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(table), rows[start : start + 5000])


async def scale(members: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        storage = Storage.connect(f"sqlite:///{Path(folder) / 'rounds.db'}")
        await storage.upgrade()
        await populate(storage, Simulated(members))
        clock = FakeClock(START)
        scheduler = Scheduler(storage.unit_of_work, clock, min_interval=0)
        times: list[float] = []
        memory: list[float] = []
        stalls: list[float] = []
        for n in range(rounds):
            clock.set(START + timedelta(weeks=n, hours=1, minutes=1))
            async with storage.unit_of_work() as uow:
                community = await uow.communities.get(1)
            assert community is not None
            slot = round_slot(community, clock.now())
            assert slot is not None
            ticker = StallTicker()
            started = time.perf_counter()
            queued = await scheduler.claim_round(community, slot, clock.now())
            times.append(time.perf_counter() - started)
            stalls += await ticker.stop()
            memory.append(status_mb("VmRSS"))
            print(f"  round {n + 1}: {times[-1]:.1f} s, {queued} introductions queued")
        await storage.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stalls.sort()
    print(
        f"{members} members, {rounds} rounds through the scheduler on SQLite: "
        f"per round p50 {statistics.median(times):.1f} s, worst {max(times):.1f} s; "
        f"event loop stalls p50 {stalls[len(stalls) // 2]:.1f} ms, "
        f"p99 {stalls[int(len(stalls) * 0.99)]:.1f} ms, max {stalls[-1]:.1f} ms; "
        f"peak memory {peak:.0f} MB; memory after each round "
        f"{', '.join(f'{m:.0f}' for m in memory)} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--big-rounds", type=int, default=3)
    args = parser.parse_args()
    quality(args.members, args.rounds)
    if args.big:
        asyncio.run(scale(args.big, args.big_rounds))


if __name__ == "__main__":
    main()
