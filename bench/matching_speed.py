"""How fast matching is in a large community, next to a naive full scan.

Run from the repository root (takes about a minute for 100,000 members):

    python -m bench.matching_speed --members 100000

Builds a synthetic community (each member with at least five skills, one to three
offers and a short bio), then measures index build time, top-3 query latency, the
latency of adding one offer (checked to be visible to the very next query), peak
memory, and the latency of scoring every member by a plain scan of their skills.

With ``--meaning`` it measures what givefirst ships instead: the word index and the
sentence model together (``HybridSearch``), each query timed from the ask's text,
encoding included, to the three suggestions, and an offer added with its vector; with
vector products on one thread, as in a serving process. Searches back to back keep
the profiles in the processor's last-level cache when it is larger than they are (at
100,000 members 38 MB), which a serving process does not (its commands' other work
pushes them out): so a second set of queries is timed with the cache swept between
them, reading a buffer half again the cache's size, and is the figure to compare with
a serving process.
Encoding every member's fields would take minutes, so a member's field vectors are
made from the vectors of their skills' labels (each label encoded once) and of their
role; what a query costs does not depend on what the vectors say.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from bot.domain.directory import FieldKind, FieldVector, field_key
from bot.matching import HelperProfile, MatchContext, MatchIndex, OfferText
from bot.matching.fields import Vector, packed
from bot.matching.hybrid import HybridSearch
from bot.matching.vectors import VectorIndex, build_coarse
from bot.skills import Skill, Vocabulary

OFFER_TEMPLATES = (
    "Happy to help with {a}, ping me any time",
    "Can review your {a} work or pair on {b}",
    "I've done a lot of {a}; glad to answer questions about {b}",
    "Offering a 30 minute call on {a} for anyone stuck",
    "Ask me about {a} or {b}, I have a few war stories",
)
BIO_TEMPLATES = (
    "{role} who has worked on {a} for years.",
    "{role}; lately mostly {a} and some {b}.",
    "Curious {role}, into {a}.",
)
ROLES = ("Engineer", "Designer", "Founder", "Teacher", "Analyst", "Parent", "Marketer", "Nurse")
ASK_TEMPLATES = (
    "how do I get started with {a}?",
    "stuck on {r}, can anyone help?",
    "looking for advice on {a} and {b}",
    "anyone around for a quick call about {r} today?",
    "{a} question: what would you do about {r}",
)
TIMEZONES = (
    "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
    "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Africa/Lagos",
)  # fmt: skip


def synthetic_members(count: int, vocabulary: Vocabulary, seed: int = 7) -> Iterator[HelperProfile]:
    """A reproducible community where a few skills are popular and most are niche."""
    rng = random.Random(seed)
    skills = list(vocabulary.skills)
    rng.shuffle(skills)
    cumulative: list[float] = []
    total = 0.0
    for rank in range(len(skills)):
        total += 1 / (rank + 1) ** 0.8
        cumulative.append(total)
    for member_id in range(1, count + 1):
        chosen: dict[str, Skill] = {}
        wanted = rng.randint(5, 8)
        while len(chosen) < wanted:
            skill = rng.choices(skills, cum_weights=cumulative)[0]
            chosen[skill.name] = skill
        picked = list(chosen.values())
        offers = tuple(
            OfferText(member_id * 10 + number, _fill(rng, rng.choice(OFFER_TEMPLATES), picked))
            for number in range(rng.randint(1, 3))
        )
        yield HelperProfile(
            member_id=member_id,
            name=f"Member {member_id}",
            skills=tuple(chosen),
            bio=_fill(rng, rng.choice(BIO_TEMPLATES), picked, role=rng.choice(ROLES)),
            offers=offers,
            timezone=rng.choice(TIMEZONES),
        )


def synthetic_asks(count: int, vocabulary: Vocabulary, seed: int = 11) -> list[str]:
    """Asks naming skills by alias or hinting at them through related terms."""
    rng = random.Random(seed)
    skills = list(vocabulary.skills)
    return [
        _fill(rng, rng.choice(ASK_TEMPLATES), rng.sample(skills, 2), related=True)
        for _ in range(count)
    ]


def _fill(
    rng: random.Random,
    template: str,
    skills: Sequence[Skill],
    role: str = "",
    related: bool = False,
) -> str:
    first, second = skills[0], skills[1 % len(skills)]
    hints = first.related or first.aliases or (first.label,)
    return template.format(
        a=rng.choice((first.label, *first.aliases)),
        b=rng.choice((second.label, *second.aliases)),
        r=rng.choice(hints) if related else first.label,
        role=role,
    )


def percentile(samples: Sequence[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def naive_scan(
    members: Sequence[tuple[int, frozenset[str]]], weights: dict[str, float], top: int
) -> list[int]:
    """Score every member by the ask's skill weights they hold; no index at all."""
    scored = [
        (sum(weights[skill] for skill in skills if skill in weights), member_id)
        for member_id, skills in members
    ]
    scored.sort(reverse=True)
    return [member_id for score, member_id in scored[:top] if score > 0]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _sweep_bytes() -> int:
    """Half again the size of this processor's last-level cache (256 MB if it does
    not say), at most 2 GB."""
    size = 0
    for level in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*/size"):
        try:
            text = level.read_text().strip().upper()
        except OSError:
            continue
        units = {"K": 2**10, "M": 2**20, "G": 2**30}
        number, unit = (text[:-1], text[-1]) if text[-1] in units else (text, "")
        if number.isdigit():
            size = max(size, int(number) * units.get(unit, 1))
    return min(int((size or 256 * 2**20) * 1.5), 2 * 2**30)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Matching speed on a synthetic community")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--offers", type=int, default=200, help="offers added one by one")
    parser.add_argument(
        "--meaning", action="store_true", help="the sentence model with the words (as shipped)"
    )
    parser.add_argument("--model", help="with --meaning: this ONNX file instead of the shipped one")
    args = parser.parse_args(argv)
    if args.meaning:
        meaning(args.members, args.queries, args.offers, args.model)
        return

    vocabulary = Vocabulary.default()
    rss_before = peak_rss_mb()
    index = MatchIndex(vocabulary)
    gc.disable()  # the index holds only long-lived objects; collection pauses are noise here
    build_seconds = 0.0
    # Only upserts are timed: generating the synthetic members is not the index's work.
    for profile in synthetic_members(args.members, vocabulary):
        started = time.perf_counter()
        index.upsert(profile)
        build_seconds += time.perf_counter() - started
    gc.enable()
    gc.collect()

    rng = random.Random(3)
    context = MatchContext(
        asker_id=1,
        now=datetime(2025, 3, 3, 15, 0, tzinfo=UTC),
        unavailable=frozenset(rng.sample(range(1, args.members + 1), min(200, args.members))),
        recent_introductions={
            member: rng.randint(0, 2)
            for member in rng.sample(range(1, args.members + 1), min(2000, args.members))
        },
        asker_timezone="Europe/Berlin",
    )
    asks = synthetic_asks(args.queries, vocabulary)
    for ask in asks[:20]:
        index.search(ask, context)  # warm caches (typo corrections, zone lookups)
    latencies: list[float] = []
    answered = 0
    for ask in asks:
        started = time.perf_counter()
        found = index.search(ask, context, top=3)
        latencies.append((time.perf_counter() - started) * 1000)
        answered += bool(found)

    add_latencies: list[float] = []
    visible = 0
    for number in range(args.offers):
        member_id = rng.randint(1, args.members)
        offer = OfferText(10**9 + number, f"New this week: help with #quokka-wrangling-{number}")
        started = time.perf_counter()
        index.add_offer(member_id, offer)
        add_latencies.append((time.perf_counter() - started) * 1000)
        ask_context = MatchContext(asker_id=0, now=context.now)
        found = index.search(f"anyone into #quokka-wrangling-{number}?", ask_context, top=1)
        visible += bool(found) and found[0].member_id == member_id
    rss_index = peak_rss_mb()

    scan_members = [
        (p.member_id, frozenset(p.skills)) for p in synthetic_members(args.members, vocabulary)
    ]
    scan_latencies: list[float] = []
    for ask in asks[:50]:
        started = time.perf_counter()
        naive_scan(scan_members, vocabulary.skill_weights(ask), 3)
        scan_latencies.append((time.perf_counter() - started) * 1000)

    print(f"matching speed: {args.members:,} members, {args.queries} top-3 queries, 2 cores")
    print(f"  index build            {build_seconds:8.2f} s")
    print(
        f"  top-3 query            p50 {percentile(latencies, 0.5):6.2f} ms   "
        f"p99 {percentile(latencies, 0.99):6.2f} ms   ({answered}/{len(asks)} found someone)"
    )
    print(
        f"  add one offer          p50 {percentile(add_latencies, 0.5):6.3f} ms   "
        f"p99 {percentile(add_latencies, 0.99):6.3f} ms   "
        f"(visible to the next query: {visible}/{args.offers})"
    )
    print(
        f"  peak RSS with index    {rss_index:8.1f} MB   "
        f"(interpreter and vocabulary: {rss_before:.1f} MB)"
    )
    print(
        f"  naive full scan        p50 {percentile(scan_latencies, 0.5):6.2f} ms   "
        f"p99 {percentile(scan_latencies, 0.99):6.2f} ms   (skills only, every member)"
    )
    print(f"  mean query             {statistics.fmean(latencies):6.2f} ms")


def meaning(members: int, queries: int, offers: int, model: str | None = None) -> None:
    """The hybrid search at scale: encoding the ask, the words, the vectors, the rules."""
    from givefirst.embedding import load_encoder  # the model is loaded only for this mode

    threadpool_limits(limits=1, user_api="blas")  # as in a serving process
    vocabulary = Vocabulary.default()
    rss_before = peak_rss_mb()
    encoder = load_encoder(model)
    rss_model = peak_rss_mb()
    labels = sorted({s.name: vocabulary.describe(s.name) for s in vocabulary.skills}.items())
    label_vectors = dict(
        zip(
            [name for name, _ in labels],
            encoder.encode_now([label for _, label in labels]),
            strict=True,
        )
    )
    role_vectors = dict(zip(ROLES, encoder.encode_now(list(ROLES)), strict=True))
    words = MatchIndex(vocabulary)
    vectors = VectorIndex(encoder.dimensions)
    rng = np.random.default_rng(5)
    build_seconds = 0.0
    made_of = (label_vectors, role_vectors)
    for profile in synthetic_members(members, vocabulary):
        fields = _made_up_fields(profile, *made_of, rng)
        started = time.perf_counter()
        words.upsert(profile)
        vectors.put(profile.member_id, fields)
        build_seconds += time.perf_counter() - started
    if vectors.wants_coarse:  # as a serving process does before its first large pass
        started = time.perf_counter()
        vectors.coarse_made(build_coarse(vectors.coarse_begun()))
        coarse_seconds = time.perf_counter() - started
    else:
        coarse_seconds = 0.0
    gc.collect()
    search = HybridSearch(words, vectors)
    context = MatchContext(asker_id=1, now=datetime(2025, 3, 3, 15, 0, tzinfo=UTC))

    def query(text: str, top: int = 3) -> tuple[list[int], float, float, float]:
        """Who is suggested, and the milliseconds to encode, to score every profile (the
        part that grows with the community) and in all."""
        started = time.perf_counter()
        vector = encoder.encode_now([text])[0]
        encoded = time.perf_counter()
        profiles = vectors.profiles_now().scores(vector)  # as the directory does it
        scored = time.perf_counter()
        found = search.choose(search.rank(text, vector, profiles=profiles), context, top=top)
        done = time.perf_counter()
        chosen = [c.member_id for c in found.confident or found.closest]
        encode_ms, first_ms = 1000 * (encoded - started), 1000 * (scored - encoded)
        return chosen, encode_ms, first_ms, 1000 * (done - started)

    asks = synthetic_asks(queries, vocabulary)
    for ask in asks[:20]:
        query(ask)  # warm caches (typo corrections, zone lookups, the model's first runs)
    encoding: list[float] = []
    totals: list[float] = []
    first_pass: list[float] = []
    for ask in asks:
        _, encode_ms, first_ms, total_ms = query(ask)
        encoding.append(encode_ms)
        first_pass.append(first_ms)
        totals.append(total_ms)

    peak_index = peak_rss_mb()  # before the buffer that sweeps the cache
    cold_totals: list[float] = []
    cold_first: list[float] = []
    sweep = np.ones(_sweep_bytes() // 8)
    for ask in asks[: max(queries // 5, 1)]:
        sweep.sum()  # the profiles out of the cache, as a command's other work leaves them
        _, _, first_ms, total_ms = query(ask)
        cold_first.append(first_ms)
        cold_totals.append(total_ms)
    swept_mb = sweep.nbytes / 2**20
    del sweep

    add_latencies: list[float] = []
    visible = 0
    picker = random.Random(3)
    for number in range(offers):
        member_id = picker.randint(1, members)
        text = f"New this week: help with #quokka-wrangling-{number}"
        offer = OfferText(10**9 + number, text)
        started = time.perf_counter()
        vector = encoder.encode_now([text])[0]
        words.add_offer(member_id, offer)
        # As the directory does: the member's vectors put again, the new offer's too.
        current = words.profile(member_id)
        assert current is not None
        older = _made_up_fields(replace(current, offers=current.offers[:-1]), *made_of, rng)
        new = packed(field_key(FieldKind.OFFER, offer.offer_id), text, vector)
        vectors.put(member_id, [*older, new])
        add_latencies.append((time.perf_counter() - started) * 1000)
        found, *_ = query(f"anyone into #quokka-wrangling-{number}?", top=1)
        visible += found[:1] == [member_id]

    print(
        f"matching speed, words and meaning ({encoder.model_id}): "
        f"{members:,} members, {queries} top-3 queries, vector products on one thread"
    )
    print(f"  index build            {build_seconds:8.2f} s   (vectors made up, see the module)")
    if coarse_seconds:
        print(f"  coarse copy            {coarse_seconds:8.2f} s   (made once, in another thread)")
    print(
        f"  top-3 query            p50 {percentile(totals, 0.5):6.2f} ms   "
        f"p99 {percentile(totals, 0.99):6.2f} ms   (from the text: encoding included)"
    )
    print(
        f"    of which encoding    p50 {percentile(encoding, 0.5):6.2f} ms   "
        f"p99 {percentile(encoding, 0.99):6.2f} ms"
    )
    print(
        f"    of which every profile p50 {percentile(first_pass, 0.5):4.2f} ms   "
        f"p99 {percentile(first_pass, 0.99):6.2f} ms   (the first pass, shortlisting)"
    )
    print(
        f"  top-3 query, cache cold p50 {percentile(cold_totals, 0.5):5.2f} ms   "
        f"p99 {percentile(cold_totals, 0.99):6.2f} ms   ({len(cold_totals)} queries, "
        f"{swept_mb:.0f} MB read between two: as in a serving process)"
    )
    print(
        f"    of which every profile p50 {percentile(cold_first, 0.5):4.2f} ms   "
        f"p99 {percentile(cold_first, 0.99):6.2f} ms"
    )
    print(
        f"  add one offer          p50 {percentile(add_latencies, 0.5):6.2f} ms   "
        f"p99 {percentile(add_latencies, 0.99):6.2f} ms   "
        f"(encoding included; visible to the next query: {visible}/{offers})"
    )
    print(
        f"  peak RSS               {peak_index:8.1f} MB   (interpreter and vocabulary "
        f"{rss_before:.0f} MB, with the model {rss_model:.0f} MB; before the sweep's buffer)"
    )


def _made_up_fields(
    profile: HelperProfile,
    labels: dict[str, Vector],
    roles: dict[str, Vector],
    rng: np.random.Generator,
) -> list[FieldVector]:
    """Field vectors near what the model would make: the skills line from the skills'
    labels, the bio from the role and two skills, each offer from one or two skills."""
    skills = [labels[name] for name in profile.skills if name in labels]
    role = next((v for r, v in roles.items() if profile.bio.startswith(r)), roles[ROLES[0]])

    def unit(parts: Sequence[Vector]) -> Vector:
        mixed: Vector = np.sum(parts, axis=0) + rng.normal(0, 0.02, len(parts[0]))
        unit_vector: Vector = (mixed / np.linalg.norm(mixed)).astype(np.float32)
        return unit_vector

    fields = [
        packed(field_key(FieldKind.SKILLS, profile.member_id), "skills", unit(skills)),
        packed(field_key(FieldKind.BIO, profile.member_id), profile.bio, unit([role, *skills[:2]])),
    ]
    fields += [
        packed(field_key(FieldKind.OFFER, o.offer_id), o.text, unit(skills[n % 3 : n % 3 + 2]))
        for n, o in enumerate(profile.offers)
    ]
    return fields


if __name__ == "__main__":
    main()
