"""Give-first rounds: who meets whom, as a pure computation.

:mod:`bot.rounds.grouping` puts the members who joined a round into pairs (or
trios) from their pair scores (:mod:`bot.rounds.scores`) and the hard rules;
:mod:`bot.rounds.fit` says how well one member could give another something they
asked for, through the matching engine. Nothing here reads storage or talks to a
platform.
"""

from bot.rounds.grouping import Group, RoundPlan, group_sizes, plan_round
from bot.rounds.scores import GiveFit, NoFit, PairReasons, Participant, Scorer

__all__ = [
    "GiveFit",
    "Group",
    "NoFit",
    "PairReasons",
    "Participant",
    "RoundPlan",
    "Scorer",
    "group_sizes",
    "plan_round",
]
