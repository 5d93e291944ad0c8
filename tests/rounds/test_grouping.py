"""Pairing a round, as properties that hold for any community: everyone is placed
once or told why not, the hard rules are never broken, odd counts make one trio, and
the groups are as good as an exact solver's."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterable

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.rounds import NoFit, Participant, RoundPlan, Scorer, group_sizes, grouping, plan_round

OFFSETS = [None, -8.0, -5.0, 0.0, 1.0, 5.5, 9.0, 12.0]


class TableFit:
    """Who could give whom, from a table: (giver, receiver) -> fit."""

    def __init__(self, table: dict[tuple[int, int], float]) -> None:
        self.table = table

    def fit(self, giver: int, receiver: int) -> float:
        return self.table.get((giver, receiver), 0.0)

    def likely_givers(self, receiver: int) -> Iterable[int]:
        found = [(f, g) for (g, r), f in self.table.items() if r == receiver]
        return [g for _, g in sorted(found, reverse=True)]


@st.composite
def communities(
    draw: st.DrawFn, most: int = 14
) -> tuple[list[Participant], set[tuple[int, int]], TableFit]:
    n = draw(st.integers(0, most))
    people = [
        Participant(
            i,
            draw(st.sampled_from(OFFSETS)),
            frozenset(draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=3)) - {i}),
        )
        for i in range(n)
    ]
    pairs = list(itertools.combinations(range(n), 2))
    forbidden = set(draw(st.lists(st.sampled_from(pairs), max_size=n))) if pairs else set()
    fits = {}
    if n >= 2:
        for _ in range(draw(st.integers(0, n))):
            a, b = draw(st.sampled_from(pairs))
            fits[(a, b) if draw(st.booleans()) else (b, a)] = draw(st.floats(0.5, 1.0))
    return people, forbidden, TableFit(fits)


def placed(plan: RoundPlan) -> list[int]:
    return [m for g in plan.groups for m in g.members] + list(plan.unplaced)


@settings(max_examples=200, deadline=None)
@given(communities(), st.sampled_from([2, 3]))
def test_everyone_is_in_one_group_or_reported_and_no_rule_is_broken(
    community: tuple[list[Participant], set[tuple[int, int]], TableFit], size: int
) -> None:
    people, forbidden, fit = community
    plan = plan_round(people, fit, forbidden=forbidden, size=size, seed="r1")
    assert sorted(placed(plan)) == [p.member_id for p in people], "each member exactly once"
    for group in plan.groups:
        assert 2 <= len(group.members) <= 4
        for a, b in itertools.combinations(group.members, 2):
            assert (min(a, b), max(a, b)) not in forbidden, "a forbidden pair never meets"
    scorer = Scorer(people, fit, forbidden)
    for lone in plan.unplaced:
        # Left out only when the rules keep them from every group and every other
        # member left out: nobody is dropped to make the numbers work.
        for group in plan.groups:
            assert any(not scorer.allowed(lone, m) for m in group.members)
        for other in plan.unplaced:
            assert other == lone or not scorer.allowed(lone, other)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 60), st.sampled_from([2, 3]))
def test_without_rules_in_the_way_the_sizes_are_as_asked(people: int, size: int) -> None:
    rng = random.Random(people)
    participants = [Participant(i, rng.choice(OFFSETS)) for i in range(people)]
    plan = plan_round(participants, NoFit(), size=size, seed="s")
    assert plan.unplaced == ()
    sizes = Counter(len(g.members) for g in plan.groups)
    trios, pairs = group_sizes(people, size)
    assert sizes == Counter({3: trios, 2: pairs}) - Counter()
    if size == 2:
        assert sizes[3] == people % 2, "an odd count makes exactly one trio"


def test_one_member_alone_is_reported_not_dropped() -> None:
    plan = plan_round([Participant(7)], NoFit())
    assert plan.groups == () and plan.unplaced == (7,)


def test_the_same_round_planned_twice_comes_out_the_same() -> None:
    rng = random.Random(3)
    people = [Participant(i, rng.choice(OFFSETS)) for i in range(300)]
    first = plan_round(people, NoFit(), seed="console:x:2026-03-02")
    again = plan_round(people, NoFit(), seed="console:x:2026-03-02")
    assert first == again


def test_people_far_apart_in_time_meet_someone_awake_when_they_are() -> None:
    tokyo = [Participant(i, 9.0) for i in range(6)]
    los_angeles = [Participant(10 + i, -8.0) for i in range(6)]
    plan = plan_round(tokyo + los_angeles, NoFit(), seed="tz")
    for group in plan.groups:
        assert len({(m < 10) for m in group.members}) == 1, "nobody meets at 3 am"


def test_members_who_could_give_each_other_something_are_paired() -> None:
    people = [Participant(i, 0.0) for i in range(8)]
    fit = TableFit({(0, 5): 1.0, (5, 0): 0.8, (2, 7): 0.9})
    plan = plan_round(people, fit, seed="fit")
    groups = {frozenset(g.members) for g in plan.groups}
    assert frozenset({0, 5}) in groups and frozenset({2, 7}) in groups


def test_new_ties_come_before_people_who_already_know_each_other() -> None:
    people = [
        Participant(0, 0.0, frozenset({1})),
        Participant(1, 0.0, frozenset({0})),
        Participant(2, 0.0),
        Participant(3, 0.0),
    ]
    plan = plan_round(people, NoFit(), seed="ties")
    assert {frozenset(g.members) for g in plan.groups} == {
        frozenset({0, 2}),
        frozenset({1, 3}),
    } or {frozenset(g.members) for g in plan.groups} == {frozenset({0, 3}), frozenset({1, 2})}


def exact_optimum(scorer: Scorer) -> float:
    graph: nx.Graph[int] = nx.Graph()
    for a, b in itertools.combinations(sorted(scorer.people), 2):
        if (score := scorer.score(a, b)) is not None:
            graph.add_edge(a, b, weight=score)
    matching = nx.max_weight_matching(graph, maxcardinality=True)
    return sum(scorer.score(a, b) or 0.0 for a, b in matching)


def random_community(n: int, seed: int) -> tuple[list[Participant], TableFit, set[tuple[int, int]]]:
    rng = random.Random(seed)
    people = [
        Participant(i, rng.choice(OFFSETS), frozenset(rng.sample(range(n), 3)) - {i})
        for i in range(n)
    ]
    fit = TableFit({(rng.randrange(n), rng.randrange(n)): rng.uniform(0.5, 1) for _ in range(n)})
    forbidden = {tuple(sorted(rng.sample(range(n), 2))) for _ in range(n)}
    return people, fit, forbidden  # type: ignore[return-value]


@pytest.mark.parametrize("exact_edges", [grouping.EXACT_EDGES, 0], ids=["exact", "swaps"])
def test_the_groups_score_close_to_an_exact_solvers_optimum(
    exact_edges: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grouping, "EXACT_EDGES", exact_edges)
    monkeypatch.setattr(grouping, "ALL_PAIRS_UP_TO", 0)  # candidate pairs, as at scale
    for seed in range(3):
        people, fit, forbidden = random_community(120, seed)
        plan = plan_round(people, fit, forbidden=forbidden, seed=str(seed))
        assert plan.unplaced == ()
        best = exact_optimum(Scorer(people, fit, forbidden))
        assert plan.score >= 0.95 * best


def fewest_left_out(people: list[int], scorer: Scorer) -> int:
    """How few members any grouping into pairs and trios that breaks no rule leaves out."""
    if not people:
        return 0
    first, rest = people[0], people[1:]
    best = 1 + fewest_left_out(rest, scorer)  # the first left out
    for size in (1, 2):
        for others in itertools.combinations(rest, size):
            group = (first, *others)
            if all(scorer.allowed(a, b) for a, b in itertools.combinations(group, 2)):
                remaining = [m for m in rest if m not in others]
                best = min(best, fewest_left_out(remaining, scorer))
                if best == 0:
                    return 0
    return best


@settings(max_examples=300, deadline=None)
@given(communities(most=8), st.sampled_from([2, 3]))
def test_nobody_is_left_out_when_some_grouping_places_them(
    community: tuple[list[Participant], set[tuple[int, int]], TableFit], size: int
) -> None:
    people, forbidden, fit = community
    plan = plan_round(people, fit, forbidden=forbidden, size=size, seed="r1")
    scorer = Scorer(people, fit, forbidden)
    assert len(plan.unplaced) == fewest_left_out([p.member_id for p in people], scorer)


def test_a_member_kept_from_most_is_paired_with_the_one_they_may_meet() -> None:
    """Farid may meet only Ana: Ana meets Farid, and the other three make a trio."""
    ana, ben, chen, eve, farid = range(5)
    fit = TableFit({(ana, ben): 1.0})  # Ana could give Ben what he asked for
    forbidden = {(ben, farid), (chen, farid), (eve, farid)}
    plan = plan_round([Participant(m, 0.0) for m in range(5)], fit, forbidden=forbidden, seed="x")
    assert plan.unplaced == ()
    assert {frozenset(g.members) for g in plan.groups} == {
        frozenset({ana, farid}),
        frozenset({ben, chen, eve}),
    }


def test_regrouping_to_place_someone_keeps_the_rounds_group_size() -> None:
    """A trio scores three pairs, so scores alone would turn pairs into trios."""
    from bot.rounds.repair import regroup

    people = [Participant(m, 0.0) for m in range(11)]
    forbidden = {(min(8, m), max(8, m)) for m in range(11) if m not in (0, 2, 8)}
    scorer = Scorer(people, NoFit(), forbidden)
    groups = [[0, 1], [2, 3], [4, 5], [6, 7], [9, 10]]
    group_of = {m: g for g in groups for m in g}
    edges = {a: {b for b in range(11) if b != a and scorer.allowed(a, b)} for a in range(11)}
    assert regroup(8, groups, group_of, edges, scorer, 2)
    assert sorted(m for g in groups for m in g) == list(range(11)), "each once"
    assert sorted(len(g) for g in groups) == [2, 2, 2, 2, 3], "one trio, as 11 need"
