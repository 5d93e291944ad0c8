"""Putting a round's participants into pairs (or trios), nobody left out.

The pairs are a maximum-weight matching over a sparse graph of candidate pairs:
each member's likely givers and receivers, a few members in nearby time zones and a
few chosen at random (so that everyone can meet anyone, and the community mixes).
Up to :data:`EXACT_EDGES` candidate pairs the matching is exact (networkx's blossom
algorithm, which puts as many people in pairs as possible first); beyond that a
greedy matching improved by swapping partners, which is within a few percent of the
exact one and fast enough for ten thousand members (see ``bench/pairing_rounds.py``).

Then the group sizes are made right: with pairs, an odd count makes one trio; with
trios, the weakest pairs are split up and their members each join another pair.
Whoever the hard rules keep from everyone is reported, never dropped silently.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.rounds.repair import gain_of_joining, make_room, regroup
from bot.rounds.scores import GiveFit, Participant, Scorer, pair_key

if TYPE_CHECKING:
    import networkx as nx

EXACT_EDGES = 4_000
"""Candidate pairs up to which the matching is exact; the exact algorithm's time grows
steeply beyond (about 2 s for 500 members and 7,000 pairs)."""
ALL_PAIRS_UP_TO = 90
"""Communities this small consider every pair."""
LIKELY_GIVERS = 8
NEARBY = 6
AT_RANDOM = 6
IMPROVING_PASSES = 4
HOMES_LOOKED_AT = 64


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]
    score: float


@dataclass(frozen=True)
class RoundPlan:
    groups: tuple[Group, ...]
    unplaced: tuple[int, ...] = ()
    """Members the hard rules kept from everyone, or the only one who joined."""

    @property
    def score(self) -> float:
        return sum(g.score for g in self.groups)


def group_sizes(people: int, size: int) -> tuple[int, int]:
    """How many trios and pairs ``people`` make with groups of ``size`` (2 or 3)."""
    if people < 2:
        return 0, 0
    if size == 2:
        trios = people % 2
    else:
        trios = {0: people // 3, 1: (people - 4) // 3, 2: (people - 2) // 3}[people % 3]
    return trios, (people - 3 * trios) // 2


def plan_round(
    participants: Sequence[Participant],
    fit: GiveFit,
    *,
    forbidden: Collection[tuple[int, int]] = (),
    size: int = 2,
    seed: str = "",
) -> RoundPlan:
    """Groups for one round that maximise the sum of their pair scores.

    ``forbidden`` pairs never share a group; ``seed`` makes the random choices
    repeatable (the same round planned twice comes out the same)."""
    scorer = Scorer(participants, fit, forbidden)
    rng = random.Random(seed)
    ids = sorted(scorer.people)
    edges = candidate_pairs(ids, scorer, rng)
    mate = match(ids, edges, scorer)
    pairs = sorted(
        {pair_key(a, b) for a, b in mate.items()},
        key=lambda p: (-(scorer.score(*p) or 0.0), p),
    )
    singles = [m for m in ids if m not in mate]
    return _sized(pairs, singles, edges, scorer, size, rng)


def candidate_pairs(ids: Sequence[int], scorer: Scorer, rng: random.Random) -> dict[int, set[int]]:
    """Each member's candidate partners (symmetric), all of them allowed pairs."""
    out: dict[int, set[int]] = {m: set() for m in ids}

    def add(a: int, b: int) -> None:
        if b in out and scorer.score(a, b) is not None:
            out[a].add(b)
            out[b].add(a)

    if len(ids) <= ALL_PAIRS_UP_TO:
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                add(a, b)
        return out
    by_hour: dict[int | None, list[int]] = {}
    for m in ids:
        offset = scorer.people[m].utc_offset
        by_hour.setdefault(None if offset is None else round(offset), []).append(m)
    for a in ids:
        taken = 0
        for giver in scorer.fit.likely_givers(a):
            if taken == LIKELY_GIVERS:
                break
            if giver in out and giver != a:
                add(a, giver)
                taken += 1
        offset = scorer.people[a].utc_offset
        hour = None if offset is None else round(offset)
        near = by_hour[hour] if hour is None else by_hour.get(hour, [])
        for b in rng.sample(near, min(NEARBY, len(near))):
            add(a, b)
        for b in rng.sample(ids, min(AT_RANDOM, len(ids))):
            add(a, b)
    return out


def match(ids: Sequence[int], edges: dict[int, set[int]], scorer: Scorer) -> dict[int, int]:
    """A maximum-weight matching that first puts as many members in pairs as it can."""
    count = sum(len(partners) for partners in edges.values()) // 2
    if count <= EXACT_EDGES:
        # Imported when a round is planned: networkx takes about 11 MB in every
        # process that imports it, and most of givefirst's processes never plan one.
        import networkx as nx

        graph: nx.Graph[int] = nx.Graph()
        graph.add_nodes_from(ids)
        for a, partners in edges.items():
            for b in partners:
                if a < b:
                    graph.add_edge(a, b, weight=scorer.score(a, b))
        mate: dict[int, int] = {}
        for a, b in nx.max_weight_matching(graph, maxcardinality=True):
            mate[a], mate[b] = b, a
        return mate
    return _improved(_greedy(edges, scorer), ids, edges, scorer)


def _greedy(edges: dict[int, set[int]], scorer: Scorer) -> dict[int, int]:
    ranked = sorted(
        (
            (scorer.score(a, b) or 0.0, a, b)
            for a, partners in edges.items()
            for b in partners
            if a < b
        ),
        reverse=True,
    )
    mate: dict[int, int] = {}
    for _, a, b in ranked:
        if a not in mate and b not in mate:
            mate[a], mate[b] = b, a
    return mate


def _improved(
    mate: dict[int, int], ids: Sequence[int], edges: dict[int, set[int]], scorer: Scorer
) -> dict[int, int]:
    """Local improvements: pair up the unpaired through one exchange, then swap
    partners between two pairs whenever both new pairs together score higher."""

    def weight(a: int | None, b: int | None) -> float | None:
        if a is None or b is None:
            return 0.0
        return scorer.score(a, b)

    for a in ids:
        if a in mate:
            continue
        for c in edges[a]:
            d = mate.get(c)
            if d is None:
                mate[a], mate[c] = c, a
                break
            free = next((e for e in edges[d] if e not in mate and e != a), None)
            if free is not None:
                mate[a], mate[c], mate[d], mate[free] = c, a, free, d
                break
    for _ in range(IMPROVING_PASSES):
        improved = False
        for a in ids:
            b = mate.get(a)
            if b is None:
                continue
            for c in edges[a]:
                d = mate.get(c)
                if c == b or d is None or d == a:
                    continue
                w_bd = weight(b, d)
                w_ac = weight(a, c)
                if w_bd is None or w_ac is None:
                    continue
                if w_ac + w_bd > (weight(a, b) or 0.0) + (weight(c, d) or 0.0) + 1e-9:
                    mate[a], mate[c], mate[b], mate[d] = c, a, d, b
                    b = c
                    improved = True
        if not improved:
            break
    return mate


def _sized(
    pairs: list[tuple[int, int]],
    singles: list[int],
    edges: dict[int, set[int]],
    scorer: Scorer,
    size: int,
    rng: random.Random,
) -> RoundPlan:
    """Turn pairs and the unpaired into groups of the wanted sizes."""
    people = 2 * len(pairs) + len(singles)
    trios, duos = group_sizes(people, size)
    wanted = trios + duos
    singles = _pair_up(singles, pairs, scorer, wanted)
    while len(pairs) > wanted:
        singles.extend(pairs.pop())  # the weakest pairs go first
    groups: list[list[int]] = [list(p) for p in pairs]
    group_of = {m: g for g in groups for m in g}
    unplaced = _join(singles, groups, group_of, edges, scorer, rng)
    if len(unplaced) >= 2:
        # The rules kept them from every group: those who may meet each other still do.
        extra: list[tuple[int, int]] = []
        rest = _pair_up(unplaced, extra, scorer, len(unplaced))
        groups += [list(p) for p in extra]
        group_of.update({m: g for g in groups[len(groups) - len(extra) :] for m in g})
        unplaced = _join(rest, groups, group_of, edges, scorer, rng)
    unplaced = [m for m in unplaced if not make_room(m, groups, group_of, edges, scorer)]
    unplaced = [m for m in unplaced if not regroup(m, groups, group_of, edges, scorer, size)]
    return RoundPlan(
        tuple(
            Group(tuple(g), scorer.group_score(g) or 0.0)
            for g in sorted(groups, key=lambda g: min(g))
        ),
        tuple(sorted(unplaced)),
    )


def _join(
    singles: list[int],
    groups: list[list[int]],
    group_of: dict[int, list[int]],
    edges: dict[int, set[int]],
    scorer: Scorer,
    rng: random.Random,
) -> list[int]:
    """Each single joins the group they fit best; returns those no group may take."""
    unplaced: list[int] = []
    # Members with the fewest possible partners find a group first.
    for single in sorted(singles, key=lambda m: (len(edges[m]), m)):
        home = _best_home(single, groups, group_of, edges[single], scorer, rng)
        if home is None:
            unplaced.append(single)
        else:
            home.append(single)
            group_of[single] = home
    return unplaced


def _pair_up(
    singles: list[int], pairs: list[tuple[int, int]], scorer: Scorer, wanted: int
) -> list[int]:
    """Pair members left over by the matching with each other, while groups are short."""
    left = list(singles)
    while len(pairs) < wanted and len(left) >= 2:
        options = [
            (score, a, b)
            for i, a in enumerate(left)
            for b in left[i + 1 :]
            if (score := scorer.score(a, b)) is not None
        ]
        if not options:
            break
        _, a, b = max(options)
        pairs.append(pair_key(a, b))
        left = [m for m in left if m not in (a, b)]
    return left


def _best_home(
    single: int,
    groups: list[list[int]],
    group_of: dict[int, list[int]],
    partners: set[int],
    scorer: Scorer,
    rng: random.Random,
) -> list[int] | None:
    """The pair this member joins best as a third (among the pairs of their candidate
    partners and some others), or failing that any group they may join; None if the
    rules keep them from every group."""
    pairs = [g for g in groups if len(g) == 2]
    if len(pairs) > HOMES_LOOKED_AT:
        near = {id(g): g for m in partners if len(g := group_of.get(m, [])) == 2}
        pairs = [*near.values(), *rng.sample(pairs, HOMES_LOOKED_AT)]
    best: tuple[float, list[int]] | None = None
    for group in pairs:
        gain = gain_of_joining(single, group, scorer)
        if gain is not None and (best is None or gain > best[0]):
            best = (gain, group)
    if best is not None:
        return best[1]
    for group in groups:
        if gain_of_joining(single, group, scorer) is not None:
            return group
    return None
