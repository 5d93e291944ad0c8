"""Matching by meaning, with the sentence model givefirst ships: stories of a town whose
members describe their problems in their own words."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import numpy as np
import numpy.typing as npt
import pytest

import bot.directory
from bot.app import GiveFirst
from bot.domain import Ask, Introduction, IntroStatus, Outcome, Party
from bot.domain.directory import FieldKind, field_key
from bot.matching.fields import field_hash, skills_text
from bot.ports import TextEncoder, UnitOfWork
from tests.core.conftest import Town

NEIGHBOURS = {
    "ana": "/offer Happy to review resumes and cover letters",
    "ben": "/offer I keep Kubernetes clusters running at a fintech, happy to help",
    "carl": "/offer I bake sourdough every weekend and can teach you",
    "dee": "/offer Ask me about taxes for freelancers",
    "eli": "/offer I shoot weddings and can advise on photography",
    "fay": "/offer Happy to practise Spanish conversation",
    "gus": "/offer I can help you train for your first marathon",
    "hal": "/offer I fix leaky taps and patch drywall",
    "ivy": "/offer Ask me anything about moving to Berlin",
    "jo": "/offer I coach first-time managers",
    "kim": "/offer I can review your React components",
}


async def neighbourhood(town: Town) -> None:
    for who, line in NEIGHBOURS.items():
        await town.say(who, line)


async def test_an_ask_with_no_word_in_common_finds_the_right_member(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("zoe", "/ask my containers keep getting killed and restarted")
    reply = meaning_town.last_to("zoe")
    assert "These members could help" in reply
    first = reply.split("•")[1]
    assert "@ben" in first, "the Kubernetes person, though the ask never says Kubernetes"
    assert "offered: 'I keep Kubernetes clusters running" in first, "in Ben's own words"


async def test_a_large_community_is_searched_the_same_with_the_product_in_another_thread(
    meaning_town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.directory, "OFF_LOOP_MEMBERS", 1)  # as if it were large
    await neighbourhood(meaning_town)
    await meaning_town.say("zoe", "/ask my containers keep getting killed and restarted")
    assert "@ben" in meaning_town.last_to("zoe").split("•")[1]
    async with meaning_town.unit_of_work() as uow:
        community = await uow.communities.get_by_key(meaning_town.community)
    assert community is not None and meaning_town.bot.encoder is not None
    text = "someone to look over my cover letter?"
    [vector] = await meaning_town.bot.encoder.encode([text])
    helpers = meaning_town.bot.helpers
    in_thread = await helpers.rank(community, text, vector)
    here = helpers.current(community).search.rank(text, vector)
    assert in_thread.scores == here.scores and in_thread.sure == here.sure
    await meaning_town.say("lu", "/offer I help with Kubernetes pods that keep restarting")
    await meaning_town.say("zed", "/ask my kubernetes pods keep restarting, help?")
    assert "@lu" in meaning_town.last_to("zed"), "a new offer counts from the next ask"


async def test_the_same_ask_again_after_a_new_offer_finds_its_author(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    ask = "/ask private: where can I buy bee hives and a smoker?"
    await meaning_town.say("zoe", ask)
    assert "@lee" not in meaning_town.last_to("zoe")
    await meaning_town.say("lee", "/offer I keep bees and can help you start your first hive")
    await meaning_town.say("max", ask)  # word for word: ranked anew, not as zoe's was
    assert "@lee" in meaning_town.last_to("max")


async def test_a_new_offer_counts_from_the_next_ask_and_a_withdrawn_one_stops(
    meaning_town: Town,
) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("zoe", "/ask where can I buy bee hives and a smoker?")
    assert "@lee" not in meaning_town.last_to("zoe")
    await meaning_town.say("lee", "/offer I keep bees and can help you start your first hive")
    model = meaning_town.bot.encoder.model_id if meaning_town.bot.encoder else ""
    async with meaning_town.unit_of_work() as uow:
        [offer] = [o for o in await uow.offers.open_in(1) if "bees" in o.text]
        assert await uow.vectors.get(field_key(FieldKind.OFFER, offer.id or 0), model) is not None
    await meaning_town.say("max", "/ask how do I get started with beekeeping?")
    assert "@lee" in meaning_town.last_to("max")

    async with meaning_town.unit_of_work() as uow:
        lee = await uow.members.get_by_platform_id(1, "lee")
        assert lee is not None and lee.id is not None
        [offer] = await uow.offers.by_member(lee.id)
    await meaning_town.bot.button(
        meaning_town.actor("lee"), "offer.withdraw", str(offer.id), meaning_town.chat
    )
    await meaning_town.say("nia", "/ask any beekeepers here? my hive swarmed")
    assert "@lee" not in meaning_town.last_to("nia")
    model = meaning_town.bot.encoder.model_id if meaning_town.bot.encoder else ""
    async with meaning_town.unit_of_work() as uow:
        assert await uow.vectors.get(field_key(FieldKind.OFFER, offer.id or 0), model) is None


async def test_skills_are_read_by_meaning_once_added(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("lee", "/skills add woodworking, furniture restoration")
    await meaning_town.say("zoe", "/ask the drawer of my grandmother's old dresser is stuck")
    assert "@lee" in meaning_town.last_to("zoe")


async def test_when_nobody_clearly_fits_the_closest_are_offered_as_a_lead(
    meaning_town: Town,
) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say(
        "zoe", "/ask private: can someone fix the shutter on my old film camera?"
    )
    reply = meaning_town.last_to("zoe")
    assert "No one has offered exactly this yet — the closest I found" in reply
    assert "@eli" in reply, "the photographer is the closest lead"
    assert "[Share it with the community]" in reply
    assert meaning_town.channel()[-1].as_plain_text().count("film camera") == 0, "still private"

    await meaning_town.press("zoe", "Share it with the community")
    assert "film camera" in meaning_town.channel()[-1].as_plain_text()
    assert "Shared" in meaning_town.last_to("zoe")


async def test_an_ask_nobody_here_can_answer_gets_nobody_yet(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("zoe", "/ask my landlord is keeping my deposit, what can I do?")
    reply = meaning_town.last_to("zoe")
    assert "Nobody yet" in reply
    assert "These members could help" not in reply


async def test_asking_for_what_only_you_offered_suggests_nobody_with_confidence(
    meaning_town: Town,
) -> None:
    """Ben's own offer is the best match for his ask; he is never suggested to himself,
    and members far from it are not suggested in his place as if they fitted."""
    await neighbourhood(meaning_town)
    await meaning_town.say("ben", "/ask my kubernetes pods keep crashing")
    reply = meaning_town.last_to("ben")
    assert "These members could help" not in reply, reply
    assert "@ben" not in reply.split("\n", 1)[1]


async def test_when_the_best_match_is_away_the_others_are_only_leads(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("zoe", "/ask my containers keep getting killed and restarted")
    assert "@ben" in meaning_town.last_to("zoe").split("•")[1]
    await meaning_town.say("ben", "/givefirst pause 14")
    await meaning_town.say("max", "/ask my containers keep getting killed and restarted")
    reply = meaning_town.last_to("max")
    assert "@ben" not in reply, "away"
    assert "These members could help" not in reply, reply


async def test_a_suggestion_by_skills_alone_names_them(meaning_town: Town) -> None:
    """A member whose skills line is what fits is suggested with those skills as the
    reason, never with no reason at all."""
    await neighbourhood(meaning_town)
    await meaning_town.say("lee", "/skills add woodworking, furniture restoration")
    await meaning_town.say("zoe", "/ask the drawer of my grandmother's old dresser is stuck")
    lee = next(line for line in meaning_town.last_to("zoe").splitlines() if "@lee" in line)
    assert "skills: crafts, furniture restoration" in lee, lee


async def test_an_offer_tells_an_asker_nobody_could_help_yet(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("zoe", "/ask where can I buy bee hives and a smoker?")
    assert "These members could help" not in meaning_town.last_to("zoe")
    await meaning_town.say("lee", "/offer I keep bees and can help you start your first hive")
    told = meaning_town.last_to("zoe")
    assert "Someone new could help" in told and "@lee" in told


async def test_a_member_edited_in_one_worker_is_matched_as_edited_by_another(
    meaning_town: Town,
) -> None:
    """Two processes on one database: each keeps its own directory current by revision."""
    await neighbourhood(meaning_town)
    other = GiveFirst(
        meaning_town.unit_of_work, meaning_town.clock, encoder=meaning_town.bot.encoder
    )
    elsewhere = Town(other, meaning_town.chat, meaning_town.clock, meaning_town.unit_of_work)
    await elsewhere.say("zoe", "/ask the drawer of my old dresser is stuck")
    assert "@lee" not in elsewhere.last_to("zoe"), "the second worker has read everyone"

    await meaning_town.say("lee", "/skills add woodworking, furniture restoration")
    await elsewhere.say("max", "/ask my grandmother's wooden chest has a broken hinge")
    assert "@lee" in elsewhere.last_to("max"), "and reads Lee's new skills before matching"


async def test_vectors_of_another_model_are_made_again(
    meaning_town: Town, caplog: pytest.LogCaptureFixture
) -> None:
    """After a model change, fields are encoded again in the background; until then the
    words alone find helpers, for everyone alike, and the log says so."""
    await neighbourhood(meaning_town)
    model = meaning_town.bot.encoder
    assert model is not None
    renamed = RenamedModel(model)
    restarted = GiveFirst(meaning_town.unit_of_work, meaning_town.clock, encoder=renamed)
    town = Town(restarted, meaning_town.chat, meaning_town.clock, meaning_town.unit_of_work)
    with caplog.at_level(logging.INFO, logger="bot.directory"):
        await town.say("zoe", "/ask my containers keep getting killed and restarted")
        assert "These members could help" not in town.last_to("zoe"), "no shared word"
        await town.say("yan", "/ask anyone who knows kubernetes? our cluster is down")
        assert "These members could help" in town.last_to("yan"), "the words alone, sure"
        assert "@ben" in town.last_to("yan")
        assert "matching by words alone until more members have vectors" in caplog.text
        assert "(0 of 11 so far" in caplog.text

        encoded = await restarted.fill_vectors()
        assert encoded == len(NEIGHBOURS), "every offer (the asks have theirs already)"
        assert await restarted.fill_vectors() == 0, "nothing left to do"
        await town.say("max", "/ask my pods keep getting OOMKilled")
        assert "@ben" in town.last_to("max")
        assert "matching by meaning and words again" in caplog.text


async def test_closed_asks_keep_no_vector_and_a_new_model_encodes_only_what_is_open(
    meaning_town: Town,
) -> None:
    await neighbourhood(meaning_town)
    for who in ("zoe", "yan", "max"):
        await meaning_town.say(who, f"/ask {who} here: my pods keep getting OOMKilled")
    model = meaning_town.bot.encoder
    assert model is not None
    async with meaning_town.unit_of_work() as uow:
        asks = {who: await asks_of(uow, who) for who in ("zoe", "yan")}
    await meaning_town.bot.button(
        meaning_town.actor("zoe"), "ask.solve", str(asks["zoe"].id), meaning_town.chat
    )
    await meaning_town.bot.button(
        meaning_town.actor("yan"), "ask.close", str(asks["yan"].id), meaning_town.chat
    )
    async with meaning_town.unit_of_work() as uow:
        for ask in asks.values():
            assert (
                await uow.vectors.get(field_key(FieldKind.ASK, ask.id or 0), model.model_id) is None
            )

    restarted = GiveFirst(
        meaning_town.unit_of_work, meaning_town.clock, encoder=RenamedModel(model)
    )
    assert await restarted.fill_vectors() == len(NEIGHBOURS) + 1, "the offers, and max's ask"


async def test_an_offer_closed_for_silence_keeps_no_vector(meaning_town: Town) -> None:
    await meaning_town.say("lee", "/offer I keep bees and can help you start your first hive")
    async with meaning_town.unit_of_work() as uow:
        [offer] = await uow.offers.open_in(1)
        key, model = field_key(FieldKind.OFFER, offer.id or 0), meaning_town.bot.helpers.model
        assert model is not None and await uow.vectors.get(key, model) is not None
    meaning_town.clock.advance(timedelta(days=31))
    await meaning_town.run_due_work()  # is it still on?
    meaning_town.clock.advance(timedelta(days=8))
    await meaning_town.run_due_work()  # no answer: closed
    async with meaning_town.unit_of_work() as uow:
        assert await uow.offers.open_in(1) == []
        assert await uow.vectors.get(key, model) is None


async def asks_of(uow: UnitOfWork, who: str) -> Ask:
    member = await uow.members.get_by_platform_id(1, who)
    assert member is not None and member.id is not None
    [ask] = await uow.asks.by_member(member.id)
    return ask


async def test_one_member_without_vectors_does_not_turn_meaning_off(meaning_town: Town) -> None:
    """A member whose words have no vector yet (here: an offer made by a process
    without the model) leaves the others matched by meaning."""
    await neighbourhood(meaning_town)
    without_model = GiveFirst(meaning_town.unit_of_work, meaning_town.clock)
    lexical = Town(without_model, meaning_town.chat, meaning_town.clock, meaning_town.unit_of_work)
    await lexical.say("lee", "/offer I keep bees and can help you start your first hive")
    await meaning_town.say("zoe", "/ask my containers keep getting killed and restarted")
    assert "@ben" in meaning_town.last_to("zoe").split("•")[1], "by meaning, as before"


async def test_words_edited_while_the_background_encodes_keep_their_new_vector(
    meaning_town: Town,
) -> None:
    """Filling vectors encodes with no transaction open; a member who edits meanwhile
    keeps the vector of what they wrote, not one of their old words."""
    await neighbourhood(meaning_town)
    await meaning_town.say("ben", "/skills add kubernetes")
    model = meaning_town.bot.encoder
    assert model is not None
    renamed = RenamedModel(model)
    restarted = GiveFirst(meaning_town.unit_of_work, meaning_town.clock, encoder=renamed)
    town = Town(restarted, meaning_town.chat, meaning_town.clock, meaning_town.unit_of_work)
    renamed.meanwhile = lambda: town.say("ben", "/skills add baking")

    await restarted.fill_vectors()
    async with meaning_town.unit_of_work() as uow:
        [ben] = [m for m in await uow.members.list(1) if m.platform_user_id == "ben"]
        stored = await uow.vectors.get(field_key(FieldKind.SKILLS, ben.id or 0), renamed.model_id)
    assert ben.skills == ["kubernetes", "cooking"], "baking is a kind of cooking"
    assert stored is not None
    assert stored.text_hash == field_hash(skills_text(ben.skills)), "the skills Ben has now"
    assert await restarted.fill_vectors() == 0, "nothing out of date"


class RenamedModel:
    """The same sentence model under another name, as after an upgrade."""

    def __init__(self, model: TextEncoder) -> None:
        self._model = model
        self.meanwhile: Callable[[], Awaitable[object]] | None = None
        """Something to do, once, while the first batch is being encoded."""
        self.model_id = model.model_id + "-next"
        self.dimensions = model.dimensions

    async def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if self.meanwhile is not None:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()
        return await self._model.encode(texts)


async def test_a_community_whose_close_calls_did_not_work_asks_for_a_clearer_lead(
    meaning_town: Town, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """How sure to be is learned per community: after many introductions made when the
    best member stood out only a little turned out not to work, an ask where the best
    member stands out as little gets them as a lead, not as a confident suggestion."""
    monkeypatch.setattr(bot.directory, "CALIBRATE_EVERY", 0.0)  # read outcomes each time
    await neighbourhood(meaning_town)
    ask = "/ask need advice on my cloud setup"
    await meaning_town.say("zoe", ask)
    assert "These members could help" in meaning_town.last_to("zoe"), "at the default bar"
    assert "@ben" in meaning_town.last_to("zoe")
    async with meaning_town.unit_of_work() as uow:
        community = await uow.communities.get_by_key(meaning_town.community)
        assert community is not None and community.id is not None
        [kept] = await uow.asks.containing(community.id, "cloud")
        assert kept.match_margin is not None and 0.26 <= kept.match_margin < 0.28, "kept"
        zoe = await uow.members.get_by_platform_id(community.id, "zoe")
        helpers = [await uow.members.get_by_platform_id(community.id, who) for who in NEIGHBOURS]
        assert zoe is not None and zoe.id is not None
        then = meaning_town.clock.now() - timedelta(days=60)  # nobody's load this week
        for number in range(24):  # close calls that did not work
            earlier = Ask(community.id, zoe.id, f"close call {number}", [], False, then)
            earlier.match_margin = 0.26 + 0.002 * number
            await uow.asks.add(earlier)
            helper = helpers[number % len(helpers)]
            assert helper is not None and helper.id is not None
            intro = Introduction(
                community.id, zoe.id, helper.id, Party.HELPER, "close", then, then, earlier.id
            )
            intro.status, intro.outcome = IntroStatus.ACCEPTED, Outcome.DIDNT_WORK
            await uow.introductions.add(intro)
        await uow.commit()

    with caplog.at_level(logging.INFO, logger="bot.directory"):
        await meaning_town.say("max", ask)
    reply = meaning_town.last_to("max")
    assert "These members could help" not in reply
    assert "the closest I found" in reply and "@ben" in reply, "Ben, as a lead"
    assert "suggested with confidence when they stand out by 0.3" in caplog.text


async def test_a_community_alias_of_several_words_finds_its_member_by_the_short_name(
    meaning_town: Town,
) -> None:
    """The sentence model has never heard this community's shorthand; the alias says
    what it stands for, and the asker is introduced as confidently as by the full name."""
    await neighbourhood(meaning_town)
    await meaning_town.say("lin", "/offer Happy to explain Toronto Transit Commission fares")
    ask = "/ask private: how do I get a monthly ttc pass?"
    await meaning_town.say("zoe", ask)
    assert "These members could help" not in meaning_town.last_to("zoe"), "not known yet"

    await meaning_town.say("admin", "/givefirst config alias TTC = Toronto Transit Commission")
    assert "Skill aliases: ttc → toronto transit commission" in meaning_town.last_to("admin")
    await meaning_town.say("max", ask)
    reply = meaning_town.last_to("max")
    assert "These members could help" in reply and "@lin" in reply.split("•")[1], reply

    await meaning_town.say("admin", "/givefirst config alias remove ttc")
    assert "Skill aliases: none" in meaning_town.last_to("admin")
    await meaning_town.say("uma", ask)
    assert "These members could help" not in meaning_town.last_to("uma"), "alias removed"


async def test_an_alias_for_a_known_skill_is_read_as_that_skill(meaning_town: Town) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("admin", "/givefirst config alias gbo=resume")
    await meaning_town.say("zoe", "/ask private: my gbo needs work before Friday")
    reply = meaning_town.last_to("zoe")
    assert "These members could help" in reply and "@ana" in reply.split("•")[1], reply


async def test_a_waiting_ask_in_the_communitys_shorthand_hears_of_a_new_offer(
    meaning_town: Town,
) -> None:
    await neighbourhood(meaning_town)
    await meaning_town.say("admin", "/givefirst config alias ttc=toronto transit commission")
    await meaning_town.say("zoe", "/ask private: how do I get a monthly ttc pass?")
    assert "These members could help" not in meaning_town.last_to("zoe"), "nobody offers it"
    await meaning_town.say("lin", "/offer Happy to explain Toronto Transit Commission fares")
    told = meaning_town.last_to("zoe")
    assert "Someone new could help" in told and "@lin" in told, told


async def test_an_offer_in_the_communitys_shorthand_is_read_again_once_an_alias_says_it(
    meaning_town: Town,
) -> None:
    """Lin's offer names its skill only by the club's shorthand: nobody is suggested for
    an ask that describes it, until an admin says what the shorthand stands for and her
    offer is encoded again, read with it."""
    await neighbourhood(meaning_town)
    await meaning_town.say("lin", "/offer Happy to help anyone with their first plt build")
    ask = "/ask private: I want to make a table out of old wooden pallets, any tips?"
    await meaning_town.say("zoe", ask)
    assert "These members could help" not in meaning_town.last_to("zoe"), "plt means nothing"

    await meaning_town.say("admin", "/givefirst config alias plt=pallet furniture")
    await meaning_town.say("max", ask)
    reply = meaning_town.last_to("max")
    assert "These members could help" in reply and "@lin" in reply.split("•")[1], reply


async def test_when_many_members_offer_the_same_thing_the_asker_is_introduced(
    meaning_town: Town,
) -> None:
    """A big community has dozens of members offering the same skill, so none stands
    out from the tenth best; the ask is plainly answerable all the same, and fairness
    chooses among them."""
    await neighbourhood(meaning_town)
    coaches = [f"coach{n}" for n in range(14)]
    phrasings = (
        "Ask me about salary negotiation",
        "Happy to help you negotiate your salary",
        "I can coach you through a salary negotiation",
    )
    for n, coach in enumerate(coaches):
        await meaning_town.say(coach, f"/offer {phrasings[n % 3]}")
    await meaning_town.say("zoe", "/ask private: how do I negotiate my salary?")
    reply = meaning_town.last_to("zoe")
    assert "These members could help" in reply, reply
    suggested = [line for line in reply.splitlines() if line.startswith("•")]
    assert len(suggested) == 3 and all("@coach" in line for line in suggested), reply

    await meaning_town.say("max", "/ask private: my landlord is keeping my deposit")
    assert "These members could help" not in meaning_town.last_to("max"), "still honest"


async def test_mentions_in_an_offer_or_an_ask_do_not_make_a_match(meaning_town: Town) -> None:
    """An offer that mentions the whole channel and someone, and an ask that does too,
    share nothing a member needs: the mentions are not read as words or meaning."""
    await neighbourhood(meaning_town)
    await meaning_town.say("mo", "/offer @channel I have a ladder to lend <@U123ABC> @here")
    await meaning_town.say("zoe", "/ask @channel need a babysitter friday @here")
    reply = meaning_town.last_to("zoe")
    assert "These members could help" not in reply, "nobody here minds children"
    await meaning_town.say("zed", "/ask <@U777> @everyone can someone lend me a ladder?")
    assert "@mo" in meaning_town.last_to("zed").split("•")[1], "the ladder itself still counts"
