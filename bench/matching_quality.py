"""How often the right helper is suggested, on communities tuned on and on held-out ones.

Run from the repository root:

    python -m bench.matching_quality [--misses SET] [--only SET] [--small] [--model FILE]

Every ranker sees the same members (skills, bio, open offers) and the same labelled
asks, after the chat markup each platform's adapter turns into the neutral form:

- BM25: a plain text-retrieval baseline over each member's words;
- words: givefirst's skill vocabulary and word index alone (``GIVEFIRST_MATCHING=lexical``);
- meaning: the sentence model alone (closest field and profile), with the same
  confidence rule as the hybrid;
- hybrid: what givefirst ships: meaning and words together, with the confidence rule.

The sets in ``tests/data``: ``matching_eval`` (with ``matching_holdout``, asks for the
same members), ``matching_dev`` and the two themed communities
(``matching_themed_bakers``, ``matching_themed_designers``: every member on one subject,
written by someone who never saw the engine) are used to tune the vocabulary and the
hybrid's weights; ``matching_blind_makers``, ``matching_blind_tech``,
``matching_blind_neighbours`` and the two small ones were written by people who never
saw the engine, and nothing was tuned on them: their figures are the ones to believe.
Columns:

- hit@3: share of answerable asks with a right helper among the confident suggestions
  (an ask answered with "nobody yet" is a miss);
- lead@3: the same, counting the low-confidence leads too ("no one has offered this yet
  — closest: …");
- prec@3: share of confident suggestions that are right; MRR: of the first right one;
- nobody: unanswerable asks with no confident suggestion (honest "nobody yet");
- leads: answerable asks that got leads instead of confident suggestions;
- general: asks with a broad "connector" member among the confident suggestions.

With ``--small``, small communities too: each community cut down, at random, to 8,
15, 25 and 40 of its members (six draws of each size), its asks kept, each with the
right helpers still among those members: an ask whose helpers all fell out is one
nobody there can answer, as most asks in a new community are. hit@3, lead@3 and
"nobody yet" are added up over the draws.

Last, each community's own margin (``bot.matching.calibration``), learned from
simulated outcomes: its asks are split in two halves; each ask of one half whose first
suggestion (confident, or the first lead) is right counts as an introduction that
helped, a wrong one (or any for an ask nobody can answer) as one that did not work;
the margin learned from one half is measured on the other, and the other way round.
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from adapters.discord.inbound import to_core_text as discord_text
from adapters.slack.inbound import to_core_text as slack_text
from bot.domain.directory import FieldKind, FieldVector, field_key
from bot.matching import HelperProfile, MatchContext, MatchIndex, OfferText
from bot.matching.calibration import MarginOutcome, confident_margin
from bot.matching.fields import Vector, packed, skills_text
from bot.matching.hybrid import CONFIDENT_MARGIN, WORDS_WEIGHT, HybridSearch
from bot.matching.vectors import VectorIndex
from bot.skills import Vocabulary
from givefirst.embedding import load_encoder

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TOP = 3
TUNED = (
    "matching_eval",
    "matching_holdout",
    "matching_dev",
    "matching_themed_bakers",
    "matching_themed_designers",
)
HELD_OUT = (
    "matching_blind_makers",
    "matching_blind_tech",
    "matching_blind_neighbours",
    "matching_blind_small_founders",
    "matching_blind_small_club",
)
NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)


@dataclass(frozen=True)
class LabelledAsk:
    text: str
    helpers: frozenset[int]


@dataclass(frozen=True)
class EvalSet:
    name: str
    members: tuple[HelperProfile, ...]
    asks: tuple[LabelledAsk, ...]
    generalists: frozenset[int]


@dataclass(frozen=True)
class Ranked:
    confident: list[int]
    leads: list[int]


Ranker = Callable[[str], Ranked]


@dataclass(frozen=True)
class Metrics:
    hit_at_3: float
    lead_at_3: float
    precision_at_3: float
    mrr: float
    nobody_correct: int
    unanswerable: int
    answered_with_leads: int
    generalist_in_top: int
    asks: int
    misses: tuple[str, ...]


def load_set(name: str, vocabulary: Vocabulary) -> EvalSet:
    """A labelled community; ``matching_holdout`` holds asks for ``matching_eval``'s members."""
    own = yaml.safe_load((DATA / f"{name}.yaml").read_text("utf-8"))
    members_doc = (
        yaml.safe_load((DATA / "matching_eval.yaml").read_text("utf-8"))
        if "members" not in own
        else own
    )
    members = tuple(
        HelperProfile(
            member_id=int(entry["id"]),
            name=str(entry["name"]),
            # As an import stores them.
            skills=tuple(
                dict.fromkeys(n for skill in entry["skills"] for n in vocabulary.read_skill(skill))
            ),
            bio=str(entry.get("bio", "")),
            offers=tuple(
                OfferText(offer_id=int(entry["id"]) * 100 + number, text=str(text))
                for number, text in enumerate(entry.get("offers") or ())
            ),
            timezone=entry.get("tz"),
        )
        for entry in members_doc["members"]
    )
    asks = tuple(
        # What reaches the core: each platform's markup in the neutral form.
        LabelledAsk(slack_text(discord_text(str(a["text"]))), frozenset(map(int, a["helpers"])))
        for a in own["asks"]
    )
    generalists = frozenset(int(m["id"]) for m in members_doc["members"] if m.get("generalist"))
    return EvalSet(name, members, asks, generalists)


def member_fields(member: HelperProfile, vocabulary: Vocabulary) -> list[tuple[str, str]]:
    """A member's fields as the directory stores them: (key, text as the model reads it)."""
    fields = []
    if member.skills:
        fields.append((field_key(FieldKind.SKILLS, member.member_id), skills_text(member.skills)))
    if member.bio:
        fields.append((field_key(FieldKind.BIO, member.member_id), member.bio))
    fields += [(field_key(FieldKind.OFFER, o.offer_id), o.text) for o in member.offers]
    return [(key, vocabulary.read_for_meaning(text)) for key, text in fields]


class Rankers:
    """Every ranker over one community."""

    def __init__(self, eval_set: EvalSet, vocabulary: Vocabulary, encoder: Any) -> None:
        self.words = MatchIndex(vocabulary)
        for member in eval_set.members:
            self.words.upsert(member)
        self.vectors = VectorIndex(encoder.dimensions)
        for member in eval_set.members:
            fields = member_fields(member, vocabulary)
            encoded = encoder.encode_now([text for _, text in fields])
            vectors: list[FieldVector] = [
                packed(key, text, vector)
                for (key, text), vector in zip(fields, encoded, strict=True)
            ]
            self.vectors.put(member.member_id, vectors)
        self.encoder = encoder
        self.vocabulary = vocabulary
        self.eval_set = eval_set
        self.context = MatchContext(asker_id=0, now=NOW)
        self._asks: dict[str, Vector] = {}

    def vector(self, text: str) -> Vector:
        """An ask's vector, encoded once however many rankers read it."""
        if text not in self._asks:
            read = self.vocabulary.read_for_meaning(text)
            self._asks[text] = self.encoder.encode_now([read])[0]
        return self._asks[text]

    def hybrid(self, words_weight: float | None = None, margin: float | None = None) -> Ranker:
        search = HybridSearch(
            self.words,
            self.vectors,
            margin=CONFIDENT_MARGIN if margin is None else margin,
            words_weight=WORDS_WEIGHT if words_weight is None else words_weight,
        )

        def rank(text: str) -> Ranked:
            ranking = search.rank(text, self.vector(text))
            found = search.choose(ranking, self.context, top=TOP)
            return Ranked(
                [c.member_id for c in found.confident], [c.member_id for c in found.closest]
            )

        return rank

    def lexical(self) -> Ranker:
        def rank(text: str) -> Ranked:
            return Ranked([c.member_id for c in self.words.search(text, self.context, top=TOP)], [])

        return rank

    def bm25(self) -> Ranker:
        from rank_bm25 import BM25Okapi  # only the baseline needs it

        members = self.eval_set.members
        ids = [member.member_id for member in members]
        bm25 = BM25Okapi([_tokens(_member_text(member)) for member in members])

        def rank(text: str) -> Ranked:
            scores = bm25.get_scores(_tokens(text))
            order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))
            return Ranked([ids[i] for i in order[:TOP] if scores[i] > 0], [])

        return rank


def simulated_outcomes(rankers: Rankers, asks: Sequence[LabelledAsk]) -> list[MarginOutcome]:
    """What members would report of the first suggestion for each ask (see the module)."""
    search = HybridSearch(rankers.words, rankers.vectors)
    found = []
    for ask in asks:
        ranking = search.rank(ask.text, rankers.vector(ask.text))
        chosen = search.choose(ranking, rankers.context, top=TOP)
        first = (chosen.confident or chosen.closest)[:1]
        if first and ranking.margin is not None:
            found.append(MarginOutcome(ranking.margin, first[0].member_id in ask.helpers))
    return found


def calibrated(rankers: Rankers) -> tuple[Metrics, tuple[float, float]]:
    """The hybrid with each half's learned margin, measured on the other half, the two
    added up (with the default margin, the halves add up to the whole set)."""
    eval_set = rankers.eval_set
    order = list(range(len(eval_set.asks)))
    random.Random(7).shuffle(order)
    halves = [[eval_set.asks[i] for i in order[::2]], [eval_set.asks[i] for i in order[1::2]]]
    learned: list[Metrics] = []
    margins: list[float] = []
    for learn, test in ((halves[0], halves[1]), (halves[1], halves[0])):
        margin = confident_margin(simulated_outcomes(rankers, learn))
        margins.append(margin)
        tested = EvalSet(eval_set.name, eval_set.members, tuple(test), eval_set.generalists)
        learned.append(evaluate(rankers.hybrid(margin=margin), tested))
    return _added(learned), (margins[0], margins[1])


def _added(parts: Sequence[Metrics]) -> Metrics:
    """Metrics of two disjoint sets of asks as if measured together."""
    answerable = [m.asks - m.unanswerable for m in parts]
    total = max(sum(answerable), 1)

    def mean(value: Callable[[Metrics], float]) -> float:
        return sum(value(m) * n for m, n in zip(parts, answerable, strict=True)) / total

    return Metrics(
        hit_at_3=mean(lambda m: m.hit_at_3),
        lead_at_3=mean(lambda m: m.lead_at_3),
        precision_at_3=mean(lambda m: m.precision_at_3),
        mrr=mean(lambda m: m.mrr),
        nobody_correct=sum(m.nobody_correct for m in parts),
        unanswerable=sum(m.unanswerable for m in parts),
        answered_with_leads=sum(m.answered_with_leads for m in parts),
        generalist_in_top=sum(m.generalist_in_top for m in parts),
        asks=sum(m.asks for m in parts),
        misses=tuple(miss for m in parts for miss in m.misses),
    )


def evaluate(rank: Ranker, eval_set: EvalSet) -> Metrics:
    answerable = [ask for ask in eval_set.asks if ask.helpers]
    hits = leads = precision = reciprocal = 0.0
    with_leads = nobody = generalist = 0
    misses: list[str] = []
    for ask in eval_set.asks:
        ranked = rank(ask.text)
        suggested = ranked.confident[:TOP]
        if set(suggested) & eval_set.generalists:
            generalist += 1
        if not ask.helpers:
            nobody += not suggested
            continue
        right = [member for member in suggested if member in ask.helpers]
        if right:
            hits += 1
            reciprocal += 1 / (suggested.index(right[0]) + 1)
        if right or set(ranked.leads) & ask.helpers:
            leads += 1
        if suggested:
            precision += len(right) / len(suggested)
        else:
            with_leads += bool(ranked.leads)
        if not right:
            misses.append(
                f"{ask.text!r} -> {suggested} leads {ranked.leads} (want {sorted(ask.helpers)})"
            )
    count = max(len(answerable), 1)
    return Metrics(
        hit_at_3=hits / count,
        lead_at_3=leads / count,
        precision_at_3=precision / count,
        mrr=reciprocal / count,
        nobody_correct=nobody,
        unanswerable=len(eval_set.asks) - len(answerable),
        answered_with_leads=with_leads,
        generalist_in_top=generalist,
        asks=len(eval_set.asks),
        misses=tuple(misses),
    )


SMALL_SIZES = (8, 15, 25, 40)
SMALL_DRAWS = 6


class _Remembering:
    """An encoder that encodes each text once, however many cut-down communities read it."""

    def __init__(self, encoder: Any) -> None:
        self._encoder = encoder
        self._vectors: dict[str, Vector] = {}
        self.dimensions: int = encoder.dimensions

    def encode_now(self, texts: Sequence[str]) -> list[Vector]:
        new = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if new:
            self._vectors.update(zip(new, self._encoder.encode_now(new), strict=True))
        return [self._vectors[text] for text in texts]


def small_communities(eval_set: EvalSet, vocabulary: Vocabulary, encoder: Any) -> None:
    """The hybrid on random cut-down copies of a community (see the module)."""
    for size in SMALL_SIZES:
        if size >= len(eval_set.members):
            continue
        parts = []
        for draw in range(SMALL_DRAWS):
            members = random.Random(1000 * size + draw).sample(eval_set.members, size)
            present = {member.member_id for member in members}
            cut = EvalSet(
                eval_set.name,
                tuple(members),
                tuple(LabelledAsk(a.text, a.helpers & present) for a in eval_set.asks),
                eval_set.generalists & present,
            )
            parts.append(evaluate(Rankers(cut, vocabulary, encoder).hybrid(), cut))
        m = _added(parts)
        answerable = m.asks - m.unanswerable
        print(
            f"{eval_set.name if size == SMALL_SIZES[0] else '':28}{size:>8}{m.hit_at_3:8.3f}"
            f"{m.lead_at_3:8.3f}{m.precision_at_3:8.3f}{answerable:>8}"
            f"{m.nobody_correct / max(m.unanswerable, 1):8.3f}{m.unanswerable:>8}"
        )


def _member_text(member: HelperProfile) -> str:
    offers = " ".join(offer.text for offer in member.offers)
    return " ".join((" ".join(member.skills).replace("-", " "), member.bio, offers))


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--misses", metavar="SET", help="list the hybrid's misses on this set")
    parser.add_argument("--only", choices=(*TUNED, *HELD_OUT), action="append")
    parser.add_argument(
        "--small", action="store_true", help="also on small cut-down copies of each community"
    )
    parser.add_argument(
        "--model", metavar="FILE", help="another ONNX sentence model (GIVEFIRST_EMBEDDING_MODEL)"
    )
    args = parser.parse_args(argv)
    vocabulary = Vocabulary.default()
    encoder = load_encoder(args.model)
    print(f"matching quality, sentence model {encoder.model_id}")
    header = (
        f"{'set':24}{'ranker':8}{'hit@3':>7}{'lead@3':>8}{'prec@3':>8}{'MRR':>7}"
        f"{'nobody':>9}{'leads':>7}{'general':>9}"
    )
    calibrations: list[tuple[str, Metrics, Metrics, tuple[float, float]]] = []
    for title, names in (("tuned on", TUNED), ("held out (never tuned on)", HELD_OUT)):
        print(f"\n{title}\n{header}")
        for name in names:
            if args.only and name not in args.only:
                continue
            eval_set = load_set(name, vocabulary)
            rankers = Rankers(eval_set, vocabulary, encoder)
            results = {
                "BM25": evaluate(rankers.bm25(), eval_set),
                "words": evaluate(rankers.lexical(), eval_set),
                "meaning": evaluate(rankers.hybrid(words_weight=0.0), eval_set),
                "hybrid": evaluate(rankers.hybrid(), eval_set),
            }
            answerable = len(eval_set.asks) - results["hybrid"].unanswerable
            label = (
                f"{name} ({len(eval_set.members)}m, {answerable}+{results['hybrid'].unanswerable}a)"
            )
            for ranker, m in results.items():
                print(
                    f"{label if ranker == 'BM25' else '':24}{ranker:8}{m.hit_at_3:7.3f}"
                    f"{m.lead_at_3:8.3f}{m.precision_at_3:8.3f}{m.mrr:7.3f}"
                    f"{m.nobody_correct:>5}/{m.unanswerable:<3}{m.answered_with_leads:>7}"
                    f"{m.generalist_in_top / m.asks:>9.1%}"
                )
            gain = results["hybrid"].hit_at_3 - results["BM25"].hit_at_3
            print(f"{'':24}hybrid over BM25: {gain * 100:+.1f} points hit@3")
            if args.misses == name:
                for miss in results["hybrid"].misses:
                    print(f"    {miss}")
            calibrations.append((name, results["hybrid"], *calibrated(rankers)))
    if args.small:
        print(
            f"\nsmall communities (the hybrid; {SMALL_DRAWS} random draws of each size)\n"
            f"{'set':28}{'members':>8}{'hit@3':>8}{'lead@3':>8}{'prec@3':>8}{'of':>8}"
            f"{'nobody':>8}{'of':>8}"
        )
        remembering = _Remembering(encoder)
        for name in (*TUNED, *HELD_OUT):
            if name != "matching_holdout" and (not args.only or name in args.only):
                small_communities(load_set(name, vocabulary), vocabulary, remembering)
    print(
        "\neach community's own margin, learned from simulated outcomes of one half of its"
        "\nasks and measured on the other (both ways, added up)"
    )
    print(f"{'set':24}{'margin':>14}{'hit@3':>14}{'prec@3':>14}{'nobody':>14}")
    for name, default, learned, (first, second) in calibrations:
        print(
            f"{name:24}{f'{first:.2f}, {second:.2f}':>14}"
            f"{f'{default.hit_at_3:.3f}→{learned.hit_at_3:.3f}':>14}"
            f"{f'{default.precision_at_3:.3f}→{learned.precision_at_3:.3f}':>14}"
            f"{f'{default.nobody_correct}→{learned.nobody_correct}/{learned.unanswerable}':>14}"
        )


if __name__ == "__main__":
    main()
