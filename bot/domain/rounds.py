"""Give-first rounds: members who joined are introduced every few weeks to someone new.

A :class:`Round` is one community's round at one slot; its :class:`RoundGroup` s are
the pairs (or trios) it made and whether they met. Who takes part is a
:class:`RoundParticipant` each; a :class:`NeverPair` is one member's private wish
never to be paired with another.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.members import Member
from bot.errors import NotAllowed

DEFAULT_ROUND_SIZE = 2
DEFAULT_ROUND_WINDOW = 6
"""Rounds within which the same two members are never paired again."""
DEFAULT_ROUND_HOUR = 10


TOLD_BEFORE = "before"
"""The answer of a group told before each member's answer was kept."""


class RoundOutcome(enum.StrEnum):
    MET = "met"
    NOT_MET = "not_met"


@dataclass(eq=False)
class RoundParticipant:
    """A member who joined the community's rounds."""

    community_id: int
    member_id: int
    joined_at: datetime
    skip_next: bool = False
    """They sit out the next round (then take part again)."""
    told_paused_until: datetime | None = None
    """The end of the break they were last told they sit out rounds for."""
    id: int | None = None


@dataclass(eq=False)
class NeverPair:
    """``member_id`` asked never to be paired with ``other_id`` in a round.

    Private: only ``member_id`` ever sees it; the other member is not told."""

    community_id: int
    member_id: int
    other_id: int
    created_at: datetime
    id: int | None = None


@dataclass(eq=False)
class Round:
    """One community's round at one slot, planned once."""

    community_id: int
    slot: datetime
    planned_at: datetime
    follow_up_due_at: datetime
    joined: int = 0
    """Members who had joined when it was planned (taking part or not)."""
    follow_up_sent_at: datetime | None = None
    id: int | None = None


@dataclass(eq=False)
class RoundGroup:
    """A pair or trio a round introduced, and whether they met: each member's own
    answer, and the group's (they met if anyone says so)."""

    community_id: int
    round_id: int
    member_ids: list[int] = field(default_factory=list)
    outcome: RoundOutcome | None = None
    outcome_at: datetime | None = None
    answers: dict[str, str] | None = None
    """Each member's last answer, by member id (as text: the database keeps JSON).
    None for groups answered before answers were kept one by one."""
    id: int | None = None

    def involves(self, member_id: int | None) -> bool:
        return member_id in self.member_ids

    def pairs(self) -> list[tuple[int, int]]:
        """Every two members of the group, smaller id first."""
        return [(min(a, b), max(a, b)) for a, b in itertools.combinations(self.member_ids, 2)]

    def record(self, member: Member, outcome: RoundOutcome, now: datetime) -> None:
        """One of the group says whether they met (again, if they change their mind).
        The group met if anyone in it says so: one member's "not this time" does not
        undo another's "we met", but it is kept as that member's answer."""
        if not self.involves(member.id):
            raise NotAllowed("That introduction was for other members.")
        if self.answers is None and self.outcome is RoundOutcome.MET:
            # Told before answers were kept one by one: by whom is not known, so it
            # stays told, under a key no member's answer has.
            self.answers = {TOLD_BEFORE: RoundOutcome.MET.value}
        self.answers = {**(self.answers or {}), str(member.id): outcome.value}
        met = RoundOutcome.MET.value in self.answers.values()
        group = RoundOutcome.MET if met else RoundOutcome.NOT_MET
        if group is not self.outcome:
            self.outcome, self.outcome_at = group, now

    def answer_of(self, member_id: int | None) -> RoundOutcome | None:
        """What one member said, if they answered (None for a group answered before
        answers were kept one by one)."""
        said = (self.answers or {}).get(str(member_id))
        return RoundOutcome(said) if said is not None else None


def was_a_group(
    outcome: RoundOutcome | None, member_ids: Iterable[int], here: Container[int]
) -> bool:
    """Whether a round's group counts in how many met: it said, or two of its members
    (``here``: not forgotten) are left to be asked; a pair one member's forget-me left
    alone before anyone answered was never asked."""
    return outcome is not None or sum(1 for i in member_ids if i in here) >= 2


def meeting_rate(groups: list[RoundGroup]) -> tuple[int, int]:
    """(groups that met, groups) for one round."""
    return sum(1 for g in groups if g.outcome is RoundOutcome.MET), len(groups)
