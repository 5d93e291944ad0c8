"""Finding the few members best placed to answer an ask.

Every member is indexed by the skills they declared, the skills their offers and bio
name, and the words they used. An ask is turned into weighted skills (aliases,
related terms and linked skills) and words; members are scored on what they share
with it, rare and specific skills counting for more than common ones. The best
scores are then re-ordered for fairness (see :mod:`bot.matching.fairness`).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from operator import itemgetter

from bot.matching import fairness
from bot.matching.postings import Feature, Postings, Slots, WordScores, scored
from bot.matching.profiles import Candidate, HelperProfile, MatchContext, OfferText
from bot.skills import Vocabulary
from bot.skills.text import words
from bot.skills.vocabulary import RELATED_WEIGHT

# How a member came to have a skill; stored as small ints so that postings stay cheap.
DECLARED, OFFERED, IN_BIO = 3, 2, 1
_SKILL_STRENGTH = (0.0, 0.6, 1.0, 1.0)  # indexed by IN_BIO, OFFERED, DECLARED
WORD_WEIGHT = 0.35
"""Words count for a third of a skill: they catch what the vocabulary does not know."""
_WORD_SATURATION_K = 1.2
_MAX_TERM_COUNT = 255
_WORD_SATURATION = tuple(
    0.0 if count == 0 else count * (1 + _WORD_SATURATION_K) / (count + _WORD_SATURATION_K)
    for count in range(_MAX_TERM_COUNT + 1)
)
RELEVANCE_FLOOR = 0.42
"""Share of the rarest possible skill match an ask must reach before anyone is suggested.

One named skill a few members have passes easily; a single shared word or a merely
linked skill does not, so an ask nobody can answer gets "nobody yet". When the skills
an ask names are common ones, the floor is a share of the best of those instead: a
skill many members offer is still the right skill for an ask that names it. Only
skills named outright (by name, alias or ``#hashtag``) count: related terms and a plain
word that happens to be a community tag hint at a skill without asking for it.
"""
EXACT_POSTINGS_LIMIT = 4000
"""Skills or words held by more members than this are only scored for members found
through rarer features, plus this many more: the common ones cannot change who is
best once rarer evidence exists, and scanning them fully would dominate latency."""
_CANDIDATE_POOL = 24
_READ_CACHE_SIZE = 20_000


@dataclass(frozen=True, slots=True)
class _Ask:
    skills: dict[str, float]
    named: tuple[str, ...]
    terms: frozenset[str]
    urgent: bool


@dataclass(frozen=True, slots=True)
class _Read:
    """What the vocabulary makes of an ask's text, whoever is in the index."""

    skills: dict[str, float]
    named: tuple[str, ...]
    """Skills the text names by name, alias or ``#hashtag``, not only hints at."""
    terms: frozenset[str]
    urgent: bool
    possible_tags: tuple[str, ...]
    """Word pairs that match a community tag if some member has one."""


@dataclass(slots=True)
class _MemberFeatures:
    skills: dict[str, int]
    terms: Counter[str]


class MatchIndex:
    """An in-memory index of helpers, updated member by member and offer by offer."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary
        self._profiles: dict[int, HelperProfile] = {}
        self._slots = Slots()
        self._skill_postings: dict[str, Postings] = {}
        self._term_postings: dict[str, Postings] = {}
        self._read: dict[str, _Read] = {}
        """What the vocabulary makes of ask texts seen before (open asks are searched
        again whenever someone new offers help)."""

    def __len__(self) -> int:
        return len(self._profiles)

    def __contains__(self, member_id: object) -> bool:
        return member_id in self._profiles

    def upsert(self, profile: HelperProfile) -> None:
        """Add a member, or replace everything known about them."""
        self.remove(profile.member_id)
        self._profiles[profile.member_id] = profile
        self._post(self._slots.take(profile.member_id), self._features(profile))

    def remove(self, member_id: int) -> None:
        """Forget a member entirely (unknown members are ignored)."""
        profile = self._profiles.pop(member_id, None)
        slot = self._slots.of(member_id)
        if profile is not None and slot is not None:
            self._unpost(slot, self._features(profile))
            self._slots.release(member_id)

    def add_offer(self, member_id: int, offer: OfferText) -> None:
        """Make a new offer count for its author from the next search on."""
        profile = self._profiles.get(member_id)
        if profile is None:
            raise KeyError(f"member {member_id} is not in the index")
        self._profiles[member_id] = replace(profile, offers=(*profile.offers, offer))
        added = self._text_features(offer.text, OFFERED)
        slot = self._slots.take(member_id)
        for skill in added.skills:
            postings = _holders(self._skill_postings, skill)
            postings.set(slot, max(postings.get(slot), OFFERED))
        for term, count in added.terms.items():
            postings = _holders(self._term_postings, term)
            postings.set(slot, min(postings.get(slot) + count, _MAX_TERM_COUNT))

    def remove_offer(self, member_id: int, offer_id: int) -> None:
        """Stop counting an offer that was solved, withdrawn or expired."""
        profile = self._profiles.get(member_id)
        if profile is None:
            return
        remaining = tuple(offer for offer in profile.offers if offer.offer_id != offer_id)
        if len(remaining) != len(profile.offers):
            self.upsert(replace(profile, offers=remaining))

    def search(self, ask_text: str, context: MatchContext, top: int = 3) -> list[Candidate]:
        """The best helpers for an ask, best first; empty when nobody is relevant enough."""
        if top <= 0 or not self._profiles:
            return []
        ask = self._understand(ask_text)
        relevance = self._relevance(ask).as_dict()
        ranked = [
            (self._priority(member_id, score, context, ask), member_id)
            for member_id, score in self._most_relevant(relevance, context, self._floor(ask), top)
        ]
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
        return [
            Candidate(member_id, round(score, 4), self._reasons(member_id, ask, context))
            for score, member_id in ranked[:top]
        ]

    def relevance_in_units(self, ask_text: str) -> WordScores:
        """Relevance of every member the ask reaches, where 1 is what one named skill
        that a single member has is worth (so figures compare across communities)."""
        unit = _idf(1, len(self._profiles))
        return self._relevance(self._understand(ask_text), per=unit)

    def above_floor(self, ask_text: str) -> dict[int, float]:
        """Members relevant enough to suggest for an ask, with their relevance."""
        ask = self._understand(ask_text)
        floor = self._floor(ask)
        relevance = self._relevance(ask)
        kept = relevance.scores >= floor
        members, scores = relevance.members[kept].tolist(), relevance.scores[kept].tolist()
        return dict(zip(members, scores, strict=True))

    def profile(self, member_id: int) -> HelperProfile | None:
        return self._profiles.get(member_id)

    def labels(self, skills: Iterable[str]) -> list[str]:
        """Skills as members read them ("salary-negotiation" -> "salary negotiation")."""
        return [self._vocabulary.describe(skill) for skill in skills]

    def reasons(self, member_id: int, ask_text: str, context: MatchContext) -> tuple[str, ...]:
        """Why a member fits an ask, in the member's own words where they have some."""
        if member_id not in self._profiles:
            return ()
        return self._reasons(member_id, self._understand(ask_text), context)

    def all_have_named(self, ask_text: str, members: Sequence[int]) -> bool:
        """Whether a skill the ask names by name is one that each of these members
        declared or offered: many members have what is asked for."""
        slots = [self._slots.of(member) for member in members]
        if not slots:
            return False
        for skill in self._understand(ask_text).named:
            postings = self._skill_postings.get(skill)
            if postings is not None and all(
                slot is not None and postings.get(slot) >= OFFERED for slot in slots
            ):
                return True
        return False

    def is_urgent(self, ask_text: str) -> bool:
        return self._understand(ask_text).urgent

    def _understand(self, ask_text: str) -> _Ask:
        read = self._read.get(ask_text)
        if read is None:
            if len(self._read) >= _READ_CACHE_SIZE:
                self._read.clear()
            all_words = words(ask_text)
            read = self._read[ask_text] = _Read(
                self._vocabulary.skill_weights(ask_text),
                self._vocabulary.extract(ask_text),
                frozenset(self._vocabulary.terms(ask_text)),
                fairness.is_urgent(set(all_words)),
                possible_tags=tuple(
                    tag
                    for tag in dict.fromkeys(map("-".join, pairwise(all_words)))
                    if tag not in self._vocabulary
                ),
            )
        skills = dict(read.skills)
        # A community tag of several words ("#saas-pricing") matches the same words
        # written plainly ("SaaS pricing"); a one-word tag needs its hashtag, or any
        # member tagging "#data" would match every ask that mentions data.
        for tag in read.possible_tags:
            if tag in self._skill_postings:
                skills[tag] = 1.0
        return _Ask(skills=skills, named=read.named, terms=read.terms, urgent=read.urgent)

    def _sought(self, ask: _Ask) -> list[Feature]:
        """What an ask looks for in the index: (weight, postings, strength by count)."""
        members = len(self._profiles)
        features: list[Feature] = []
        for skill, weight in ask.skills.items():
            postings = self._skill_postings.get(skill)
            if postings:
                features.append((weight * _idf(len(postings), members), postings, _SKILL_STRENGTH))
        for term in ask.terms:
            postings = self._term_postings.get(term)
            if postings:
                idf = _idf(len(postings), members)
                features.append((WORD_WEIGHT * idf, postings, _WORD_SATURATION))
        return features

    def _floor(self, ask: _Ask) -> float:
        """The least relevance worth suggesting for an ask."""
        members = len(self._profiles)
        rarest = _idf(1, members)
        named = [
            _idf(len(postings), members)
            for skill in ask.named
            if (postings := self._skill_postings.get(skill))
        ]
        return RELEVANCE_FLOOR * min(rarest, max(named, default=rarest))

    def _priority(self, member_id: int, score: float, context: MatchContext, ask: _Ask) -> float:
        """Relevance adjusted by the fairness rules (load, weak ties, time zones)."""
        timezone = self._profiles[member_id].timezone
        return fairness.priority(member_id, score, context, timezone, ask.urgent)

    def _relevance(self, ask: _Ask, *, per: float = 1.0) -> WordScores:
        """Each member's relevance to an ask, as a multiple of ``per``."""
        return scored(self._sought(ask), self._slots, EXACT_POSTINGS_LIMIT, per)

    def _most_relevant(
        self, relevance: dict[int, float], context: MatchContext, floor: float, top: int
    ) -> list[tuple[int, float]]:
        pool_size = _CANDIDATE_POOL + top * 4
        best = heapq.nlargest(pool_size, relevance.items(), key=itemgetter(1))
        eligible = [(m, s) for m, s in best if s >= floor and fairness.is_eligible(m, context)]
        if len(eligible) < pool_size and len(best) == pool_size and best[-1][1] >= floor:
            # Many of the best are busy or off limits: look further down the list.
            everyone = sorted(relevance.items(), key=itemgetter(1), reverse=True)
            eligible = [
                (m, s) for m, s in everyone if s >= floor and fairness.is_eligible(m, context)
            ][:pool_size]
        return eligible

    def _reasons(self, member_id: int, ask: _Ask, context: MatchContext) -> tuple[str, ...]:
        profile = self._profiles[member_id]
        wanted = {skill for skill, weight in ask.skills.items() if weight >= RELATED_WEIGHT}
        declared = [skill for skill in dict.fromkeys(profile.skills) if skill in wanted]
        reasons: list[str] = []
        if declared:
            reasons.append(f"skills: {', '.join(self.labels(declared))}")
        for offer in profile.offers:
            if self._mentions(offer.text, wanted, ask.terms):
                reasons.append(f"offered: '{_excerpt(offer.text)}'")
                break
        if profile.bio and self._mentions(profile.bio, wanted, ask.terms):
            reasons.append(f"bio: '{_excerpt(profile.bio)}'")
        if not reasons:
            close = sorted(set(profile.skills) & set(ask.skills))
            if close:
                reasons.append(f"related skills: {', '.join(self.labels(close))}")
        if ask.urgent:
            gap = fairness.hours_apart(context.asker_timezone, profile.timezone, context.now)
            if gap is not None and gap <= fairness.NEAR_TIMEZONE_HOURS:
                reasons.append(f"awake when you are ({profile.timezone})")
        return tuple(reasons)

    def _mentions(self, text: str, skills: set[str], terms: frozenset[str]) -> bool:
        if skills.intersection(self._vocabulary.extract(text)):
            return True
        return not terms.isdisjoint(self._vocabulary.terms(text))

    def _features(self, profile: HelperProfile) -> _MemberFeatures:
        features = self._text_features(profile.bio, IN_BIO)
        for offer in profile.offers:
            offered = self._text_features(offer.text, OFFERED)
            for skill, strength in offered.skills.items():
                features.skills[skill] = max(features.skills.get(skill, 0), strength)
            features.terms.update(offered.terms)
        for skill in profile.skills:
            canonical = skill if skill in self._vocabulary else self._vocabulary.normalise(skill)
            if not canonical:
                continue
            features.skills[canonical] = DECLARED
            if canonical not in self._vocabulary:
                # A community tag the vocabulary does not know still matches its words.
                features.terms.update(self._vocabulary.terms(canonical.replace("-", " ")))
        return features

    def _text_features(self, text: str, strength: int) -> _MemberFeatures:
        if not text:
            return _MemberFeatures({}, Counter())
        tags, terms = self._vocabulary.extract_with_terms(text)
        return _MemberFeatures(dict.fromkeys(tags, strength), Counter(terms))

    def _post(self, slot: int, features: _MemberFeatures) -> None:
        """A member's features, when they have none in the index (see :meth:`upsert`)."""
        for skill, strength in features.skills.items():
            _holders(self._skill_postings, skill).append(slot, strength)
        for term, count in features.terms.items():
            count = min(count, _MAX_TERM_COUNT)
            _holders(self._term_postings, term).append(slot, count)

    def _unpost(self, slot: int, features: _MemberFeatures) -> None:
        for postings_by_key, keys in (
            (self._skill_postings, features.skills),
            (self._term_postings, features.terms),
        ):
            for key in keys:
                postings = postings_by_key.get(key)
                if postings is None:
                    continue
                postings.remove(slot)
                if not postings:
                    del postings_by_key[key]


def _idf(holders: int, members: int) -> float:
    """Inverse document frequency: rare skills weigh more than common ones.

    Unlike BM25's form it never reaches zero, so in a small community where everyone
    shares a skill, that skill still counts.
    """
    return math.log(1.0 + (members + 1) / (holders + 0.5))


def _holders(postings_by_key: dict[str, Postings], key: str) -> Postings:
    postings = postings_by_key.get(key)
    if postings is None:
        postings = postings_by_key[key] = Postings()
    return postings


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
