"""The word index kept member by member scores asks as one read afresh would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import HelperProfile, MatchIndex, OfferText
from bot.matching import index as word_index
from bot.skills import Vocabulary

vocabulary = Vocabulary.default()

TEXTS = (
    "Happy to help with kubernetes and docker",
    "help help: resumes, cover letters, interviews",
    "I bake sourdough and can help you start one",
    "Python and Django reviews, happy to pair",
    "Salary negotiation, I have done it many times",
    "help with tax returns for freelancers",
    "",
)
SKILLS = ("kubernetes", "resume", "python", "baking", "salary-negotiation", "#beekeeping")
ASKS = (
    "can anyone help with my kubernetes pods?",
    "help me negotiate a salary offer",
    "who can review my resume and cover letter",
    "sourdough starter help",
    "help",
    "python django tax help",
)

members = st.integers(min_value=1, max_value=14)
profiles = st.builds(
    HelperProfile,
    members,
    st.just("Member"),
    st.lists(st.sampled_from(SKILLS), max_size=3, unique=True).map(tuple),
    bio=st.sampled_from(TEXTS),
    offers=st.lists(st.sampled_from(TEXTS), max_size=2).map(
        lambda texts: tuple(OfferText(n, t) for n, t in enumerate(texts, start=1))
    ),
)
changes = st.lists(
    st.one_of(
        st.tuples(st.just("join or edit"), profiles),
        st.tuples(st.just("offer"), members, st.integers(100, 110), st.sampled_from(TEXTS)),
        st.tuples(st.just("withdraw"), members, st.integers(100, 110)),
        st.tuples(st.just("leave"), members),
    ),
    max_size=60,
)


def scores_now(index: MatchIndex) -> dict[str, dict[int, float]]:
    return {ask: index.relevance_in_units(ask).as_dict() for ask in ASKS}


@settings(max_examples=120, deadline=None)
@given(changes)
def test_a_community_changed_member_by_member_scores_asks_as_one_read_afresh(
    history: list[tuple],  # type: ignore[type-arg]
) -> None:
    index = MatchIndex(vocabulary)
    for change in history:
        match change:
            case ("join or edit", profile):
                index.upsert(profile)
            case ("offer", member, offer_id, text) if member in index and text:
                index.add_offer(member, OfferText(offer_id, text))
            case ("withdraw", member, offer_id):
                index.remove_offer(member, offer_id)
            case ("leave", member):
                index.remove(member)
    afresh = MatchIndex(vocabulary)
    for member in sorted(m for m in range(1, 15) if m in index):
        profile = index.profile(member)
        assert profile is not None
        afresh.upsert(profile)

    incremental, expected = scores_now(index), scores_now(afresh)
    for ask in ASKS:
        assert incremental[ask] == pytest.approx(expected[ask], rel=1e-12), ask


def test_a_member_who_edits_their_profile_many_times_is_scored_once_as_they_are_now() -> None:
    index = MatchIndex(vocabulary)
    others = [HelperProfile(n, f"Helper {n}", ("kubernetes",)) for n in range(2, 6)]
    for profile in others:
        index.upsert(profile)
    for edit in range(40):
        skills = ("kubernetes",) if edit % 2 else ("baking",)
        index.upsert(HelperProfile(1, "Ana", skills, bio="I can help with kubernetes"))
    index.remove(3)

    reached = index.relevance_in_units("kubernetes help please")
    assert sorted(reached.members.tolist()) == [1, 2, 4, 5]
    assert reached.get(1) > reached.get(2) > 0  # declared, and named in her bio too
    assert reached.get(3) == 0.0


def test_a_word_half_the_community_uses_still_counts_for_members_a_rarer_word_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Words held by more members than the index scans whole only add to members
    reached by rarer words (and a few more), but for those they count in full."""
    monkeypatch.setattr(word_index, "EXACT_POSTINGS_LIMIT", 3)
    index = MatchIndex(vocabulary)
    for member in range(1, 9):
        index.upsert(HelperProfile(member, f"Helper {member}", (), bio="I work at a fintech"))
    index.upsert(HelperProfile(9, "Ben", ("kubernetes",), bio="I work at a fintech"))
    index.upsert(HelperProfile(10, "Cara", ("kubernetes",)))

    reached = index.relevance_in_units("kubernetes at a fintech")
    assert reached.best(2) == [9, 10]  # the common word puts Ben ahead
    assert reached.get(9) > reached.get(10)
    assert set(reached.members.tolist()) == {9, 10, 1, 2, 3}  # and the first three others
