"""Stories about who gets suggested when a member asks for help."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.matching import (
    HelperProfile,
    MatchContext,
    MatchIndex,
    OfferText,
    asks_member_could_answer,
)
from bot.matching.pay_it_forward import AsksBySkill
from bot.skills import Vocabulary

vocabulary = Vocabulary.default()
NOW = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
DANA = 100  # the member asking in these stories

ANA = HelperProfile(
    1,
    "Ana",
    ("resume", "career-change"),
    bio="Recruiter for ten years.",
    offers=(OfferText(11, "Happy to review resumes and cover letters"),),
    timezone="Europe/Madrid",
)
BEN = HelperProfile(
    2,
    "Ben",
    ("kubernetes", "docker"),
    bio="I keep clusters alive at a fintech.",
    offers=(OfferText(21, "Can pair on k8s deployments"),),
    timezone="Europe/London",
)
CARA = HelperProfile(
    3,
    "Cara",
    ("kubernetes", "terraform"),
    bio="Platform engineer.",
    offers=(OfferText(31, "Ask me about running GKE"),),
    timezone="America/Los_Angeles",
)
DEV = HelperProfile(4, "Dev", ("python", "django"), bio="Backend developer.")
EMMA = HelperProfile(5, "Emma", ("public-speaking",), bio="Toastmasters club president.")


def community(*profiles: HelperProfile) -> MatchIndex:
    index = MatchIndex(vocabulary)
    for profile in profiles or (ANA, BEN, CARA, DEV, EMMA):
        index.upsert(profile)
    return index


def asked_by_dana(**overrides: object) -> MatchContext:
    return MatchContext(asker_id=DANA, now=NOW, **overrides)  # type: ignore[arg-type]


def suggested(index: MatchIndex, ask: str, context: MatchContext) -> list[int]:
    return [candidate.member_id for candidate in index.search(ask, context)]


def test_a_cv_question_reaches_the_resume_reviewer_first() -> None:
    found = community().search("can someone look over my CV?", asked_by_dana())
    assert found[0].member_id == ANA.member_id


def test_symptoms_without_the_skill_name_still_reach_the_right_person() -> None:
    found = suggested(community(), "my pods keep getting OOMKilled", asked_by_dana())
    assert set(found[:2]) == {BEN.member_id, CARA.member_id}


def test_explanations_name_the_evidence_that_matched() -> None:
    ana = community().search("can someone look over my CV?", asked_by_dana())[0]
    assert "skills: resumes and CVs" in ana.reasons
    assert "offered: 'Happy to review resumes and cover letters'" in ana.reasons


def test_nobody_is_suggested_when_nobody_can_help() -> None:
    assert community().search("how do I tune a piano?", asked_by_dana()) == []


def a_hundred_members(
    skills: tuple[str, ...] = (), offer: str = "Happy to help"
) -> list[HelperProfile]:
    return [
        HelperProfile(n, f"Member {n}", skills, offers=(OfferText(n, offer),))
        for n in range(1, 101)
    ]


def test_a_skill_most_of_a_large_community_offers_still_finds_helpers() -> None:
    """A common skill is the right skill for an ask that names it: in a community of
    a hundred spreadsheet people, a spreadsheet question must not get "nobody yet"."""
    index = community(*a_hundred_members(offer="I can help with #excel"), ANA, DEV)
    found = suggested(index, "how do I make a pivot table in Excel?", asked_by_dana())
    assert len(found) == 3
    assert {ANA.member_id, DEV.member_id}.isdisjoint(found)
    assert suggested(index, "how do I tune a piano?", asked_by_dana()) == []


def test_words_that_only_hint_at_a_common_skill_do_not_lower_the_bar() -> None:
    """Among a hundred spreadsheet people, a question about baby formula still gets
    "nobody yet": "formula" and "sheet" hint at spreadsheets but do not name them."""
    index = community(*a_hundred_members(offer="I can help with #excel"), ANA, DEV)
    ask = "which baby formula did you use? I keep a feeding sheet"
    assert suggested(index, ask, asked_by_dana()) == []


def test_a_plain_word_that_is_also_a_common_tag_does_not_lower_the_bar() -> None:
    """Most members tagged themselves #london; saying "London" in a dentist question does
    not make them dentists. Writing the tag itself asks for those members."""
    index = community(*a_hundred_members(skills=("london",)), ANA, DEV)
    ask = "just moved to London, anyone know a good dentist?"
    assert suggested(index, ask, asked_by_dana()) == []
    assert len(suggested(index, "any #london folks free for a coffee?", asked_by_dana())) == 3


def test_a_paused_member_is_never_suggested() -> None:
    context = asked_by_dana(unavailable=frozenset({ANA.member_id}))
    assert ANA.member_id not in suggested(community(), "please review my resume", context)


def test_a_helper_who_declined_this_asker_is_not_suggested_again() -> None:
    context = asked_by_dana(unavailable=frozenset({BEN.member_id}))
    found = suggested(community(), "kubernetes ingress question", context)
    assert BEN.member_id not in found
    assert CARA.member_id in found


def test_the_asker_is_never_suggested_to_themselves() -> None:
    context = MatchContext(asker_id=ANA.member_id, now=NOW)
    assert ANA.member_id not in suggested(community(), "review my resume", context)


def test_a_helper_at_capacity_this_week_is_skipped() -> None:
    context = asked_by_dana(recent_introductions={BEN.member_id: 2}, capacity=2)
    found = suggested(community(), "kubernetes deployment help", context)
    assert BEN.member_id not in found
    assert found[0] == CARA.member_id


def test_recent_load_lowers_priority_among_equally_good_helpers() -> None:
    twins = [HelperProfile(10 + n, f"Twin {n}", ("kubernetes",), bio="SRE.") for n in range(2)]
    index = community(*twins)
    busy = asked_by_dana(recent_introductions={10: 1})
    assert suggested(index, "kubernetes help", busy)[0] == 11
    quiet = asked_by_dana(recent_introductions={11: 1})
    assert suggested(index, "kubernetes help", quiet)[0] == 10


def test_a_new_connection_ranks_above_a_repeat_pair_when_relevance_is_similar() -> None:
    twins = [HelperProfile(10 + n, f"Twin {n}", ("kubernetes",), bio="SRE.") for n in range(2)]
    index = community(*twins)
    context = asked_by_dana(previous_partners=frozenset({10}))
    assert suggested(index, "kubernetes help", context) == [11, 10]


def test_a_much_better_match_still_wins_over_a_new_connection() -> None:
    index = community(ANA, HelperProfile(6, "Fay", ("linkedin",), bio="Writes LinkedIn posts."))
    context = asked_by_dana(previous_partners=frozenset({ANA.member_id}))
    assert suggested(index, "my CV needs a rewrite", context)[0] == ANA.member_id


def test_urgent_asks_prefer_helpers_awake_at_the_same_time() -> None:
    context = asked_by_dana(asker_timezone="America/Vancouver")
    found = community().search(
        "urgent: kubernetes is down, can someone jump on a call today?", context
    )
    assert found[0].member_id == CARA.member_id
    assert any("awake when you are" in reason for reason in found[0].reasons)
    calm = suggested(community(), "kubernetes deployment strategy", asked_by_dana())
    assert calm[0] == BEN.member_id


def test_a_new_offer_counts_from_the_next_search() -> None:
    index = community()
    assert suggested(index, "anyone into #beekeeping?", asked_by_dana()) == []
    index.add_offer(DEV.member_id, OfferText(41, "I keep two hives, happy to talk #beekeeping"))
    found = index.search("anyone into #beekeeping?", asked_by_dana())
    assert [candidate.member_id for candidate in found] == [DEV.member_id]
    assert found[0].reasons == ("offered: 'I keep two hives, happy to talk #beekeeping'",)


def test_a_withdrawn_offer_stops_counting() -> None:
    index = community()
    index.add_offer(DEV.member_id, OfferText(41, "I keep two hives #beekeeping"))
    index.remove_offer(DEV.member_id, 41)
    assert suggested(index, "anyone into #beekeeping?", asked_by_dana()) == []


def test_a_removed_member_is_forgotten() -> None:
    index = community()
    index.remove(ANA.member_id)
    assert ANA.member_id not in suggested(index, "review my resume", asked_by_dana())


def test_updating_a_profile_replaces_what_was_known() -> None:
    index = community()
    index.upsert(HelperProfile(ANA.member_id, "Ana", ("gardening",)))
    assert ANA.member_id not in suggested(index, "review my resume", asked_by_dana())
    assert suggested(index, "tomatoes on my balcony garden", asked_by_dana()) == [ANA.member_id]


def test_an_empty_community_suggests_nobody() -> None:
    assert MatchIndex(vocabulary).search("review my resume", asked_by_dana()) == []


def test_after_being_helped_a_member_sees_asks_they_could_answer() -> None:
    open_asks = [
        (1, "anyone around to help me with Django migrations?"),
        (2, "where do I buy a good used car?"),
        (3, "my python script is slow"),
        (4, "best daycare in town?"),
    ]
    assert asks_member_could_answer(DEV, open_asks, vocabulary) == [1, 3]
    assert asks_member_could_answer(DEV, open_asks, vocabulary, top=1) == [1]
    assert asks_member_could_answer(EMMA, open_asks, vocabulary) == []


def test_asks_kept_by_skill_follow_edits_and_closing_and_skip_the_members_own() -> None:
    asks = AsksBySkill(vocabulary)
    asks.put(1, EMMA.member_id, "my python script is slow")
    asks.put(2, DEV.member_id, "django admin question")  # Dev's own
    asks.put(3, EMMA.member_id, "where do I buy a good used car?")
    asks.put(4, EMMA.member_id, "anyone around to help me with Django migrations?")
    assert asks.fitting(DEV) == [1, 4]

    asks.put(3, EMMA.member_id, "actually: a python question about decorators")
    assert asks.fitting(DEV) == [1, 3, 4], "an edited ask keeps its place in line"
    asks.remove(1)
    asks.remove(1)  # twice: nothing more happens
    assert asks.fitting(DEV) == [3, 4]
    assert asks.fitting(DEV, top=1) == [3]
    assert len(asks) == 3


member_ids = st.integers(min_value=1, max_value=5)


@settings(max_examples=60, deadline=None)
@given(
    asker=member_ids,
    unavailable=st.frozensets(member_ids),
    loads=st.dictionaries(member_ids, st.integers(min_value=0, max_value=4)),
    ask=st.sampled_from(
        ["review my CV", "kubernetes help", "django question", "conference talk nerves", "x"]
    ),
    top=st.integers(min_value=0, max_value=6),
)
def test_suggestions_always_respect_the_rules(
    asker: int, unavailable: frozenset[int], loads: dict[int, int], ask: str, top: int
) -> None:
    context = MatchContext(
        asker_id=asker, now=NOW, unavailable=unavailable, recent_introductions=loads
    )
    found = community().search(ask, context, top=top)
    ids = [candidate.member_id for candidate in found]
    assert len(ids) <= top
    assert len(ids) == len(set(ids))
    assert asker not in ids
    assert not unavailable & set(ids)
    assert all(loads.get(member, 0) < context.capacity for member in ids)
    assert all(candidate.reasons for candidate in found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)


def test_a_plain_word_does_not_match_a_one_member_tag_over_a_real_specialist() -> None:
    """A broad "connector" who tags everything (#data, #product) does not win an ask
    that merely says "data"; the hashtag itself still finds them."""
    index = MatchIndex(vocabulary)
    connector = HelperProfile(
        member_id=1,
        name="Connector",
        skills=("data", "product", "business", "tech"),
        bio="Happy to chat about anything: tech, business, product, data, careers",
    )
    analyst = HelperProfile(
        member_id=2,
        name="Analyst",
        skills=("sql", "excel"),
        offers=(OfferText(21, "I can help clean up messy spreadsheets and pivot tables"),),
    )
    index.upsert(connector)
    index.upsert(analyst)
    context = MatchContext(asker_id=99, now=datetime(2026, 3, 2, tzinfo=UTC))
    found = index.search("my spreadsheet data is a mess, pivot tables keep breaking", context)
    assert [c.member_id for c in found][:1] == [2]
    assert [c.member_id for c in index.search("any #data people?", context)] == [1]
