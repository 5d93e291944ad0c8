"""After forget-me, other members' words that mentioned the member name "a former
member": in the channel posts already out, in the digest, and in what is stored."""

from __future__ import annotations

from datetime import timedelta

from bot.messages import Mention, Message, Paragraph, Quote
from bot.scheduler import Scheduler
from tests.core.conftest import COMMUNITY, Town


def shown(messages: list[Message]) -> str:
    return "\n".join(m.as_plain_text() for m in messages)


async def test_a_forgotten_member_mentioned_in_others_words_never_appears_by_id(
    town: Town,
) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("zoe", "/offer I show people the night sky #astronomy")
    await town.say("ana", "/ask could @zoe or anyone help me pick a telescope? #astronomy")
    await town.say("ana", "/offer lens grinding, as @zoe taught me #astronomy")
    await town.say("dana", "/thanks @ana for the tour with @zoe")
    posted = shown(town.channel())
    assert "for the tour with @zoe" in posted and "<@" not in posted
    quoted = [s for m in town.channel() for b in m.blocks if isinstance(b, Quote) for s in b.text]
    assert Mention("zoe") in quoted, "members' words mention Zoe as the platform shows her"

    # A digest quoting Ana's ask waits in the outbox when Zoe leaves.
    town.clock.advance(timedelta(days=7))
    scheduler = Scheduler(town.unit_of_work, town.clock)
    assert await scheduler.claim_current_digest(COMMUNITY, even_if_quiet=True) == "queued"
    before = len(town.chat.sent)
    await town.forget("zoe")

    revised = shown([message for _, message in town.chat.updated])
    for words in ("pick a telescope", "lens grinding", "the tour with"):
        assert words in revised, "the posts of Ana's ask and offer and Dana's thanks are revised"
    assert "zoe" not in revised
    assert "could a former member or anyone help me pick a telescope?" in revised

    await town.run_due_work()
    [digest] = [
        s.message
        for s in town.chat.sent[before:]
        if "This week in give-first" in s.message.as_plain_text()
    ]
    assert "zoe" not in digest.as_plain_text()
    assert "a former member" in digest.as_plain_text()
    assert "zoe" not in shown([s.message for s in town.chat.sent[before:]])

    async with town.unit_of_work() as uow:
        community = await uow.communities.get_by_key(COMMUNITY)
        assert community is not None and community.id is not None
        stored = [a.text for a in await uow.asks.open_in(community.id)]
        stored += [o.text for o in await uow.offers.open_in(community.id)]
        stored += [t.note for t in await uow.thanks.in_community(community.id)]
    assert stored and not any("zoe" in words for words in stored)
    assert "lens grinding, as a former member taught me #astronomy" in stored


async def test_a_later_digest_names_no_forgotten_member_either(town: Town) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("zoe", "/skills add astronomy")
    await town.say("ana", "/ask is @zoe around to help with star charts? #astronomy")
    await town.forget("zoe")
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    [digest] = [m for m in town.channel() if "This week in give-first" in m.as_plain_text()]
    assert "is a former member around to help with star charts?" in digest.as_plain_text()
    assert "zoe" not in digest.as_plain_text()


async def test_the_digest_names_the_members_that_members_words_mention(town: Town) -> None:
    """The digest notifies nobody: a member an ask mentions is named there, as its
    authors are, rather than pinged every week the ask waits."""
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("zoe", "/offer I show people the night sky #astronomy")
    town.clock.advance(timedelta(days=8))
    await town.say("ana", "/ask could @zoe or @yusuf help me pick a telescope?")
    town.clock.advance(timedelta(days=7))
    await town.run_due_work()
    digest = [m for m in town.channel() if "This week in give-first" in m.summary][-1]
    spans = [s for b in digest.blocks if isinstance(b, Paragraph) for s in b.text]
    assert Mention("zoe", "Zoe") in spans and Mention("zoe") not in spans
    assert Mention("yusuf", "someone") in spans, "never used givefirst: no name to show"
    assert all(s.name for s in spans if isinstance(s, Mention)), "nobody left to ping"
    assert not digest.notify
