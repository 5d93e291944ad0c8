"""How often the right helper is suggested, next to a plain BM25 baseline.

Run from the repository root:

    python -m bench.matching_quality

Both rankers see the same members (skills + bio + offers) and the same labelled asks
from ``tests/data/matching_eval.yaml``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from bot.matching import HelperProfile, MatchContext, MatchIndex, OfferText
from bot.skills import Vocabulary

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
EVAL_FILE = DATA / "matching_eval.yaml"
HOLDOUT_FILE = DATA / "matching_holdout.yaml"
TOP = 3

Ranker = Callable[[str], list[int]]


@dataclass(frozen=True)
class LabelledAsk:
    text: str
    helpers: frozenset[int]


@dataclass(frozen=True)
class EvalSet:
    members: tuple[HelperProfile, ...]
    asks: tuple[LabelledAsk, ...]


@dataclass(frozen=True)
class Metrics:
    hit_at_3: float
    precision_at_3: float
    mrr: float
    nobody_correct: int
    unanswerable: int
    answerable_left_unanswered: int
    misses: tuple[str, ...]


def load_eval_set(vocabulary: Vocabulary, path: Path = EVAL_FILE) -> EvalSet:
    """The labelled community, with member skills normalised as /skills add would."""
    document = yaml.safe_load(path.read_text("utf-8"))
    members = tuple(
        HelperProfile(
            member_id=int(entry["id"]),
            name=str(entry["name"]),
            skills=tuple(vocabulary.normalise(skill) for skill in entry["skills"]),
            bio=str(entry.get("bio", "")),
            offers=tuple(
                OfferText(offer_id=int(entry["id"]) * 100 + number, text=str(text))
                for number, text in enumerate(entry.get("offers", ()))
            ),
            timezone=entry.get("tz"),
        )
        for entry in document["members"]
    )
    return EvalSet(members, _labelled_asks(document))


def load_holdout_asks(path: Path = HOLDOUT_FILE) -> tuple[LabelledAsk, ...]:
    """Asks never used to tune the vocabulary, for the same members."""
    return _labelled_asks(yaml.safe_load(path.read_text("utf-8")))


def _labelled_asks(document: dict[str, Any]) -> tuple[LabelledAsk, ...]:
    return tuple(
        LabelledAsk(str(entry["text"]), frozenset(int(i) for i in entry["helpers"]))
        for entry in document["asks"]
    )


def givefirst_ranker(eval_set: EvalSet, vocabulary: Vocabulary) -> Ranker:
    """givefirst's matcher, with nobody paused, busy or previously introduced."""
    index = MatchIndex(vocabulary)
    for member in eval_set.members:
        index.upsert(member)
    context = MatchContext(asker_id=0, now=datetime(2025, 3, 3, 15, 0, tzinfo=UTC))

    def rank(text: str) -> list[int]:
        return [candidate.member_id for candidate in index.search(text, context, top=TOP)]

    return rank


def bm25_ranker(eval_set: EvalSet) -> Ranker:
    """Okapi BM25 over each member's skills, bio and offers, lowercased word tokens."""
    from rank_bm25 import BM25Okapi  # only the baseline needs it

    ids = [member.member_id for member in eval_set.members]
    corpus = [_bm25_tokens(_member_text(member)) for member in eval_set.members]
    bm25 = BM25Okapi(corpus)

    def rank(text: str) -> list[int]:
        scores = bm25.get_scores(_bm25_tokens(text))
        order = sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))
        return [ids[i] for i in order[:TOP] if scores[i] > 0]

    return rank


def evaluate(rank: Ranker, asks: Sequence[LabelledAsk]) -> Metrics:
    """hit@3, precision@3, MRR over answerable asks; "nobody yet" on the others."""
    answerable = [ask for ask in asks if ask.helpers]
    unanswerable = [ask for ask in asks if not ask.helpers]
    hits = precision = reciprocal = 0.0
    left_unanswered = 0
    misses: list[str] = []
    for ask in answerable:
        suggested = rank(ask.text)[:TOP]
        right = [member for member in suggested if member in ask.helpers]
        if right:
            hits += 1
            reciprocal += 1 / (suggested.index(right[0]) + 1)
        else:
            misses.append(f"{ask.text!r} -> {suggested} (want {sorted(ask.helpers)})")
        if suggested:
            precision += len(right) / len(suggested)
        else:
            left_unanswered += 1
    nobody = sum(1 for ask in unanswerable if not rank(ask.text))
    count = max(len(answerable), 1)
    return Metrics(
        hit_at_3=hits / count,
        precision_at_3=precision / count,
        mrr=reciprocal / count,
        nobody_correct=nobody,
        unanswerable=len(unanswerable),
        answerable_left_unanswered=left_unanswered,
        misses=tuple(misses),
    )


def _member_text(member: HelperProfile) -> str:
    offers = " ".join(offer.text for offer in member.offers)
    return " ".join((" ".join(member.skills).replace("-", " "), member.bio, offers))


def _bm25_tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--misses", action="store_true", help="list the asks each ranker missed")
    args = parser.parse_args(argv)
    vocabulary = Vocabulary.default()
    eval_set = load_eval_set(vocabulary)
    rankers = {
        "givefirst": givefirst_ranker(eval_set, vocabulary),
        "BM25 baseline": bm25_ranker(eval_set),
    }
    print(f"matching quality: {len(eval_set.members)} members")
    for title, asks in (
        ("labelled asks", eval_set.asks),
        ("held-out asks (never used for tuning)", load_holdout_asks()),
    ):
        results = {name: evaluate(rank, asks) for name, rank in rankers.items()}
        _print_table(title, asks, results, show_misses=args.misses)


def _print_table(
    title: str,
    asks: Sequence[LabelledAsk],
    results: dict[str, Metrics],
    show_misses: bool,
) -> None:
    answerable = sum(1 for ask in asks if ask.helpers)
    print(f"\n{title}: {answerable} answerable, {len(asks) - answerable} with no suitable helper")
    print(f"{'':16}{'hit@3':>8}{'prec@3':>8}{'MRR':>8}{'nobody yet':>12}{'unanswered':>12}")
    for name, metrics in results.items():
        print(
            f"{name:16}{metrics.hit_at_3:8.3f}{metrics.precision_at_3:8.3f}{metrics.mrr:8.3f}"
            f"{metrics.nobody_correct:>8}/{metrics.unanswerable:<3}"
            f"{metrics.answerable_left_unanswered:>12}"
        )
    gain = results["givefirst"].hit_at_3 - results["BM25 baseline"].hit_at_3
    print(f"hit@3 gain over BM25: {gain * 100:+.1f} points")
    if show_misses:
        for name, metrics in results.items():
            print(f"{name} misses:")
            for miss in metrics.misses:
                print(f"  {miss}")


if __name__ == "__main__":
    main()
