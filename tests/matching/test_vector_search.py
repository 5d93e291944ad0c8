"""Searching by meaning finds the same members however the index grew: across many
blocks of rows, after members left and others took their rows."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from bot.directory.community import CommunityDirectory
from bot.directory.passes import SharedPasses
from bot.domain.directory import FieldVector, HelperRecord
from bot.matching import coarse, rows, vectors
from bot.matching.fields import Vector, packed, unpacked
from bot.matching.vectors import AskVectors, VectorIndex
from bot.skills import Vocabulary

DIMENSIONS = 16


def unit(seed: int) -> Vector:
    vector = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    result: Vector = vector / np.linalg.norm(vector)
    return result


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows.Rows, "BLOCK", 4)  # many blocks from a few members
    monkeypatch.setattr(rows.FieldRows, "BLOCK", 4)  # then 4, 8, 8, 8 …
    monkeypatch.setattr(rows.FieldRows, "LARGEST", 8)


def test_the_closest_members_are_found_across_blocks_after_some_left() -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 31):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    for member in (3, 7, 8, 21):
        index.remove(member)
    index.put(40, [packed("bio:40", "x", unit(40))])  # takes a freed row
    present = [m for m in range(1, 31) if m not in (3, 7, 8, 21)] + [40]

    ask: Vector = unit(12) + np.float32(0.1) * unit(99)
    found = index.closest(ask, shortlist=5)

    expected = sorted(present, key=lambda m: -float(unit(m) @ ask))[:5]
    assert set(found) == set(expected)
    assert max(found, key=lambda m: found[m].best_field) == 12
    assert not {3, 7, 8, 21} & set(index.closest(unit(7), shortlist=30))
    assert len(index) == len(present)
    # 30 rows taken in blocks of 4: the last block's two never taken are not scored.
    assert len(index.profiles_now().scores(ask).scores) == 30


def test_each_members_closest_field_is_found_after_edits_across_blocks() -> None:
    index = VectorIndex(DIMENSIONS)
    current = {
        member: [
            packed(f"bio:{member}", "x", unit(member)),
            packed(f"offer:{member}", "x", unit(100 + member)),
        ]
        for member in range(1, 13)
    }
    current[2] = current[2][:1]  # withdrew the offer: a row given back
    current[3] = [packed("offer:33", "x", unit(133))]  # one field instead of two
    current[20] = [  # joins after 5 left, in the rows 5 gave back and one more
        packed("skills:20", "x", unit(120)),
        packed("bio:20", "x", unit(20)),
        packed("offer:21", "x", unit(121)),
    ]
    for member in range(1, 13):
        index.put(
            member,
            [
                packed(f"bio:{member}", "x", unit(member)),
                packed(f"offer:{member}", "x", unit(100 + member)),
            ],
        )
    for member in (2, 3):
        index.put(member, current[member])
    index.remove(5)
    del current[5]
    index.put(20, current[20])

    ask = unit(121)
    found = index.closest(ask, shortlist=20)

    assert set(found) == set(current)
    assert found[20].best_key == "offer:21"
    for member, near in found.items():
        scores = {v.key: float(unpacked(v) @ ask) for v in current[member]}
        assert near.best_key == max(scores, key=scores.__getitem__), member
        assert near.best_field == pytest.approx(max(scores.values()), abs=1e-5), member
    assert index.fields_kept == sum(len(fields) for fields in current.values())
    withdrawn = index.field_vector(2, "offer:2")
    assert withdrawn is None
    offered = index.field_vector(20, "offer:21")
    assert offered is not None
    assert np.allclose(offered, unpacked(current[20][2]))


def test_a_member_who_edits_again_and_again_keeps_only_their_current_fields() -> None:
    index = VectorIndex(DIMENSIONS)
    for edit in range(1, 40):
        fields = [packed(f"offer:{n}", "x", unit(edit * 10 + n)) for n in range(edit % 4)]
        index.put(1, [packed("bio:1", "x", unit(edit)), *fields])
        index.put(2, [packed("bio:2", "x", unit(2))])
    assert index.fields_kept == 1 + 39 % 4 + 1
    index.remove(1)
    assert index.fields_kept == 1
    assert 1 not in index.closest(unit(39), shortlist=5)


def test_profiles_scored_in_another_thread_leave_out_members_who_left_meanwhile() -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 9):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    ask = unit(3)
    taken = index.profiles_now()  # taken here, scored "elsewhere" while things change
    index.remove(3)
    index.put(50, [packed("bio:50", "x", unit(3))])  # joins in a new block
    scored = taken.scores(ask)

    found = index.closest(ask, also=[50], shortlist=4, profiles=scored)

    assert 3 not in found, "gone since the scores were made"
    assert found[50].best_field > 0.99, "joined since, scored all the same"
    assert found[50].profile > 0.99


def test_a_new_offer_finds_the_waiting_asks_closest_to_it_across_blocks() -> None:
    asks = AskVectors(DIMENSIONS)
    for ask_id in range(1, 20):
        asks.put(ask_id, packed(f"ask:{ask_id}", "x", unit(ask_id)))
    asks.remove(5)
    asks.put(6, None)  # no vector any more

    assert asks.closest(unit(5), floor=0.99, limit=3) == []
    assert asks.closest(unit(6), floor=0.99, limit=3) == []
    assert asks.closest(unit(17), floor=0.99, limit=3) == [17]
    assert len(asks) == 17


def test_several_asks_scored_at_once_find_what_each_finds_alone() -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 23):
        fields = [packed(f"bio:{member}", "x", unit(member))]
        if member % 3 == 0:  # some have a second field, closer to another ask
            fields.append(packed(f"offer:{member}", "y", unit(100 + member)))
        index.put(member, fields)
    index.remove(9)
    asks = [unit(4), unit(103), unit(9) + unit(21)]

    together = index.profiles_now().scores_for(asks)

    for ask, scored in zip(asks, together, strict=True):
        found = index.closest(ask, shortlist=6, profiles=scored)
        alone = index.closest(ask, shortlist=6)
        assert {m: c.best_key for m, c in found.items()} == {
            m: c.best_key for m, c in alone.items()
        }
        for member, closeness in found.items():  # one product or several: rounding aside
            assert closeness == pytest.approx(alone[member], abs=1e-6)
    assert index.closest(asks[1], shortlist=6)[3].best_key == "offer:3"
    assert 9 not in index.closest(asks[2], shortlist=21, profiles=together[2])


def test_a_row_taken_by_a_newcomer_after_the_scores_were_made_is_not_scored_as_theirs() -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 9):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    ask = unit(3)
    scored = index.profiles_now().scores(ask)  # made, then used after a change
    index.remove(3)
    index.put(60, [packed("bio:60", "x", unit(77))])  # takes the row member 3 left

    found = index.closest(ask, also=[60], shortlist=4, profiles=scored)

    assert 3 not in found
    assert found[60].profile == pytest.approx(float(unit(77) @ ask), abs=0.01), "60's own"


def test_a_member_who_left_and_came_back_after_the_scores_were_made_is_found_in_their_new_row() -> (
    None
):
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 9):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    ask = unit(5)
    scored = index.profiles_now().scores(ask)
    index.remove(5)
    index.put(70, [packed("bio:70", "x", unit(70))])  # takes the row 5 left
    index.put(5, [packed("offer:9", "back", unit(5))])  # back, in another row

    found = index.closest(ask, shortlist=3, profiles=scored)

    assert found[5].best_key == "offer:9" and found[5].best_field > 0.99
    assert 70 not in found, "not shortlisted: the scores were made before they came"


def test_a_member_with_many_fields_and_keys_of_any_form_keeps_each_field_apart() -> None:
    """Twelve open offers (more than most members have), keys as tests and imports
    write them, and a field row given back and taken by another member in between."""
    index = VectorIndex(DIMENSIONS)
    offers = [packed(f"offer:{n}", "x", unit(200 + n)) for n in range(12)]
    odd = [
        packed("skills:near", "x", unit(300)),
        packed("offer:007", "x", unit(301)),
        packed("offer:٣", "x", unit(302)),  # a digit, but not one the key would be rebuilt with
    ]
    index.put(1, [packed("bio:1", "x", unit(1)), *offers, *odd])
    index.put(2, [packed("bio:2", "x", unit(2)), packed("offer:99", "x", unit(99))])
    index.put(2, [packed("bio:2", "x", unit(2))])  # offer 99 withdrawn: its row free
    index.put(3, [packed("offer:123456789012", "x", unit(400))])  # takes it

    for n in (0, 7, 11):
        found = index.closest(unit(200 + n), shortlist=3)
        assert found[1].best_key == f"offer:{n}"
    assert index.closest(unit(300), shortlist=3)[1].best_key == "skills:near"
    assert index.closest(unit(301), shortlist=3)[1].best_key == "offer:007"
    assert index.closest(unit(302), shortlist=3)[1].best_key == "offer:٣"
    assert index.closest(unit(400), shortlist=3)[3].best_key == "offer:123456789012"
    assert index.closest(unit(99), shortlist=3)[2].best_key == "bio:2"
    kept = index.field_vector(1, "offer:007")
    assert kept is not None and float(kept @ unit(301)) > 0.99
    assert index.field_vector(2, "offer:99") is None
    assert index.fields_kept == 16 + 1 + 1
    index.put(1, [packed("bio:1", "x", unit(1))])  # fewer fields again
    assert index.fields_kept == 3 and index.field_vector(1, "skills:near") is None
    assert index.closest(unit(300), shortlist=3)[1].best_key == "bio:1"


def test_scores_made_with_their_shortlist_find_the_same_members_as_scores_made_without() -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 41):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    ask = unit(17)
    everyone = sorted(range(1, 41), key=lambda m: -float(unit(m) @ ask))
    for picked in (1, 6, 40, 60):
        scored = index.profiles_now().scores(ask, shortlist=picked)
        for size in (1, 5, 6, 12):
            owners = [int(scored.owners[row]) for row in scored.best(size)]
            assert owners == everyone[:size], (picked, size)
        assert set(index.closest(ask, shortlist=8, profiles=scored)) == set(everyone[:8])


def test_the_first_pass_in_int8_shortlists_the_closest_and_their_scores_are_exact() -> None:
    """Profiles are kept in int8 for the pass over everyone; whoever it shortlists is
    then scored from their fields, to the float."""
    dimensions = 384
    rng = np.random.default_rng(8)
    centres = rng.standard_normal((40, dimensions)).astype(np.float32)
    index = VectorIndex(dimensions)
    profiles: dict[int, Vector] = {}
    for member in range(1, 2_001):  # clustered, as sentence vectors are
        own = centres[member % 40] + 0.6 * rng.standard_normal((2, dimensions))
        own = (own / np.linalg.norm(own, axis=1, keepdims=True)).astype(np.float32)
        fields = [packed(f"bio:{member}", "x", own[0]), packed(f"offer:{member}", "y", own[1])]
        index.put(member, fields)
        whole = unpacked(fields[0]) + unpacked(fields[1])
        profiles[member] = whole / np.float32(np.linalg.norm(whole))
    ask = centres[7] + 0.8 * rng.standard_normal(dimensions).astype(np.float32)
    ask = (ask / np.linalg.norm(ask)).astype(np.float32)

    found = index.closest(ask, shortlist=100)

    exact = sorted(profiles, key=lambda m: -float(profiles[m] @ ask))
    assert set(exact[:90]) <= set(found), "the closest profiles are all shortlisted"
    for member, closeness in found.items():
        assert closeness.profile == pytest.approx(float(profiles[member] @ ask), abs=1e-5)


async def test_searches_waiting_together_share_one_pass_and_find_what_each_finds_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 31):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    passes = SharedPasses(index)
    taken = 0
    snapshot = index.profiles_now

    def counted() -> vectors.RowsNow:
        nonlocal taken
        taken += 1
        return snapshot()

    monkeypatch.setattr(index, "profiles_now", counted)
    asks = [[unit(4)], [unit(11), unit(12)], [unit(29)]]

    together = await asyncio.gather(*(passes.scores(ask) for ask in asks))

    assert taken == 1, "one pass over the profiles for the three searches"
    for ask, scored in zip(asks, together, strict=True):
        assert len(scored) == len(ask)
        for vector, one in zip(ask, scored, strict=True):
            alone = snapshot().scores(vector)
            assert one.owners[one.best(5)].tolist() == alone.owners[alone.best(5)].tolist()
    later = await passes.scores([unit(7)])  # the pass is over: another starts
    assert taken == 2 and int(later[0].owners[later[0].best(1)[0]]) == 7


async def test_a_search_given_up_while_waiting_for_a_pass_leaves_the_others_their_answer() -> None:
    index = VectorIndex(DIMENSIONS)
    for member in range(1, 31):
        index.put(member, [packed(f"bio:{member}", "x", unit(member))])
    passes = SharedPasses(index)
    given_up = asyncio.create_task(passes.scores([unit(3)]))
    kept = asyncio.create_task(passes.scores([unit(21)]))
    await asyncio.sleep(0)  # both are waiting for the pass

    given_up.cancel()

    [scored] = await kept
    assert int(scored.owners[scored.best(1)[0]]) == 21
    assert given_up.cancelled()
    assert (await passes.scores([])) == []


def topical(seed: int, topics: int = 6) -> Vector:
    """A unit vector mostly along a few of ``topics`` directions, as sentence vectors
    of a community's words are: a coarse copy along its main directions keeps most of
    it."""
    rng = np.random.default_rng(seed)
    directions = np.random.default_rng(1234).standard_normal((topics, DIMENSIONS))
    mixed = rng.dirichlet(np.ones(topics) * 0.3) @ directions
    vector = (mixed + 0.05 * rng.standard_normal(DIMENSIONS)).astype(np.float32)
    result: Vector = vector / np.linalg.norm(vector)
    return result


@pytest.fixture
def coarse_when_small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "COARSE_FROM", 50)
    monkeypatch.setattr(coarse, "COARSE_DIMENSIONS", 6)
    monkeypatch.setattr(rows, "COARSE_CANDIDATES", 40)


def _community(members: int) -> tuple[VectorIndex, VectorIndex]:
    """The same members twice: one index to search coarse first, one exactly."""
    quick, exact = VectorIndex(DIMENSIONS), VectorIndex(DIMENSIONS)
    for member in range(1, members + 1):
        for index in (quick, exact):
            index.put(member, [packed(f"bio:{member}", "x", topical(member))])
    return quick, exact


@pytest.mark.usefixtures("coarse_when_small")
def test_a_coarse_first_pass_shortlists_the_members_an_exact_pass_does() -> None:
    quick, exact = _community(200)
    assert quick.wants_coarse
    quick.coarse_made(vectors.build_coarse(quick.coarse_begun()))
    assert not quick.wants_coarse and quick.profiles_now().coarse is not None
    for seed in range(1000, 1030):
        ask = topical(seed)
        assert set(quick.closest(ask, shortlist=5)) == set(exact.closest(ask, shortlist=5))


@pytest.mark.usefixtures("coarse_when_small")
def test_members_written_while_and_after_the_coarse_copy_is_made_are_found() -> None:
    index, _ = _community(200)
    snapshot = index.coarse_begun()
    assert not index.wants_coarse, "made once"
    meanwhile, later = topical(5000), topical(6000)
    index.put(500, [packed("bio:500", "x", meanwhile)])  # while it is being made
    index.put(7, [packed("bio:7", "x", later)])  # a member's words changed meanwhile
    index.coarse_made(vectors.build_coarse(snapshot))
    index.put(600, [packed("bio:600", "x", topical(7000))])  # once it is made
    for member, vector in ((500, meanwhile), (7, later), (600, topical(7000))):
        found = index.closest(vector, shortlist=3)
        assert max(found, key=lambda m: found[m].best_field) == member


@pytest.mark.usefixtures("coarse_when_small")
async def test_a_large_communitys_passes_make_the_coarse_copy_once() -> None:
    index, exact = _community(80)
    passes = SharedPasses(index)
    ask = topical(4242)
    [first] = await passes.scores([ask])
    assert not index.wants_coarse and index.profiles_now().coarse is not None
    [again] = await passes.scores([ask])
    expected = exact.profiles_now().scores(ask)
    assert set(first.owners[first.best(5)]) == set(expected.owners[expected.best(5)])
    best, exactly = first.best(1)[0], expected.best(1)[0]
    assert first.scores[best] == pytest.approx(expected.scores[exactly]), "scored exactly"
    assert list(again.best(5)) == list(first.best(5))


@pytest.mark.parametrize("size", [1, 300, 4_000])
def test_the_best_of_many_scores_are_the_same_whether_a_bar_is_guessed_or_not(size: int) -> None:
    """Among many rows the best are picked from those above a bar guessed from a sample;
    whatever the sample shows (ties, rows left free, a sample with few of the best),
    they are the rows a full sort puts first."""
    rng = np.random.default_rng(size)
    lumpy = rng.standard_normal(100_000).astype(np.float32)
    lumpy[rng.choice(100_000, 30_000, replace=False)] = -np.inf  # rows no member holds
    tied = np.round(rng.standard_normal(100_000), 1).astype(np.float32)
    skewed = np.zeros(100_000, dtype=np.float32)
    skewed[1::97] = 1.0 + rng.random(len(skewed[1::97])).astype(np.float32)  # off the sample
    sampled = rng.random(100_000).astype(np.float32)
    sampled[:: 100_000 // rows.SAMPLE][:40] = 2.0 + np.arange(40)  # the sample's best, few
    for scores in (lumpy, tied, skewed, sampled):
        best = rows._best(scores, size)
        assert len(best) == size
        assert np.all(np.diff(scores[best]) <= 0), "best first"
        sorted_scores = np.sort(scores)[::-1]
        assert np.array_equal(scores[best], sorted_scores[:size])


def test_members_put_a_slice_at_a_time_are_found_as_when_put_one_by_one() -> None:
    """Reading a community puts members together; a member given twice keeps the
    last, one given no vectors is taken out, one with fewer fields gives rows back."""

    def fields(member: int, count: int) -> list[FieldVector]:
        return [packed(f"offer:{member}{n}", "x", unit(10 * member + n)) for n in range(count)]

    one_by_one, together = VectorIndex(DIMENSIONS), VectorIndex(DIMENSIONS)
    first = [(member, fields(member, 1 + member % 3)) for member in range(1, 21)]
    later = [(3, fields(3, 1)), (5, []), (21, fields(21, 2)), (3, fields(3, 2)), (8, fields(8, 1))]
    for member, given in [*first, *later]:
        one_by_one.put(member, given)
    together.put_many(first[:7])
    together.put_many(first[7:])
    together.put_many(later)

    assert len(together) == len(one_by_one) == 20 and 5 not in together
    assert together.fields_kept == one_by_one.fields_kept
    for seed in range(5):
        ask = unit(1000 + seed)
        assert together.closest(ask, shortlist=8) == one_by_one.closest(ask, shortlist=8)


def test_a_member_gone_later_in_the_same_slice_is_not_found_by_meaning() -> None:
    """A slice of records is taken in together: a member's last record is the one that
    counts, even when it says they are gone (forget-me) after one with their words."""

    def record(platform_user_id: str | None, *vectors: FieldVector) -> HelperRecord:
        return HelperRecord(
            member_id=1,
            platform_user_id=platform_user_id,
            display_name="Ana",
            skills=("python",),
            bio="Python mentor",
            timezone=None,
            paused_until=None,
            forgotten=platform_user_id is None,
            dm_closed=False,
            offers=(),
            vectors=vectors,
        )

    directory = CommunityDirectory("console:x", 1, Vocabulary.default(), DIMENSIONS)
    directory.apply((record("U1", packed("bio:1", "x", unit(1))), record(None)))
    assert directory.vectors is not None and 1 not in directory.vectors
    assert 1 not in directory.with_words
    directory.apply((record(None), record("U1", packed("bio:1", "x", unit(1)))))
    assert 1 in directory.vectors and 1 in directory.with_words, "back, as their last record says"
