"""Double opt-in introductions: every path, and every way they refuse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import IntroStatus
from bot.messages import Attachment
from tests.core.conftest import COMMUNITY, Town


async def offers(town: Town) -> None:
    await town.say("ana", "/offer Happy to review resumes for people moving into product #resume")
    await town.say("ben", "/offer I can debug Kubernetes deployments #kubernetes")


async def intro_statuses(town: Town) -> list[IntroStatus]:
    async with town.unit_of_work() as uow:
        return [i.status for i in await uow.introductions.in_community(1)]


async def test_asker_requests_a_suggested_helper_who_accepts(town: Town) -> None:
    await offers(town)
    await town.say("dana", "/ask could someone look over my CV? #resume")
    assert "@ana" in town.last_to("dana")
    assert "@ben" not in town.last_to("dana")

    await town.press("dana", "Ask Ana")
    request = town.last_to("ana")
    assert "@dana is looking for help" in request
    assert "could someone look over my CV?" in request
    assert town.dms_between("dana", "ana") == [], "nobody is introduced before both say yes"

    await town.press("ana", "Happy to help")
    [intro] = town.dms_between("dana", "ana")
    body = intro.as_plain_text()
    assert "@dana, meet @ana" in body
    assert "could someone look over my CV?" in body
    assert "Happy to review resumes" in body
    assert "Why I matched you" in body
    assert await intro_statuses(town) == [IntroStatus.ACCEPTED]


async def test_an_asker_who_never_offered_is_invited_to_give_and_one_who_did_is_not(
    town: Town,
) -> None:
    await offers(town)
    await town.say("dana", "/ask could someone look over my CV? #resume")
    assert "what could you help others with?" in town.last_to("dana")

    await town.say("ana", "/ask anyone who knows Kubernetes? #kubernetes")
    assert "@ben" in town.last_to("ana")
    assert "what could you help others with?" not in town.last_to("ana"), "ana has offered"

    await town.say("dana", "/offer I can proofread English texts")
    await town.say("dana", "/givefirst me")
    await town.press("dana", "Withdraw")  # an offer given back still counts as giving
    assert "withdrawn" in town.last_to("dana").lower()
    await town.say("dana", "/ask any tips for a first Kubernetes cluster? #kubernetes")
    assert "what could you help others with?" not in town.last_to("dana")


async def test_a_volunteer_is_introduced_only_after_the_asker_confirms(town: Town) -> None:
    await town.say("dana", "/ask anyone know about buying a used car?")
    await town.press("ben", "I can help")
    assert "@ben would like to help with your ask" in town.last_to("dana")
    assert town.dms_between("dana", "ben") == []

    await town.press("dana", "Yes, introduce us")
    [intro] = town.dms_between("dana", "ben")
    assert "Why I matched you: @ben offered to help with this ask." in intro.as_plain_text()


async def test_requesting_an_offer_needs_the_offerers_yes(town: Town) -> None:
    await offers(town)
    await town.press("dana", "I'd like this")  # Ben's offer is the newest
    assert "would like to take you up on your offer" in town.last_to("ben")
    assert town.dms_between("dana", "ben") == []
    await town.press("ben", "Happy to help")
    [intro] = town.dms_between("dana", "ben")
    body = intro.as_plain_text()
    assert "@ben offered:" in body and "I can debug Kubernetes deployments" in body
    assert "you offered" not in body, "both read it: Dana offered nothing"


async def test_nobody_can_answer_an_introduction_meant_for_someone_else(town: Town) -> None:
    await offers(town)
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    accept = next(b for b in town.seen_by("ana")[-1].buttons if b.label == "Happy to help")

    refused = await town.press_button("ben", accept)
    assert refused.error is not None and "waiting for someone else" in refused.error
    refused = await town.press_button("dana", accept)
    assert refused.error is not None
    assert town.dms_between("dana", "ana") == []
    assert await intro_statuses(town) == [IntroStatus.PENDING]


async def test_an_ask_introduced_to_a_helper_is_not_still_looking_in_the_digest(
    town: Town,
) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("admin", "/givefirst config quiet-weeks post")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.say("erin", "/ask anyone know about buying a used car?")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    [first] = [
        m.as_plain_text() for m in town.channel() if "This week in give" in m.as_plain_text()
    ]
    looking = first.partition("Still looking for help")[2]
    assert "used car" in looking and "CV help" not in looking, first

    await town.press("dana", "It didn't work out")
    town.clock.advance(timedelta(days=7))
    await town.run_due_work()
    [_, again] = [
        m.as_plain_text() for m in town.channel() if "This week in give" in m.as_plain_text()
    ]
    assert "CV help" in again.partition("Still looking for help")[2], "it did not work out"


async def test_a_declined_pair_is_never_proposed_again(town: Town) -> None:
    await offers(town)
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Not this time")
    assert "can't help this time" in town.last_to("dana")
    assert "Ask Ana" not in town.last_to("dana")

    await town.say("dana", "/ask another look at my resume? #resume")
    assert "@ana" not in town.last_to("dana")
    assert "Nobody yet" in town.last_to("dana")
    # Not even by volunteering on a later ask.
    refused = await town.press("ana", "I can help")
    assert refused.error is not None and "isn't possible" in refused.error


async def unanswered_by_the_first_of_two(town: Town, ask: str) -> tuple[str, str]:
    """Dana asks, Ana and Carl could help, the one she asks lets the request expire:
    who that was, and who else could help."""
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("carl", "/offer I read resumes for a living #resume")
    await town.say("dana", f"/ask {ask}")
    first = town.seen_by("dana")[-1].buttons[0].label.removeprefix("Ask ").lower()
    await town.press("dana", f"Ask {first.title()}")
    town.clock.advance(timedelta(days=3, minutes=1))
    await town.run_due_work()
    return first, "carl" if first == "ana" else "ana"


async def test_an_unanswered_request_expires_and_moves_on_to_the_next_candidate(
    town: Town,
) -> None:
    first, second = await unanswered_by_the_first_of_two(town, "CV help please #resume")

    assert f"@{first} didn't answer within 3 days, so I've asked @{second}" in town.last_to("dana")
    assert "is looking for help" in town.last_to(second)
    late = await town.press(first, "Happy to help")
    assert late.error is not None and "expired" in late.error
    await town.press(second, "Happy to help")
    assert len(town.dms_between("dana", second)) == 1
    assert town.dms_between("dana", first) == []


async def test_an_unanswered_private_ask_goes_back_to_its_asker_not_to_the_next_candidate(
    town: Town,
) -> None:
    """Only the members its asker chooses ever see a private ask: when the one asked
    does not answer, the asker is shown who else could help and chooses again."""
    said = "private: my CV hides a year in prison #resume"
    first, second = await unanswered_by_the_first_of_two(town, said)

    assert not any("prison" in m.as_plain_text() for m in town.seen_by(second))
    told = town.last_to("dana")
    assert f"@{first} didn't answer within 3 days" in told and f"Ask {second.title()}" in told
    await town.press("dana", f"Ask {second.title()}")
    assert "prison" in town.last_to(second), "once chosen, they see it"


async def test_a_request_that_expired_still_counts_as_expired_when_made_again(
    town: Town,
) -> None:
    """Ana let Dana's request expire, then volunteered: the community's figures show
    one request expired and one accepted, not only the second."""
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    town.clock.advance(timedelta(days=4))
    await town.run_due_work()
    await town.press("ana", "I can help")
    await town.press("dana", "Yes, introduce us")
    health = await town.bot.health(COMMUNITY)
    assert health is not None
    figures = health.all_time
    assert (figures.requests_expired, figures.requests_accepted) == (1, 1)


async def test_expiry_with_nobody_left_keeps_the_ask_open_and_says_so(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    town.clock.advance(timedelta(days=4))
    await town.run_due_work()
    assert "nobody else fits yet" in town.last_to("dana")
    # A new offer that fits tells Dana once, not on every later offer.
    await town.say("carl", "/offer resumes, cover letters #resume")
    assert "Someone new could help" in town.last_to("dana")
    told = len(town.seen_by("dana"))
    await town.say("erin", "/offer more resume help #resume")
    assert len(town.seen_by("dana")) == told


async def test_a_new_offer_tells_every_waiting_asker_it_fits_but_one_it_declined(
    town: Town,
) -> None:
    await town.say("carl", "/offer tax return questions #taxes")
    await town.say("dana", "/ask help with my tax return #taxes")
    await town.press("dana", "Ask Carl")
    await town.press("carl", "Not this time")
    for asker in ("dana", "erin", "finn"):
        await town.say(asker, "/ask CV help please #resume")
        assert "@carl" not in town.last_to(asker)
    told = {asker: len(town.seen_by(asker)) for asker in ("dana", "erin", "finn")}

    await town.say("carl", "/offer resume reviews #resume")

    for asker in ("erin", "finn"):
        assert len(town.seen_by(asker)) == told[asker] + 1
        assert "Someone new could help" in town.last_to(asker)
        assert "@carl" in town.last_to(asker)
    assert len(town.seen_by("dana")) == told["dana"], "Carl turned Dana down before"


async def test_a_helper_who_let_a_request_expire_may_be_asked_again_by_name(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    town.clock.advance(timedelta(days=4))
    await town.run_due_work()
    assert "nobody else fits yet" in town.last_to("dana")
    asked_before = len(town.seen_by("ana"))

    again = await town.press("dana", "Ask Ana")
    assert again.error is None, "she may have been away: the asker may try her once more"
    assert "I've asked @ana" in town.last_to("dana")
    assert len(town.seen_by("ana")) == asked_before + 1
    assert "is looking for help" in town.last_to("ana")

    town.clock.advance(timedelta(days=4))
    await town.run_due_work()
    assert "nobody else fits yet" in town.last_to("dana"), "the new request expires in turn"
    late = await town.press("ana", "Happy to help")
    assert late.error is not None and "expired" in late.error


async def test_capacity_holds_helpers_back_after_two_introductions_a_week(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    for asker in ("dana", "erin"):
        await town.say(asker, "/ask CV help please #resume")
        await town.press(asker, "Ask Ana")
    await town.say("finn", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("finn")
    town.clock.advance(timedelta(days=8))
    await town.say("gus", "/ask CV help please #resume")
    assert "@ana" in town.last_to("gus")


async def test_a_helper_at_capacity_asked_by_name_is_said_to_have_a_busy_week(
    town: Town,
) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    for asker in ("dana", "erin", "finn"):
        await town.say(asker, "/ask CV help please #resume")
        assert "@ana" in town.last_to(asker)
    for asker in ("dana", "erin"):
        await town.press(asker, "Ask Ana")
    await town.press("finn", "Ask Ana")  # suggested before the others asked her
    said = town.last_to("finn")
    assert "@ana has as many introductions this week as each member takes on" in said, said
    assert "2" not in said, "another member's load is not told in figures"
    assert await intro_statuses(town) == [IntroStatus.PENDING, IntroStatus.PENDING]


async def test_a_helper_at_capacity_is_not_sent_more_requests_from_their_offer_post(
    town: Town,
) -> None:
    """The weekly capacity holds however a request is made: a 🙋 on the offer's post,
    or its button, went to the helper regardless."""
    await town.say("admin", "/givefirst config capacity 1")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    refused = await town.press("erin", "I'd like this")
    assert refused.error is not None and "as many introductions this week" in refused.error
    assert await intro_statuses(town) == [IntroStatus.PENDING]
    town.clock.advance(timedelta(days=8))
    await town.press("erin", "I'd like this")
    assert "@erin would like to take you up on your offer" in town.last_to("ana"), "a new week"


async def test_an_answered_request_says_how_it_was_answered(town: Town) -> None:
    await offers(town)
    await town.say("dana", "/ask could someone look over my CV? #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    await town.press("ana", "Not this time")
    assert "This introduction was already accepted." in town.last_to("ana")
    assert await intro_statuses(town) == [IntroStatus.ACCEPTED]


async def test_paused_members_are_not_suggested(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("ana", "/givefirst pause 7")
    await town.say("dana", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("dana")
    await town.say("ana", "/givefirst resume")
    assert "Someone new could help" in town.last_to("dana"), "back from her break, she fits"
    assert "@ana" in town.last_to("dana")
    await town.say("erin", "/ask CV help please #resume")
    assert "@ana" in town.last_to("erin")
    await town.say("ana", "/givefirst resume")
    assert "You're not paused" in town.last_to("ana") and "Welcome back" not in town.last_to("ana")
    await town.say("ana", "/givefirst pause 1")
    town.clock.advance(timedelta(days=2))
    await town.say("ana", "/givefirst resume")
    assert "Welcome back" in town.last_to("ana"), "a pause that ran out, ended"


async def test_a_break_that_runs_out_tells_the_asks_still_waiting(town: Town) -> None:
    """They were told "I'll tell you when someone can help": a helper back from a break
    is someone, whether or not she says `/givefirst resume`."""
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("ana", "/givefirst pause 3")
    await town.say("dana", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("dana")
    town.clock.advance(timedelta(days=2))
    await town.run_due_work()
    assert "Someone new could help" not in town.last_to("dana"), "still on her break"
    town.clock.advance(timedelta(days=1, hours=1))
    await town.run_due_work()
    told = town.last_to("dana")
    assert "Someone new could help" in told and "@ana" in told, told
    await town.run_due_work()
    assert sum("Someone new could help" in m.as_plain_text() for m in town.seen_by("dana")) == 1
    await town.say("ana", "/givefirst resume")
    assert "You're not paused" in town.last_to("ana"), "back already"


async def test_a_pause_into_next_year_says_which_year(town: Town) -> None:
    """On Mon 05 Jan 2026, "until Tue 05 Jan" would read as tomorrow."""
    await town.say("ana", "/givefirst pause 7")
    assert "Paused until Mon 12 Jan." in town.last_to("ana")
    await town.say("ana", "/givefirst pause 365")
    assert "Paused until Tue 05 Jan 2027." in town.last_to("ana")
    await town.say("ana", "/givefirst me")
    assert "Paused until Tue 05 Jan 2027 — " in town.last_to("ana")


async def test_a_helper_whose_dms_are_closed_is_set_aside_until_a_dm_reaches_them(
    town: Town,
) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    town.chat.dm_closed.add("ana")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    assert any("their DMs are closed" in m.as_plain_text() for m in town.seen_by("dana"))

    await town.say("erin", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("erin"), "not suggested while her DMs are closed"
    await town.press("dana", "I'd like this")
    assert "I can't reach @ana by direct message" in town.last_to("dana")
    assert await intro_statuses(town) == [IntroStatus.PENDING], "no request stored for nothing"

    await town.say("ana", "/skills list")  # still closed: she is told, in the channel
    assert "I couldn't send you a direct message" in town.last_to("ana")
    assert "allow direct messages" in town.last_to("ana")
    await town.say("ana", "/skills list")  # ... once, not at every command
    assert "allow direct messages" not in town.last_to("ana")
    await town.say("finn", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("finn")

    town.chat.dm_closed.clear()
    await town.press("ana", "I've opened my DMs")  # and so she has: the check reaches her
    [check] = [
        m for m in town.dms_between("ana") if "reading this in your DMs" in m.as_plain_text()
    ]
    await town.say("gus", "/ask CV help please #resume")
    assert "@ana" in town.last_to("gus"), "suggested again"
    await town.say("ana", "/skills list")
    assert town.dms_between("ana") == [check], "checked once, not at every command"


async def ana_is_told_her_dms_are_closed(town: Town) -> None:
    """Ana offers; her DMs are closed when Dana asks her, then when she checks herself."""
    await town.say("ana", "/offer resume reviews #resume")
    town.chat.dm_closed.add("ana")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.say("ana", "/skills list")
    assert "allow direct messages" in town.last_to("ana"), "checked, and still closed"


async def test_any_direct_message_that_reaches_a_member_lifts_the_closed_dms_mark(
    town: Town,
) -> None:
    await ana_is_told_her_dms_are_closed(town)

    town.chat.dm_closed.clear()
    town.clock.advance(timedelta(hours=1))  # no check of its own today any more
    await town.say("ana", "/givefirst export")  # a copy of her data, by DM
    assert any(isinstance(b, Attachment) for m in town.dms_between("ana") for b in m.blocks)
    await town.say("erin", "/ask CV help please #resume")
    assert "@ana" in town.last_to("erin"), "the export reached her, so she is back"


async def test_a_scheduled_direct_message_that_arrives_lifts_the_closed_dms_mark(
    town: Town,
) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/skills add fundraising")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    town.chat.dm_closed.add("dana")
    await town.press("ana", "Happy to help")  # the introduction cannot reach Dana
    await town.say("farid", "/ask tips for my first fundraising round? #fundraising")
    assert "@dana" not in town.last_to("farid"), "set aside"

    town.chat.dm_closed.clear()
    town.clock.advance(timedelta(days=7, minutes=1))
    assert await town.run_due_work() >= 1
    assert "Did you connect with @ana?" in town.last_to("dana")
    await town.say("gus", "/ask tips for my first fundraising round? #fundraising")
    assert "@dana" in town.last_to("gus"), "the follow-up reached her, so she is back"


async def test_closed_dms_are_checked_again_a_day_later_without_being_asked(town: Town) -> None:
    await ana_is_told_her_dms_are_closed(town)

    town.chat.dm_closed.clear()
    await town.say("ana", "/skills list")
    assert not town.dms_between("ana"), "not checked again the same day"
    await town.say("erin", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("erin")

    town.clock.advance(timedelta(days=1))
    await town.say("ana", "/skills list")
    assert any("reading this in your DMs" in m.as_plain_text() for m in town.dms_between("ana"))
    await town.say("finn", "/ask CV help please #resume")
    assert "@ana" in town.last_to("finn"), "the check got through, so she is back"


async def test_paying_it_forward_offers_only_open_asks_everyone_may_see(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("farid", "/ask tips for my first fundraising round? #fundraising")
    await town.say("gus", "/ask private: is my fundraising pitch any good? #fundraising")
    await town.say("erin", "/ask fundraising for a bakery? #fundraising")
    await town.say("erin", "/givefirst me")
    await town.press("erin", "Close")
    await town.say("erin", "/ask my seed round: who should I talk to? #fundraising")
    await town.say("carl", "/ask private: could you sanity-check my fundraising deck? #fundraising")
    await town.press("carl", "Share it with the community")
    await town.say("dana", "/skills add fundraising")
    await town.say("dana", "/ask fundraising timeline for my own startup #fundraising")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    town.clock.advance(timedelta(days=7, minutes=1))
    await town.run_due_work()

    await town.press("dana", "It helped")

    [forward] = [m for m in town.seen_by("dana") if "Pay it forward" in m.as_plain_text()]
    said = forward.as_plain_text()
    assert "first fundraising round" in said and "my seed round" in said
    assert "sanity-check my fundraising deck" in said, "shared after all"
    assert "pitch any good" not in said, "a private ask is never passed on"
    assert "bakery" not in said, "closed"
    assert "timeline for my own startup" not in said, "her own"


async def test_follow_up_resolves_the_ask_prompts_thanks_and_pays_it_forward(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("farid", "/ask tips for my first fundraising round? #fundraising")
    await town.say("dana", "/skills add fundraising")
    await town.say("dana", "/ask CV help please #resume")
    [ask_post] = [m for m in town.channel() if "CV help please" in m.as_plain_text()]
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")

    town.clock.advance(timedelta(days=6))
    assert await town.run_due_work() == 0
    town.clock.advance(timedelta(days=1, minutes=1))
    assert await town.run_due_work() == 1
    assert "Did you connect with @ana? Did it help?" in town.last_to("dana")
    assert await town.run_due_work() == 0, "a follow-up is sent once"

    await town.press("dana", "It helped")
    assert any("solved" in m.as_plain_text() for _, m in town.chat.updated)
    texts = [m.as_plain_text() for m in town.seen_by("dana")]
    assert any("Would you like to thank @ana?" in t for t in texts)
    assert any("Pay it forward" in t and "first fundraising round" in t for t in texts)

    await town.press("dana", "Say thanks")
    thanks = town.channel()[-1].as_plain_text()
    assert "@dana thanked @ana" in thanks and "CV help please" in thanks
    again = await town.press("dana", "Say thanks")
    assert again.error is not None and "already" in again.error
    assert ask_post in town.channel()


async def test_a_button_from_before_forget_me_says_the_data_is_gone(town: Town) -> None:
    """Not "only the person who asked can say how it went": she was that person."""
    await town.say("admin", "/givefirst config follow-up 1")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    town.clock.advance(timedelta(days=1, minutes=1))
    assert await town.run_due_work() == 1
    await town.forget("dana")
    for label in ("Not yet", "It helped"):
        refused = await town.press("dana", label)
        assert refused.error is not None and "before you erased your data" in refused.error
    assert not await town.on_record("dana"), "not saved again"
    helped = next(b for m in town.seen_by("dana") for b in m.buttons if b.label == "It helped 🎉")
    refused = await town.bot.button(town.actor("ben"), helped.action, helped.value, town.chat)
    assert refused.error is not None and "Only the person who asked" in refused.error
    # A command is not from before: it is refused for what it is.
    refused = await town.say("dana", "/givefirst config capacity 3")
    assert refused.error is not None and "Only community admins" in refused.error


async def test_not_yet_asks_again_after_the_follow_up_period(town: Town) -> None:
    await town.say("admin", "/givefirst config follow-up 1")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    assert "I'll check in in 1 day to hear how it went" in town.last_to("dana")
    town.clock.advance(timedelta(days=1, minutes=1))
    assert await town.run_due_work() == 1
    await town.press("dana", "Not yet")
    assert "I'll check in again in 1 day." in town.last_to("dana")

    town.clock.advance(timedelta(hours=23))
    assert await town.run_due_work() == 0
    town.clock.advance(timedelta(hours=1, minutes=1))
    assert await town.run_due_work() == 1, "the promised second follow-up"
    assert "Did you connect with @ana? Did it help?" in town.last_to("dana")
    assert await town.run_due_work() == 0, "and once"
    await town.press("dana", "It helped")
    assert any("Would you like to thank @ana?" in m.as_plain_text() for m in town.seen_by("dana"))


async def test_an_asker_who_thanked_already_is_not_prompted_to_thank_again(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    await town.say("dana", "/thanks @ana the CV is so much better")
    town.clock.advance(timedelta(days=7, minutes=1))
    await town.run_due_work()
    await town.press("dana", "It helped")
    texts = [m.as_plain_text() for m in town.seen_by("dana")]
    assert not any("Would you like to thank @ana?" in t for t in texts), "she did, already"
    assert any("So glad it helped" in t for t in texts)


@pytest.mark.parametrize("then", ["solved", "it helped"])
async def test_no_second_follow_up_once_the_ask_is_settled(town: Town, then: str) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    ask_post = town.channel()[-1]
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    town.clock.advance(timedelta(days=7, minutes=1))
    assert await town.run_due_work() == 1
    await town.press("dana", "Not yet")
    if then == "solved":
        await town.react("dana", ask_post, "white_check_mark")
    else:
        await town.press("dana", "It helped")
    town.clock.advance(timedelta(days=8))
    assert await town.run_due_work() == 0, "nothing left to ask about"


async def test_solving_an_ask_withdraws_the_requests_still_waiting(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    ask_post = town.channel()[-1]
    await town.press("dana", "Ask Ana")  # waits for Ana
    await town.react("ben", ask_post, "raising_hand")  # waits for Dana
    await town.react("dana", ask_post, "white_check_mark")
    solved = "@dana's ask “CV help please #resume” is solved, so "
    assert solved + "nothing waits for your answer" in town.last_to("ana")
    assert solved + "no introduction is needed after all" in town.last_to("ben"), "he offered"

    town.clock.advance(timedelta(days=4))
    await town.run_due_work()
    for member in ("ana", "ben", "dana"):
        said = [m.as_plain_text() for m in town.seen_by(member)]
        assert not any("gentle reminder" in t or "didn't answer" in t for t in said), member
    late = await town.press("ana", "Happy to help")
    assert late.error is not None and "this request was withdrawn" in late.error
    assert "introduced you" not in town.last_to("dana")


async def test_reactions_on_posts_are_shortcuts(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    ask_post = town.channel()[-1]
    offer_post = town.channel()[0]

    await town.react("ben", ask_post, "raising_hand")
    assert "@ben would like to help with your ask" in town.last_to("dana")
    refused = await town.react("ben", ask_post, "white_check_mark")
    assert refused.error is not None and "Only the person who asked" in refused.error
    await town.react("dana", offer_post, "pray")
    assert "@dana thanked @ana" in town.channel()[-1].as_plain_text()
    await town.react("dana", ask_post, "white_check_mark")
    assert any("solved" in m.as_plain_text() for _, m in town.chat.updated)
    ignored = await town.react("dana", ask_post, "tada")
    assert ignored.messages == ()


@pytest.mark.parametrize(
    "said",
    [
        "private: ",
        "(private) ",
        "[Private] ",
        "#private ",
        "🔒 private ",
        "private ",
        "private, ",
        "Private. ",
        "private — ",
        "\u200bprivate: ",  # a zero-width space a paste brought along
        "*private*: ",  # bold, as chat writes it
        "*private* ",
        "_private_ ",
    ],
)
async def test_each_way_of_saying_private_keeps_the_ask_out_of_the_channel(
    town: Town, said: str
) -> None:
    await town.say("dana", f"/ask {said}my landlord keeps my deposit")
    assert not any("landlord" in m.as_plain_text() for m in town.channel())
    assert "🔒 Your private ask is saved" in town.last_to("dana")


@pytest.mark.parametrize("said", ["private", "Private ", "(private)", "private:"])
async def test_saying_private_and_nothing_else_is_an_empty_ask(town: Town, said: str) -> None:
    """``/ask private`` was posted for everyone, as an ask for "private"."""
    refused = await town.say("dana", f"/ask {said}")
    assert refused.error is not None and "empty" in refused.error
    assert town.channel() == []


async def test_private_first_and_a_word_after_it_keeps_the_word(town: Town) -> None:
    """ "Private tutoring" is private (better than posted by mistake), but the words
    are the ask's own: it is stored, matched and shown to helpers with them."""
    await town.say("dana", "/ask Private tutoring for my son in maths, anyone?")
    assert "🔒 Your private ask is saved" in town.last_to("dana")
    assert town.channel() == []
    async with town.unit_of_work() as uow:
        dana = await uow.members.get_by_platform_id(1, "dana")
        assert dana is not None and dana.id is not None
        [(text, private)] = await uow.asks.open_texts_of(dana.id)
    assert (text, private) == ("Private tutoring for my son in maths, anyone?", True)


async def test_private_in_the_middle_of_an_ask_is_just_a_word(town: Town) -> None:
    await town.say("dana", "/ask tips for keeping my private life offline?")
    assert any("private life" in m.as_plain_text() for m in town.channel())
