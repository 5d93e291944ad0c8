"""Meaning and words together: who in a community fits an ask, and how sure to be.

A member's relevance is how close the closest of their fields is to the ask (a
sentence model's cosine), plus a little for their profile as a whole and for the
skills and words the ask shares with them (:mod:`bot.matching.index`). Being sure is
about standing out: the right helper for an ask is usually far closer than most
members, while an ask nobody here can answer leaves several members about equally,
and only loosely, close. So the best member must lead the tenth best (in a small
community, the one a fifth of the way down) by a margin to be suggested with
confidence; otherwise the closest few are offered as a lead, and said to be one.
Fairness re-orders the confident suggestions last.

Searching is two steps, so the caller can read what fairness needs (each leading
member's recent load) for the leaders only: :meth:`rank` scores the community,
:meth:`choose` applies the rules. The weights and the margin were chosen on labelled
communities kept for tuning, and checked on others written by people who never saw
the engine (see ``bench/matching_quality.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

import numpy as np

from bot.matching import fairness
from bot.matching.fields import Vector
from bot.matching.index import MatchIndex
from bot.matching.postings import WordScores
from bot.matching.profiles import Candidate, MatchContext
from bot.matching.vectors import Closeness, Nearness, ProfileScores, VectorIndex

PROFILE_WEIGHT = 0.3
WORDS_WEIGHT = 0.2
"""What shared skills and words add, at most (one named skill only one member has)."""
CONFIDENT_MARGIN = 0.26
"""How far the best member must lead the tenth best to be suggested with confidence."""
SINGLED_OUT_EASING = 0.12
"""How much smaller the lead may be when the words single the best member out too
(see :func:`_singled_out`): 0.14 with the default margin."""
SINGLED_OUT_WORDS = 1.0
"""Words that single a member out: as much as a skill the ask names that nobody else
in the community has."""
SINGLED_OUT_GAP = 0.2
"""… and this far ahead of the next member by words."""
NEAR_BEST = 0.18
"""Confident suggestions are those within this of the best: a distant runner-up is
not suggested just to make three."""
SAYS_THE_SAME = 0.55
"""A member whose closest field is this close to the ask (the model's cosine) says
nearly what it asks, and is suggested with confidence however many others say it
too: in a big community a hundred members may offer salary negotiation, and then none
of them stands out from the tenth best. (No ask nobody could answer came within 0.05
of it in the communities the engine was tuned on.)"""
LEAD_FLOOR = 0.30
"""Below this, nobody is close enough even to mention as a lead."""
MARGIN_RANK = 10
"""The member the best must lead: the tenth best, or in a community of under 50 the
one a fifth of the way down (at least the fifth best). In a community of 12 the
tenth best is near the bottom, and leading them by the margin proved little: most
asks there have nobody who can answer them, and the closest of a few unrelated
members was suggested with confidence."""
MARGIN_SHARE = 0.2
MARGIN_RANK_SMALLEST = 5
UNRELATED = 0.15
"""What an unrelated member typically scores: small communities are compared with it."""
LEXICAL_CANDIDATES = 50
POOL = 24
LEADERS = 48
"""Members whose recent load is read for a search: more than fairness can reach."""


@dataclass(frozen=True)
class Suggestions:
    """Whom to suggest for an ask: ``confident`` ones, or else the ``closest`` few as
    a lead, with ``margin`` (how far the best member stands out) for calibration."""

    confident: list[Candidate] = field(default_factory=list)
    closest: list[Candidate] = field(default_factory=list)
    margin: float | None = None
    """None when ranked by words alone."""


@dataclass(frozen=True)
class Ranking:
    """A community scored for one ask, before any rule about who may be asked."""

    ask_text: str
    scores: list[tuple[int, float]]
    """Members and their relevance, best first."""
    sure: bool
    """Whether the best stand out enough to be suggested with confidence."""
    margin: float | None
    """How far the best stand out by meaning and words; None by words alone."""
    urgent: bool
    closeness: Mapping[int, Closeness] = field(default_factory=lambda: Nearness.NOBODY)
    near: float = NEAR_BEST
    """How close to the best a confident suggestion must be (any, by words alone)."""
    says_the_same: bool = False
    """Whether being sure rests on this alone: the best member's closest words say
    nearly what the ask says (see :data:`SAYS_THE_SAME`), though nobody stands out.
    Then only members whose own words do are confident suggestions."""
    many_have_it: bool = False
    """Whether being sure rests on this alone: the ask names a skill that each of the
    best :data:`MARGIN_RANK` declared or offered, so nobody stands out from them. Then
    only members who have a skill the ask names are confident suggestions."""

    def leaders(self, count: int = LEADERS) -> list[int]:
        return [member for member, _ in self.scores[:count]]


class Search(Protocol):
    def rank(
        self,
        ask_text: str,
        ask_vector: Vector | None,
        *,
        profiles: ProfileScores | None = None,
    ) -> Ranking: ...

    def choose(self, ranking: Ranking, context: MatchContext, *, top: int = 3) -> Suggestions: ...
    def explain(self, member: int, ranking: Ranking, context: MatchContext) -> tuple[str, ...]: ...


class _Choosing:
    """The rules applied to a ranking: who may be asked, fairness, reasons."""

    _words: MatchIndex

    def choose(self, ranking: Ranking, context: MatchContext, *, top: int = 3) -> Suggestions:
        if top <= 0 or not ranking.scores:
            return Suggestions(margin=ranking.margin)
        eligible = list(
            islice(((m, s) for m, s in ranking.scores if fairness.is_eligible(m, context)), POOL)
        )
        # Confident suggestions are as close to the ask as the best member in the
        # community: when the best can't be asked (the asker, or members away or busy),
        # those left are no more than leads, however far the best stood out.
        near = [(m, s) for m, s in eligible if s >= ranking.scores[0][1] - ranking.near]
        if ranking.says_the_same:
            near = [(m, s) for m, s in near if _says_the_same(ranking.closeness.get(m))]
        elif ranking.many_have_it:  # fairness picks among those who have it
            near = [(m, s) for m, s in near if self._words.all_have_named(ranking.ask_text, [m])]
        if ranking.sure and near:
            chosen = sorted(
                near,
                key=lambda pair: (-self._priority(pair, context, ranking.urgent), pair[0]),
            )[:top]
            return Suggestions(
                confident=[self._candidate(ranking, m, s, context) for m, s in chosen],
                margin=ranking.margin,
            )
        leads = [(m, s) for m, s in eligible if s >= LEAD_FLOOR][: min(top, 2)]
        return Suggestions(
            closest=[self._candidate(ranking, m, s, context) for m, s in leads],
            margin=ranking.margin,
        )

    def explain(self, member: int, ranking: Ranking, context: MatchContext) -> tuple[str, ...]:
        """Why a member fits an ask, whether or not they were among the best."""
        score = dict(ranking.scores).get(member, 0.0)
        return self._candidate(ranking, member, score, context).reasons

    def _priority(self, pair: tuple[int, float], context: MatchContext, urgent: bool) -> float:
        member, score = pair
        profile = self._words.profile(member)
        timezone = profile.timezone if profile else None
        return fairness.priority(member, score, context, timezone, urgent)

    def _candidate(
        self, ranking: Ranking, member: int, score: float, context: MatchContext
    ) -> Candidate:
        reasons = list(self._words.reasons(member, ranking.ask_text, context))
        near = ranking.closeness.get(member)
        quote = self._quote(member, near.best_key) if near is not None else None
        if quote is not None and quote not in reasons and not _said(quote, reasons):
            reasons.insert(0, quote)
        return Candidate(member, round(score, 4), tuple(reasons))

    def _quote(self, member: int, key: str) -> str | None:
        """The member's own words that are closest to the ask."""
        profile = self._words.profile(member)
        if profile is None:
            return None
        kind, _, owner = key.partition(":")
        if kind == "offer":
            text = next((o.text for o in profile.offers if str(o.offer_id) == owner), None)
            return f"offered: '{_excerpt(text)}'" if text else None
        if kind == "bio" and profile.bio:
            return f"bio: '{_excerpt(profile.bio)}'"
        if kind == "skills" and profile.skills:
            return "skills: " + _excerpt(", ".join(self._words.labels(profile.skills)))
        return None


class HybridSearch(_Choosing):
    """Searches one community's word and vector indexes together."""

    def __init__(
        self,
        words: MatchIndex,
        vectors: VectorIndex,
        *,
        margin: float = CONFIDENT_MARGIN,
        words_weight: float = WORDS_WEIGHT,
    ) -> None:
        self._words = words
        self._vectors = vectors
        self._margin = margin
        self._words_weight = words_weight

    def rank(
        self,
        ask_text: str,
        ask_vector: Vector | None,
        *,
        profiles: ProfileScores | None = None,
    ) -> Ranking:
        """Every member worth considering for an ask, best first. ``profiles`` are the
        profiles' scores for the ask, if already made (see
        :meth:`VectorIndex.profiles_now`)."""
        if ask_vector is None:
            return LexicalSearch(self._words).rank(ask_text, None)
        words = self._words.relevance_in_units(ask_text)
        by_words = words.best(LEXICAL_CANDIDATES)
        closeness = self._vectors.closest(ask_vector, also=by_words, profiles=profiles)
        # Members whose words have no vectors yet are ranked by their words alone.
        unseen = [member for member in by_words if member not in closeness]
        members = np.concatenate([closeness.members, np.array(unseen, dtype=np.int64)])
        by_meaning = np.zeros(len(members), dtype=np.float64)
        by_meaning[: len(closeness)] = closeness.best_field + PROFILE_WEIGHT * np.asarray(
            closeness.profile, dtype=np.float64
        )
        scores = by_meaning + self._words_weight * np.minimum(words.of(members.tolist()), 1.0)
        order = np.lexsort((members, -scores))  # best first; of equal ones, the first member
        ranked = list(zip(members[order].tolist(), scores[order].tolist(), strict=True))
        margin = _margin([score for _, score in ranked])
        stands_out = margin >= self._margin or (
            self._words_weight > 0
            and margin >= self._margin - SINGLED_OUT_EASING
            and _singled_out(ranked, by_words, words)
        )
        same = not stands_out and bool(ranked) and _says_the_same(closeness.get(ranked[0][0]))
        # Nobody stands out because many have what the ask names: not a doubt.
        many = (
            not (stands_out or same)
            and self._words_weight > 0
            and len(ranked) >= MARGIN_RANK
            and self._words.all_have_named(ask_text, [m for m, _ in ranked[:MARGIN_RANK]])
        )
        return Ranking(
            ask_text,
            ranked,
            sure=(stands_out or same or many) and bool(ranked) and ranked[0][1] >= LEAD_FLOOR,
            margin=margin,
            urgent=self._words.is_urgent(ask_text),
            closeness=closeness,
            says_the_same=same,
            many_have_it=many,
        )


class LexicalSearch(_Choosing):
    """Words alone (``GIVEFIRST_MATCHING=lexical``, or before any vector exists): every
    member above the vocabulary's relevance floor counts as a confident suggestion."""

    def __init__(self, words: MatchIndex) -> None:
        self._words = words

    def rank(
        self,
        ask_text: str,
        ask_vector: Vector | None,
        *,
        profiles: ProfileScores | None = None,
    ) -> Ranking:
        relevant = self._words.above_floor(ask_text)
        ranked = sorted(relevant.items(), key=lambda pair: (-pair[1], pair[0]))
        return Ranking(
            ask_text,
            ranked,
            sure=bool(ranked),
            margin=None,
            urgent=self._words.is_urgent(ask_text),
            near=float("inf"),
        )


def _margin(scores: list[float]) -> float:
    """How far the best score leads the tenth best (in a small community, the one a
    fifth of the way down: see :data:`MARGIN_RANK`), or what an unrelated member
    typically scores if that is more (a tiny or very varied community)."""
    if not scores:
        return 0.0
    rank = max(MARGIN_RANK_SMALLEST, min(MARGIN_RANK, int(len(scores) * MARGIN_SHARE)))
    compared = scores[rank - 1] if len(scores) >= rank else UNRELATED
    return scores[0] - max(compared, UNRELATED)


def _says_the_same(near: Closeness | None) -> bool:
    return near is not None and near.best_field >= SAYS_THE_SAME


def _singled_out(ranked: list[tuple[int, float]], by_words: list[int], words: WordScores) -> bool:
    """Whether the words and the meaning agree on the best member, and the words set
    them well apart: the ask names what they have and hardly anyone else does. Two
    rankers agreeing is evidence of its own, so a smaller lead then suffices."""
    if not ranked or not by_words or by_words[0] != ranked[0][0]:
        return False
    best = words.get(by_words[0])
    runner_up = words.get(by_words[1]) if len(by_words) > 1 else 0.0
    return best >= SINGLED_OUT_WORDS and best - runner_up >= SINGLED_OUT_GAP


def _said(quote: str, reasons: list[str]) -> bool:
    """Whether the words' reasons already say what the quote would: a member's skills
    line, when they name the skills of it that fit."""
    skills = ("skills:", "related skills:")
    return quote.startswith(skills) and any(reason.startswith(skills) for reason in reasons)


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
