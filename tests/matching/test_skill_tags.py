"""Stories about how members' words become skill tags."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.inbound import to_core_text as discord_text
from adapters.slack.inbound import to_core_text as slack_text
from bot.skills import Vocabulary, clean_chat_markup, normalise_word

vocabulary = Vocabulary.default()


def test_the_shipped_vocabulary_is_package_data_with_hundreds_of_skills() -> None:
    assert resources.files("bot.skills").joinpath("vocabulary.yaml").is_file()
    assert len(vocabulary) >= 300
    areas = {skill.area for skill in vocabulary.skills}
    assert {"software", "data", "design", "career", "business", "life"} <= areas


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("CVs", "resume"),
        ("cv", "resume"),
        ("Résumé", "resume"),
        ("Salary Negotiation", "salary-negotiation"),
        ("negotiating salary", "salary-negotiation"),
        ("K8s", "kubernetes"),
        ("Machine Learning", "machine-learning"),
        ("ML", "machine-learning"),
        ("behavioural interview", "job-interviews"),
        ("behavioral interviews", "job-interviews"),
        ("data visualisation", "data-visualization"),
        ("#SalaryNegotiation", "salary-negotiation"),
        ("front end", "frontend-development"),
        ("kubernets", "kubernetes"),
        # A skill's own name or label, though another skill lists it as an alias
        # ("grant writing" of nonprofits, "wedding planning" of event planning) or it is
        # no alias at all (a one-letter language would tag every "plan C").
        ("grant writing", "grant-writing"),
        ("Wedding Planning", "wedding-planning"),
        ("engineering management", "software-engineering-management"),
        ("C", "c-language"),
        ("R", "r-programming"),
        ("grants", "nonprofits"),
    ],
)
def test_a_skill_typed_any_common_way_becomes_one_canonical_skill(
    typed: str, canonical: str
) -> None:
    assert vocabulary.normalise(typed) == canonical


def test_an_unknown_skill_becomes_a_clean_tag_of_its_own() -> None:
    assert vocabulary.normalise("Local-First Apps") == "local-first-app"
    assert vocabulary.normalise("   ") == ""


def test_skills_are_described_the_way_people_say_them() -> None:
    assert vocabulary.describe("salary-negotiation") == "salary negotiation"
    assert vocabulary.describe("resume") == "resumes and CVs"
    assert vocabulary.describe("local-first") == "local first"


def test_skills_in_an_offer_are_found_in_order_without_repeats() -> None:
    offer = "Happy to review CVs, do mock interviews and help with salary negotiation (CV again!)"
    assert vocabulary.extract(offer) == ("resume", "job-interviews", "salary-negotiation")


def test_chat_markup_emoji_and_direction_marks_do_not_hide_skills() -> None:
    slack = slack_text(
        "<@U024BE7LH> *Kubernetes* help? see <https://example.com/post|my Terraform notes> :fire:"
    )
    discord = discord_text(
        "**React** hooks `useEffect` <@!80351110224678912> <#1234567> 🔥\u200f\u0000"
    )
    assert vocabulary.extract(slack) == ("kubernetes", "terraform")
    assert vocabulary.extract(discord) == ("react",)


def test_mentions_channels_and_links_leave_no_words_behind() -> None:
    cleaned = clean_chat_markup(slack_text("<@U1> in <#C2|general> read <https://x.io/a>"))
    assert cleaned.split() == ["in", "read"]


def test_mentions_of_everyone_leave_no_words_behind_however_they_are_typed() -> None:
    typed = ("<!channel> ladder", "@channel ladder", "@Here ladder", "<!here> @everyone ladder")
    for said in typed:
        assert clean_chat_markup(slack_text(said)).split() == ["ladder"], said
    assert vocabulary.read_for_meaning("@channel a ladder <@U1>, anyone?") == "a ladder , anyone?"
    assert vocabulary.read_for_meaning("mail me at ana@here.com") == "mail me at ana@here.com"


def test_an_unknown_hashtag_becomes_its_own_tag_and_a_known_one_its_skill() -> None:
    assert vocabulary.extract("Any #beekeeping folks? Also #MachineLearning") == (
        "beekeeping",
        "machine-learning",
    )


def test_a_hashtag_is_kept_as_typed_never_dropped_or_corrected_to_another_skill() -> None:
    """#running, #stress and #budget are words the vocabulary relates to a skill: they
    were dropped ("No skills detected") though the member had tagged their post; #physio
    was corrected to physics, which then showed among the community's gaps."""
    assert vocabulary.tags("Can pace your long runs on Sundays #running") == ("running",)
    assert vocabulary.skill_weights("pacing on Sundays #running")["fitness"] > 0.5
    assert vocabulary.tags("help planning a monthly #budget") == ("budget",)
    assert vocabulary.tags("stressed? I can listen #stress") == ("stress",)
    assert vocabulary.tags("coaching for your first marathon #running") == (
        "mentoring",
        "running",
    )
    assert vocabulary.tags("know a good physio for a knee injury? #physio") == ("physio",)
    assert vocabulary.tags("#k8s help") == ("kubernetes",), "an alias is its skill"


def test_a_typos_correction_is_a_tag_only_with_something_to_back_it() -> None:
    """A correction is a guess, shown in public with the post: like an everyday word,
    it tags a post only if words before it say it is a skill, or others point at it."""
    assert vocabulary.tags("know a good physio for a knee injury?") == ()
    assert vocabulary.extract("know a good physio for a knee injury?") == ("physics",), (
        "matching still reads the guess"
    )
    assert vocabulary.tags("help with kubernets please") == ("kubernetes",)
    assert vocabulary.tags("my kubernets pods keep crashing") == ("kubernetes",)
    # A letter dropped, added or swapped is a slip, tagged as such; one letter changed
    # for another is often another word, and needs the backing above.
    assert vocabulary.tags("Kubernets cluster setup") == ("kubernetes",)
    assert vocabulary.tags("Can review your javascipt code") == ("javascript",)
    assert vocabulary.tags("Can help with #pyhton") == ("python",)
    assert vocabulary.tags("need help #kubernets") == ("kubernetes",)


def test_related_terms_help_matching_without_becoming_tags() -> None:
    text = "my pods keep getting OOMKilled"
    assert vocabulary.extract(text) == ()
    assert vocabulary.skill_weights(text)["kubernetes"] > 0.5


def test_right_to_left_text_does_not_stop_tagging() -> None:
    assert vocabulary.extract("\u200fأحتاج مساعدة في Python\u200e من فضلك") == ("python",)


def test_community_aliases_are_layered_over_the_shipped_vocabulary() -> None:
    community = vocabulary.with_aliases({"the cluster": "kubernetes", "FOSDEM": "conference talks"})
    assert community.extract("the cluster is down again") == ("kubernetes",)
    assert community.normalise("fosdem") == "public-speaking"
    assert vocabulary.extract("the cluster is down again") == ()


def test_a_community_alias_can_name_a_skill_the_vocabulary_lacks() -> None:
    community = vocabulary.with_aliases({"bees": "beekeeping"})
    assert community.extract("who keeps bees?") == ("beekeeping",)
    assert community.describe("beekeeping") == "beekeeping"


@given(st.text())
def test_extraction_never_fails_on_anything_a_member_could_type(text: str) -> None:
    found = vocabulary.extract(text)
    assert len(found) == len(set(found))
    assert all(skill and skill == skill.lower() for skill in found)


@given(st.text(min_size=1))
def test_normalising_twice_changes_nothing(term: str) -> None:
    once = vocabulary.normalise(term)
    assert vocabulary.normalise(once) == once


def test_real_words_are_never_taken_for_misspelt_skills() -> None:
    for text in (
        "my flaky tests fail at random",
        "I'm rusty at this",
        "baking bread at home",
        "a former teacher here",
        "want to start a podcast",
        "speak at a meetup",
        "a person I admire",
    ):
        found = vocabulary.extract(text)
        assert not {"flask", "rust", "branding", "figma", "stat", "spark", "persona"} & set(
            found
        ), (text, found)


def test_a_misspelt_skill_is_still_recognised() -> None:
    assert vocabulary.extract("help with kubernets please") == ("kubernetes",)
    assert vocabulary.extract("my terrafrom plan fails") == ("terraform",)


def test_acronyms_ending_in_s_are_not_plurals() -> None:
    assert [normalise_word(w) for w in ("SaaS", "PaaS", "AWS", "iOS", "DNS", "URLs")] == [
        "saas",
        "paas",
        "aws",
        "ios",
        "dns",
        "url",
    ]
    assert normalise_word("saas") == "saas", "typed in lower case too"


def test_an_everyday_word_alone_does_not_tag_a_post() -> None:
    """ "driving me mad" is not about driving lessons, nor sparks from a switch about
    Spark: such words tag a post only beside other words of their skill or area."""
    assert vocabulary.tags("my kitchen tap won't stop dripping, it's driving me mad") == ()
    assert vocabulary.tags("the light switch in my hallway sparks") == ()
    assert vocabulary.tags("anyone got spare room on their lottie?") == ()
    assert vocabulary.tags("need driving lessons before my driving test") == ("driving",)
    said = "my sourdough never rises, it's driving me mad, but I can teach knitting"
    assert vocabulary.tags(said) == ("cooking", "crafts"), "other skills of life are no support"
    assert vocabulary.tags("#python help please") == ("python",)
    assert vocabulary.tags("merging dataframes in python") == ("pandas", "python")
    assert vocabulary.tags("a python got into my garden") == ("gardening",)
    assert vocabulary.tags("I'm stuck with python") == (), "alone, still only a word"


def test_what_help_is_offered_or_asked_with_is_the_skill() -> None:
    assert vocabulary.tags("help with python") == ("python",)
    assert vocabulary.tags("can you help me with python?") == ("python",)
    assert vocabulary.tags("happy to help with sales") == ("sales",)
    assert vocabulary.tags("it's driving me mad, no help at all") == ()
    assert vocabulary.tags("any help with my lottie?") == (), "perhaps their allotment"


def test_what_someone_knows_uses_or_has_experience_with_is_the_skill() -> None:
    assert vocabulary.tags("anyone know python?") == ("python",)
    assert vocabulary.tags("who knows Spark") == ("data-engineering",)
    assert vocabulary.tags("anyone using Looker at work?") == ("business-intelligence",)
    assert vocabulary.tags("learning rust, stuck on an error") == ("rust",)
    assert vocabulary.tags("someone with experience with excel") == ("excel",)
    assert vocabulary.tags("good at sales? I need a hand") == ("sales",)
    assert vocabulary.tags("I'm stuck with python") == (), "stuck with says nothing of skill"
    assert vocabulary.tags("anyone know a python got into the shed?") == ()
    assert vocabulary.tags("did you know my lottie floods?") == ()
    assert vocabulary.tags("help w python pls") == ("python",), "chat's short with"
    assert vocabulary.tags("anyone familiar w/ airflow?") == ("data-engineering",)
    assert vocabulary.tags("need help w/ my lottie") == ()


def test_a_list_after_words_that_say_skills_is_skills() -> None:
    assert vocabulary.tags("I use pandas and airflow every day") == ("pandas", "data-engineering")
    assert vocabulary.tags("good at sales, excel or keynote") == (
        "sales",
        "excel",
        "presentation-design",
    )
    assert vocabulary.tags("help with my lottie and python") == (), "the list is the member's"
    assert vocabulary.tags("I use pandas and then go driving") == ("pandas",), "not listed"


def test_a_programming_word_before_what_software_is_made_of_is_the_skill() -> None:
    """A script, a codebase or a pipeline says which python: "my python script crashes"."""
    assert vocabulary.tags("my python script crashes on windows") == ("python",)
    assert vocabulary.tags("our rails codebase is ten years old") == ("ruby-on-rails",)
    assert vocabulary.tags("my airflow DAGs never start") == ("data-engineering",)
    assert vocabulary.tags("the polars pipeline runs out of memory") == ("pandas",)
    assert vocabulary.tags("my `python` script fails") == ("python",), "chat's code marks"
    assert vocabulary.tags("a python got into the shed, how do I get it out?") == ()
    assert vocabulary.tags("my rust stain won't come off") == (), "not what software is made of"


def test_what_follows_an_everyday_word_in_other_communities_is_not_software() -> None:
    """Where "code", "script" or "app" follows a word that names something else too."""
    assert vocabulary.tags("What's the SWIFT code for Barclays?") == (), "a bank's code"
    assert vocabulary.tags("the security code for the front door") == ()
    assert vocabulary.tags("Found a python. Code red, everyone stay inside") == (), "a new sentence"
    assert vocabulary.tags("Bring a flask, code for the hut door is 1966") == ()
    assert vocabulary.tags("The National Rail app says my train is cancelled") == ()
    assert vocabulary.tags("the polar app does not sync my runs") == (), "a sports watch"
    assert vocabulary.tags("anyone want to join our Rust server tonight?") == (), "a game"
    assert vocabulary.tags("my PG application to Leeds got rejected") == (), "postgraduate"
    assert vocabulary.tags("our CI app keeps dropping the connection") == (), "an implant"
    assert vocabulary.tags("lambda functions confuse me") == (), "Python's or AWS's?"
    assert vocabulary.tags("where do I paste the embedded code for the donate button?") == ()
    assert vocabulary.tags("the Rust devs announced a forced wipe") == (), "the game's"
    assert vocabulary.tags("help with the angular component of the wavefunction") == ()


def test_everyday_words_that_point_the_same_way_tag_a_post() -> None:
    """Two everyday words of one skill, or of linked skills, say it together."""
    said = "I can help with Python scripts and pandas"
    assert vocabulary.tags(said) == ("python", "pandas")
    assert vocabulary.tags("we moved our monitoring and logging to one place") == ("observability",)
    assert vocabulary.tags("sales and operations at a cafe") == (), "nothing in common"
    assert vocabulary.tags("python python python") == (), "one word again is no support"
    assert vocabulary.tags("spark job runs out of memory on databricks") == ("data-engineering",)
    # Matching still reads the word: measured, it found more right helpers than not.
    assert vocabulary.extract("it's driving me mad") == ("driving",)


def test_a_communitys_own_alias_is_never_an_everyday_word() -> None:
    allotments = vocabulary.with_aliases({"lottie": "allotment"})
    said = "anyone got spare room on their lottie?"
    assert allotments.tags(said) == (allotments.normalise("allotment"),)
    assert allotments.normalise("allotment") != ""


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("Salesforce NPSP", ("crm", "salesforce-npsp")),
        ("seed saving", ("personal-finance", "seed-saving")),
        ("Python programming", ("python",)),
        ("React development", ("react",)),
        ("behavioural interview", ("job-interviews",)),
        ("k8s", ("kubernetes",)),
        ("Local-First Apps", ("local-first-app",)),
        ("#seed saving", ("seed-saving",)),
        ("🐍", ()),
        ("C", ("c-language",)),
        ("neighbourhood knowledge", ("neighbourhood-guides",)),
    ],
)
def test_a_typed_skill_keeps_the_members_own_words_where_they_say_more(
    typed: str, read: tuple[str, ...]
) -> None:
    assert vocabulary.read_skill(typed) == read


def test_every_skill_typed_by_its_own_name_or_label_is_that_skill() -> None:
    for skill in vocabulary.skills:
        for typed in (skill.label, skill.name.replace("-", " "), skill.name):
            assert vocabulary.normalise(typed) == skill.name, typed
