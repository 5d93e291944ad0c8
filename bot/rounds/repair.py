"""Placing members a round's first grouping left out, when the rules allow it.

A member whom the rules keep from every group may still fit if others move: one
move first (:func:`make_room`), then every way of grouping them with the groups
nearest them (:func:`regroup`). Nobody is left out who some grouping places.
"""

from __future__ import annotations

import itertools

from bot.rounds.scores import Scorer

REGROUPED = 9
"""Members a left-out member and the groups nearest them may number, to be grouped
anew: every way of grouping nine is tried in milliseconds."""


def make_room(
    single: int,
    groups: list[list[int]],
    group_of: dict[int, list[int]],
    edges: dict[int, set[int]],
    scorer: Scorer,
) -> bool:
    """Place a member no group may take with one of their possible partners, whose
    group makes do without them: a trio stays a pair, and a partner's pair mate joins
    another pair as its third (ben, whom farid may not meet, leaves ana for chen and
    eve, and ana meets farid). The best such move, if any; whether there was one."""
    Move = tuple[float, list[int], list[int] | None, int]
    best: Move | None = None
    for partner in edges[single]:
        group = group_of.get(partner)
        if group is None:
            continue
        rest = [m for m in group if m != partner]
        gain = scorer.score(single, partner) or 0.0
        move: Move
        if len(rest) >= 2:
            move = (gain - (gain_of_joining(partner, rest, scorer) or 0.0), group, None, partner)
        else:
            [mate] = rest
            homes = [
                (extra, home)
                for home in groups
                if home is not group and len(home) == 2
                if (extra := gain_of_joining(mate, home, scorer)) is not None
            ]
            if not homes:
                continue
            extra, best_home = max(homes, key=lambda found: found[0])
            lost = scorer.score(partner, mate) or 0.0
            move = (gain + extra - lost, group, best_home, partner)
        if best is None or move[0] > best[0]:
            best = move
    if best is None:
        return False
    _, group, home, partner = best
    if home is None:  # the partner leaves a trio, which stays a pair
        group.remove(partner)
        groups.append([partner, single])
        group_of[partner] = group_of[single] = groups[-1]
    else:  # the partner's mate joins another pair
        [mate] = [m for m in group if m != partner]
        home.append(mate)
        group_of[mate] = home
        group[:] = [partner, single]
        group_of[single] = group
    return True


def regroup(
    single: int,
    groups: list[list[int]],
    group_of: dict[int, list[int]],
    edges: dict[int, set[int]],
    scorer: Scorer,
    size: int,
) -> bool:
    """Place a member no group may take by grouping them and the groups nearest them
    (their possible partners', then those groups' members' partners') anew, all ways
    tried, when one move (:func:`make_room`) was not enough. At most
    :data:`REGROUPED` members, so that trying every way stays quick; groups of the
    round's ``size`` (2 or 3) first, then the best scores."""
    near: list[list[int]] = []
    queue = [single]
    while queue:
        member = queue.pop(0)
        for partner in sorted(edges[member]):
            group = group_of.get(partner)
            if group is None or any(g is group for g in near):
                continue
            if 1 + sum(map(len, near)) + len(group) > REGROUPED:
                break
            near.append(group)
            queue.extend(group)
    found = _best_grouping([single, *(m for g in near for m in g)], scorer, size)
    if found is None:
        return False
    dropped = near[len(found) :]  # fewer groups than before: trios instead of pairs
    groups[:] = [g for g in groups if not any(g is d for d in dropped)]
    for at, members in enumerate(found):
        if at < len(near):
            group = near[at]
            group[:] = members
        else:
            group = members
            groups.append(group)
        for member in members:
            group_of[member] = group
    return True


def _best_grouping(members: list[int], scorer: Scorer, size: int) -> list[list[int]] | None:
    """The best way to put all these members in pairs and trios that break no rule,
    every way tried: as many groups of ``size`` as can be, then the best scores (a trio
    has three pairs' scores, so scores alone would make trios of pairs); None if there
    is no way."""
    best: tuple[int, float, list[list[int]]] | None = None

    def search(left: list[int], chosen: list[list[int]], total: float) -> None:
        nonlocal best
        if not left:
            sized = sum(len(g) == size for g in chosen)
            if best is None or (sized, total) > best[:2]:
                best = (sized, total, [list(g) for g in chosen])
            return
        first, rest = left[0], left[1:]
        for more in (1, 2):  # a pair, or a trio
            for others in itertools.combinations(rest, more):
                group = [first, *others]
                score = scorer.group_score(group)
                if score is not None:
                    chosen.append(group)
                    search([m for m in rest if m not in others], chosen, total + score)
                    chosen.pop()

    search(members, [], 0.0)
    return best[2] if best is not None else None


def gain_of_joining(single: int, group: list[int], scorer: Scorer) -> float | None:
    """What a member adds to a group by joining it; None if a rule keeps them out."""
    total = 0.0
    for member in group:
        score = scorer.score(single, member)
        if score is None:
            return None
        total += score
    return total
