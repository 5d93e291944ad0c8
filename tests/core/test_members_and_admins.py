"""Members' own data, privacy, admin settings and what happens with bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.messages import Attachment, Code
from bot.scheduler import Scheduler
from tests.conftest import all_table_rows
from tests.core.conftest import COMMUNITY, Town


async def stored_texts(town: Town) -> list[str]:
    async with town.unit_of_work() as uow:
        community = await uow.communities.get_by_key("console:test")
        if community is None or community.id is None:
            return []
        offers = await uow.offers.open_in(community.id)
        asks = await uow.asks.open_in(community.id)
        return [o.text for o in offers] + [a.text for a in asks]


async def test_only_admins_change_settings(town: Town) -> None:
    refused = await town.say("dana", "/givefirst config capacity 5")
    assert refused.error is not None and "Only community admins" in refused.error
    await town.say("dana", "/givefirst config")
    assert "Capacity: 2 new introductions" in town.last_to("dana")

    await town.say("admin", "/givefirst config capacity 5")
    await town.say("admin", "/givefirst config admins add @dana")
    await town.say("dana", "/givefirst config digest wednesday 08:00 Pacific/Auckland")
    shown = town.last_to("dana")
    assert "Capacity: 5" in shown
    assert "Wednesdays at 08:00 Pacific/Auckland" in shown

    removed = await town.say("admin", "/givefirst config admins remove @dana")
    assert removed.error is None and "Extra admins: none" in town.last_to("admin")
    refused = await town.say("dana", "/givefirst config capacity 3")
    assert refused.error is not None and "Only community admins" in refused.error
    for mistyped in ("channel not-a-channel", "rounds size 4", "alias a=b=c"):
        refused = await town.say("dana", f"/givefirst config {mistyped}")
        assert refused.error is not None and "Only community admins" in refused.error, (
            "not how to spell a setting she may not change"
        )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/givefirst config capacity lots", "not a whole number. Give capacity as a whole"),
        ("/givefirst config capacity -3", "`-3` is below zero. Give capacity as"),
        ("/givefirst config expiry 61", "Give expiry as a whole number from 1 to 60, e.g."),
        ("/givefirst pause soon", "`soon` is not a whole number. Pause for a whole number"),
        ("/givefirst config digest funday 09:00", "Usage"),
        ("/givefirst config digest monday 25:00", "not a time of day"),
        ("/givefirst config timezone Mars/Olympus", "not a time zone"),
        ("/givefirst config timezone Europe", "`Europe` is not a time zone I know"),
        ("/givefirst config timezone Europe/Berlin\u202e\x00", "`Europe/Berlin` is not a time"),
        ("/givefirst config alias " + "k" * 61 + "=kubernetes", "at most 60 characters each"),
        ("/givefirst config alias k8s=" + "k" * 61, "at most 60 characters each"),
        ("/givefirst config channel #" + "c" * 81, "Usage: `/givefirst config channel"),
        ("/givefirst config admins add @" + "a" * 81, "Usage: `/givefirst config admins"),
        ("/givefirst config admins remove @dana", "<@dana> is not one of the admins added here"),
        ("/givefirst config timezone " + "E" * 300, "is not a time zone I know"),
        ("/givefirst config digest monday 09:00 " + "E" * 300, "is not a time zone I know"),
        ("/givefirst config colour blue", "no setting called"),
        ("/givefirst config timezone \x00\x07", "Usage: `/givefirst config timezone"),
        ("/givefirst dance", "isn't something I know"),
        ("/givefirst hepl", "isn't something I know. Did you mean `/givefirst help`?"),
        ("/aks a CV review", "I don't know the command `/aks`. Did you mean `/ask`?"),
        ("/givefirst config capacty 3", "Did you mean `/givefirst config capacity`?"),
        ("/skills juggle", "isn't something I know"),
        ("/skills add", "at least one skill"),
        ("/skills remove", "Name at least one skill to remove, e.g. `/skills remove resumes`"),
        ("/skills add " + "s" * 61, "the limit is 60. A skill is a few words, like"),
        ("/skills add 🎉 ✨, ???", "no skill name I can read in that. Name at least one"),
        ("/thanks nobody in particular", "Who would you like to thank"),
        ("/givefirst pause 0", "between 1 and 365"),
        ("/givefirst pause ²", "`²` is not a whole number. Pause for a whole number"),
        ("/givefirst pause " + "9" * 5000, "is far too large. Pause for a whole number"),
        ("/givefirst pause ٤٠٠", "between 1 and 365"),  # Arabic-Indic digits are digits
        ("/givefirst config capacity ³", "`³` is not a whole number. Give capacity as"),
        ("/givefirst config follow-up ①", "`①` is not a whole number. Give follow-up"),
        ("/givefirst config rounds every ² weeks monday 10:00", "Usage"),
        ("/givefirst config rounds every " + "1" * 5000 + " weeks monday 10:00", "1 to 12"),
        ("/givefirst config timezone localtime", "`localtime` is not a time zone I know"),
        ("/givefirst config timezone posix/Europe/Berlin", "is not a time zone I know"),
        ("/givefirst config timezone right/Europe/Berlin", "is not a time zone I know"),
        ("/givefirst config timezone Factory", "`Factory` is not a time zone I know"),
        ("/givefirst config timezone posixrules", "is not a time zone I know"),
    ],
)
async def test_bad_commands_get_a_message_they_can_act_on(
    town: Town, line: str, expected: str
) -> None:
    result = await town.say("admin", line)
    assert result.error is not None and expected in result.error
    assert expected in town.last_to("admin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("   \n\t  ", "is empty"),
        ("\u202e\u0000\u0007", "is empty"),
        ("\u200b\u200b \ufeff\u2060", "is empty"),
        ("x" * 10_000, "10,000 characters long; the limit is 1,000"),
        ("🐝", "in a few words too"),
        ("🍕🍕 ?! ❤️‍🔥", "in a few words too"),
        ("@everyone", "in a few words too"),
        ("@here <@ben> <#C1>!", "in a few words too"),
    ],
)
async def test_bad_offer_text_is_refused_and_nothing_is_stored(
    town: Town, text: str, expected: str
) -> None:
    result = await town.say("ana", f"/offer {text}")
    assert result.error is not None and expected in result.error
    assert town.channel() == []
    assert await stored_texts(town) == []


async def test_an_ask_of_emoji_alone_is_refused_and_one_with_words_is_kept(town: Town) -> None:
    result = await town.say("dana", "/ask 🚲🔧❓")
    assert result.error is not None and "in a few words too" in result.error
    assert "/ask could someone look over my CV?" in town.last_to("dana")
    assert town.channel() == [] and await stored_texts(town) == []
    assert (await town.say("dana", "/ask 🚲 my chain keeps slipping")).error is None
    assert "🚲 my chain keeps slipping" in town.channel()[-1].as_plain_text()


async def test_colour_codes_pasted_from_a_terminal_leave_nothing_behind(town: Town) -> None:
    await town.say("ana", "/offer I fix \x1b[31mbikes\x1b[0m and \x1b]0;x\x07scooters")
    assert await stored_texts(town) == ["I fix bikes and scooters"]


@pytest.mark.parametrize(
    "text", ["resume help for @everyone", "ping @channel about resumes", "hey @here resumes"]
)
async def test_mass_mentions_are_shared_as_plain_words_and_the_author_is_told(
    town: Town, text: str
) -> None:
    result = await town.say("ana", f"/offer {text}")
    assert result.error is None
    [post] = town.channel()
    assert text in post.as_plain_text(), "kept as typed; adapters render it literally"
    assert "without pinging anyone" in town.last_to("ana")


async def test_emoji_right_to_left_and_markup_are_kept_as_typed(town: Town) -> None:
    await town.say("ana", "/offer مراجعة السيرة الذاتية 📄 *bold* `code` <b>html</b> \u202eevil")
    [post] = town.channel()
    assert "مراجعة السيرة الذاتية 📄 *bold* `code` <b>html</b> evil" in post.as_plain_text()
    assert "\u202e" not in post.as_plain_text()
    spans = [span for block in post.blocks for span in getattr(block, "text", ())]
    assert not any(isinstance(span, Code) for span in spans), "a member's back quotes stay text"


async def test_bytes_that_were_not_utf8_are_shown_as_replacement_characters(
    town: Town,
) -> None:
    """Bytes that were not UTF-8 reach the core as lone surrogates (a terminal read
    leniently, a ``\\udcff`` escape in JSON); the database refuses those, so the ask
    failed with "something went wrong". They are kept as the replacement character."""
    result = await town.say("ana", "/offer resume help \udcff\udcfe and more #resume")
    assert result.error is None
    [post] = town.channel()
    assert "resume help \ufffd\ufffd and more" in post.as_plain_text()
    assert await stored_texts(town) == ["resume help \ufffd\ufffd and more #resume"]


async def test_a_private_ask_never_appears_in_a_channel(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask private: help me leave my job quietly #resume")
    assert "private ask is saved" in town.last_to("dana")
    assert "@ana" in town.last_to("dana")
    assert all("leave my job" not in m.as_plain_text() for m in town.channel())
    refused = await town.bot.button(town.actor("ben"), "ask.volunteer", "2", town.chat)
    assert refused.error is not None
    await town.press("dana", "Ask Ana")
    await town.press("ana", "Happy to help")
    await town.say("dana", "/givefirst me")
    await town.press("dana", "Solved")
    await town.say("ana", "/offer more resume reviews #resume")
    assert "no longer open" not in town.last_to("dana")
    assert town.chat.updated == [], "a private ask has no post to update"
    assert all("leave my job" not in m.as_plain_text() for m in town.channel())


async def test_a_newcomer_whose_week_held_a_private_ask_is_not_welcomed_by_name(
    town: Town,
) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask private: help me leave my job quietly #resume")
    await town.say("erin", "/givefirst help")
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    [digest] = [
        m.as_plain_text() for m in town.channel() if "This week in give" in m.as_plain_text()
    ]
    welcome = next(line for line in digest.splitlines() if "Welcome" in line)
    assert "@erin" in welcome and "@ana" in welcome, digest
    assert "@dana" not in digest, "her first week was a private ask: the channel is not told"


async def test_giving_thanks_respects_the_receivers_choice(town: Town) -> None:
    await town.say("ana", "/givefirst thanks private")
    await town.say("dana", "/thanks @ana for the CV review!")
    assert all("CV review" not in m.as_plain_text() for m in town.channel())
    assert "@dana thanked you" in town.last_to("ana")
    await town.say("dana", "/thanks @ben for the pod debugging")
    assert "@dana thanked @ben" in town.channel()[-1].as_plain_text()
    refused = await town.say("dana", "/thanks @dana me")
    assert refused.error is not None and "Thanks are for others" in refused.error


@pytest.mark.parametrize(
    "typed",
    [
        "@ana, for the CV review",
        "@ana: for the CV review",
        "@ana — for the CV review",
        "@ana\u00a0for the CV review",
        "@ana\tfor the CV review",
        "@ana,for the CV review",
    ],
)
async def test_thanks_read_the_note_after_a_mention_however_it_is_set_off(
    town: Town, typed: str
) -> None:
    await town.say("dana", f"/thanks {typed}")
    assert "@dana thanked @ana" in town.channel()[-1].as_plain_text()
    assert "> for the CV review" in town.channel()[-1].as_plain_text()


async def test_skills_read_a_verb_set_off_by_a_non_breaking_space(town: Town) -> None:
    added = await town.say("ana", "/skills add\u00a0python")
    assert added.error is None and "Added: python" in town.last_to("ana")


async def test_an_alias_is_removed_however_it_was_spelled_when_added(town: Town) -> None:
    await town.say("admin", "/givefirst config alias #tf2=#terraform")
    await town.say("admin", '/givefirst config alias "ttc" = "toronto transit commission"')
    for removed in ("/givefirst config alias remove #tf2", '/givefirst config alias remove "ttc"'):
        done = await town.say("admin", removed)
        assert done.error is None, done.error
    await town.say("admin", "/givefirst config")
    assert "tf2" not in town.last_to("admin") and "ttc" not in town.last_to("admin")


async def test_a_name_from_the_platform_is_stored_without_codes_or_line_breaks(
    town: Town,
) -> None:
    """A name is shown in messages and buttons, and printed by `givefirst match` in a
    terminal, where an escape code would clear the screen or retitle the window."""
    odd = "\u202eErin \x1b[2J\x1b]0;PWNED\x07Ode\nthe\tgreat" + " x" * 100
    erin = replace(town.actor("erin"), display_name=odd)
    await town.bot.slash_command(erin, "/offer", "CV checks #resume", town.chat)
    async with town.unit_of_work() as uow:
        stored = await uow.members.get_by_platform_id(1, "erin")
    assert stored is not None and stored.display_name is not None
    assert stored.display_name.startswith("Erin Ode the great x x")
    assert len(stored.display_name) <= 80 and stored.display_name.isprintable()


async def test_a_stored_name_is_kept_when_the_platform_cannot_say_it(town: Town) -> None:
    await town.say("ben", "/offer pairing on Python and resume reviews #python #resume")
    unsure = replace(town.actor("ben"), display_name="", fallback_name="ben.login")
    await town.bot.slash_command(unsure, "/skills", "add mentoring", town.chat)
    newcomer = replace(town.actor("erin"), display_name="", fallback_name="erin.ob")
    await town.bot.slash_command(newcomer, "/offer", "CV checks #resume", town.chat)
    await town.say("dana", "/ask could someone look over my CV? #resume")
    suggestions = town.seen_by("dana")[-1].as_plain_text()
    assert "[Ask Ben]" in suggestions, "the name Ben was first seen with stays"
    assert "[Ask erin.ob]" in suggestions, "a newcomer is known by their handle meanwhile"


async def test_me_shows_a_private_balance_with_actions(town: Town) -> None:
    await town.say("dana", "/offer pairing on Python #python")
    await town.say("dana", "/ask CV help please #resume")
    await town.say("dana", "/givefirst me")
    me = town.seen_by("dana")[-1]
    assert me.to.__class__.__name__ == "Ephemeral"
    text = me.as_plain_text()
    assert "Given: 1 offer, 0 introductions as a helper, 0 thank-yous sent." in text
    assert "Asked for help 1 time; received 0 introductions, 0 thank-yous." in text
    # Two items: each is numbered, and its buttons say which (on Discord they all sit
    # under the message).
    assert "🎁 Open offer #1:\n> pairing on Python #python" in text
    assert "🙋 Open ask #2:\n> CV help please #resume" in text
    assert "[Withdraw #1]" in text and "[Solved #2 ✅]  [Close #2]" in text
    await town.press("dana", "Withdraw #1")
    assert any("no longer available" in m.as_plain_text() for _, m in town.chat.updated)
    await town.say("dana", "/givefirst me")
    alone = town.seen_by("dana")[-1].as_plain_text()
    assert "🙋 Open ask:" in alone and "[Solved ✅]  [Close]" in alone, "one item: no number"


async def test_me_shows_the_requests_waiting_for_someone_else_s_answer(town: Town) -> None:
    """Dana asked Ana for an introduction: `/givefirst me` said nothing of it."""
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("ben", "/offer CV polishing #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.say("dana", "/givefirst me")
    mine = town.seen_by("dana")[-1].as_plain_text()
    assert "⏳ Waiting for an answer from @ana (until Thu 08 Jan)." in mine, mine
    await town.say("ana", "/givefirst me")
    theirs = town.seen_by("ana")[-1].as_plain_text()
    assert "⏳ Waiting for your answer #2: an introduction with @dana" in theirs
    assert "Waiting for an answer from" not in theirs


async def test_export_sends_all_of_a_members_data_to_them(town: Town) -> None:
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/skills add python")
    await town.say("dana", "/ask private: CV help please #resume")
    await town.press("dana", "Ask Ana")
    assert "🔒 A private ask: only you and @dana see it." in town.last_to("ana")
    await town.say("dana", "/thanks @ana thank you!")
    await town.say("dana", "/givefirst export")
    dm = next(m for m in reversed(town.dms_between("dana")) if m.buttons == ())
    [attachment] = [b for b in dm.blocks if isinstance(b, Attachment)]
    data = json.loads(attachment.content)
    assert data["member"]["platform_user_id"] == "dana"
    assert data["member"]["skills"] == ["python"]
    assert data["asks"][0]["text"] == "CV help please #resume" and data["asks"][0]["private"]
    assert data["introductions"][0]["with"] == "Ana"
    assert data["thanks"][0]["note"] == "thank you!"
    assert data["rounds"]["joined"] is False


async def test_the_export_holds_each_rounds_choice(town: Town) -> None:
    await town.say("admin", "/givefirst config rounds every 2 weeks monday 10:00")
    await town.say("dana", "/givefirst rounds join")
    await town.say("dana", "/givefirst rounds skip")
    await town.say("dana", "/givefirst rounds never @erin")
    await town.say("dana", "/givefirst export")
    dm = next(m for m in reversed(town.dms_between("dana")) if m.buttons == ())
    [attachment] = [b for b in dm.blocks if isinstance(b, Attachment)]
    rounds = json.loads(attachment.content)["rounds"]
    assert rounds["joined"] is True and rounds["joined_at"] is not None
    assert rounds["skipping_the_next"] is True
    assert [name.lower() for name in rounds["never_paired_with"]] == ["erin"]


async def test_how_an_introduction_went_is_in_the_askers_export_not_the_helpers(
    town: Town,
) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    assert "A private ask" not in town.last_to("ana")
    await town.press("ana", "Happy to help")
    town.clock.advance(timedelta(days=8))  # "did it help?" a week later
    await town.run_due_work()
    await town.press("dana", "It didn't work out")

    async def exported(who: str) -> dict[str, object]:
        await town.say(who, "/givefirst export")
        dm = next(m for m in reversed(town.dms_between(who)) if m.buttons == ())
        [attachment] = [b for b in dm.blocks if isinstance(b, Attachment)]
        [intro] = json.loads(attachment.content)["introductions"]
        return dict(intro)

    assert (await exported("dana"))["outcome"] == "didnt_work"
    assert (await exported("ana"))["outcome"] is None, "Dana's answer is hers"


async def test_forget_me_asks_first_then_erases_and_removes_posts(town: Town) -> None:
    await town.say("ana", "/offer resume reviews by Ana Lima #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.say("ana", "/thanks @erin for the Lima tips")
    await town.say("erin", "/thanks @ana for the coffee")
    posts = {s.message.as_plain_text(): s.ref for s in town.chat.sent if s.ref is not None}
    await town.say("ana", "/givefirst forget-me")
    assert "can't be undone" in town.last_to("ana")
    assert await town.on_record("ana")

    await town.press("ana", "Erase my data")
    assert "erased your data" in town.last_to("ana")
    removed = [text for text, ref in posts.items() if ref in town.chat.deleted]
    assert len(removed) == len(town.chat.deleted) == 3, "removed from the channel:"
    assert any("resume reviews by Ana Lima" in t for t in removed), "her offer"
    assert any(t.startswith("🙏 @ana thanked @erin") for t in removed), "her thanks"
    assert any(t.startswith("🙏 @erin thanked @ana") for t in removed), "thanks to her"
    assert not await town.on_record("ana")
    await town.say("erin", "/ask CV help please #resume")
    assert "@ana" not in town.last_to("erin")
    # Dana's pending request to Ana is cancelled, not left dangling.
    late = await town.press("ana", "Happy to help")
    assert late.error is not None


async def test_after_forget_me_no_table_holds_the_members_name_text_or_id(town: Town) -> None:
    if town.storage is None:
        pytest.skip("needs a real database to inspect every table")
    await town.say("zoe", "/skills add astrophysics")
    await town.say("zoe", "/offer Zoe Quasarwright explains telescopes #astronomy")
    await town.say("zoe", "/ask private: where to buy a Quasarwright-grade lens? #astronomy")
    await town.say("ana", "/offer I grind lenses #astronomy")
    await town.say("ana", "/ask anyone into telescopes? #astronomy")
    await town.press("zoe", "I can help")
    await town.say("zoe", "/thanks @ana Quasarwright says thanks")
    await town.say("ana", "/thanks @zoe for the Quasarwright tour")
    await town.forget("zoe")

    rows = await all_table_rows(town.storage)
    dump = repr(rows)
    assert "Quasarwright" not in dump
    assert "'zoe'" not in dump and "'Zoe'" not in dump
    assert "astrophysics" not in dump
    # Anonymous counts remain: Ana's own data and the number of offers are intact.
    assert "I grind lenses" in dump
    assert len(rows["offers"]) == 2


async def test_forget_me_also_erases_words_quoted_in_scheduled_messages(town: Town) -> None:
    if town.storage is None:
        pytest.skip("needs a real database to inspect every table")
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("zoe", "/offer Zoe Quasarwright explains telescopes #astronomy")
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    [digest] = [m for m in town.channel() if "This week in give-first" in m.as_plain_text()]
    assert "Quasarwright" in digest.as_plain_text(), "the digest quoted her offer"

    await town.say("ana", "/thanks @zoe for the Quasarwright tour")
    town.clock.advance(timedelta(days=7))
    scheduler = Scheduler(town.unit_of_work, town.clock)
    assert await scheduler.claim_current_digest(COMMUNITY, even_if_quiet=True) == "queued"
    assert "Quasarwright" in repr(await all_table_rows(town.storage)), "waiting to go out"

    await town.forget("zoe")
    assert "Quasarwright" not in repr(await all_table_rows(town.storage))
    await town.run_due_work()
    [_, again] = [m for m in town.channel() if "This week in give-first" in m.as_plain_text()]
    assert "@zoe" not in again.as_plain_text(), "the queued digest is composed again without her"


async def test_thanks_to_a_member_who_was_forgotten_does_not_bring_them_back(town: Town) -> None:
    await town.say("jonas", "/offer welding tips #welding")
    await town.forget("jonas")
    posts = len(town.channel())
    refused = await town.say("kemal", "/thanks @jonas for the bracket advice")
    assert refused.error is not None and "don't use givefirst here any more" in refused.error
    assert len(town.channel()) == posts, "nothing posted"
    assert not await town.on_record("jonas"), "not made again"
    await town.say("kemal", "/thanks @nadia for the lift")
    assert "@kemal thanked @nadia" in town.channel()[-1].as_plain_text(), "others still can"


async def test_a_never_list_naming_a_member_who_was_forgotten_does_not_bring_them_back(
    town: Town,
) -> None:
    """Else an import of the directory, which skips members who asked to be forgotten,
    finds them on record again and restores their profile."""
    await town.say("jonas", "/offer welding tips #welding")
    await town.forget("jonas")
    for line in ("/givefirst rounds never @jonas", "/givefirst rounds never remove @jonas"):
        refused = await town.say("kemal", line)
        assert refused.error is not None and "don't use givefirst here any more" in refused.error
    assert not await town.on_record("jonas"), "not made again"
    await town.say("kemal", "/givefirst rounds never @nadia")
    assert "won't be paired" in town.last_to("kemal"), "others still can be listed"


async def test_forget_me_takes_down_the_weekly_digests_that_quoted_them(town: Town) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("zoe", "/offer Zoe Quasarwright explains telescopes #astronomy")
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    await town.say("ana", "/offer I grind lenses #astronomy")
    town.clock.advance(timedelta(days=7))
    await town.run_due_work()
    quoting, later = [s for s in town.chat.sent if "This week in give" in s.message.as_plain_text()]
    assert "Quasarwright" in quoting.message.as_plain_text()
    assert "@zoe" not in later.message.as_plain_text() and "lenses" in later.message.as_plain_text()

    await town.forget("zoe")
    assert quoting.ref in town.chat.deleted, "the digest that quoted her offer"
    assert later.ref not in town.chat.deleted, "a digest that never named her stays"
    if town.storage is not None:
        assert "'zoe'" not in repr(await all_table_rows(town.storage)), "nor who it named"


async def test_an_operator_can_erase_a_whole_community(town: Town) -> None:
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("ana", "/offer resume reviews #resume")
    await town.say("dana", "/ask CV help please #resume")
    await town.press("dana", "Ask Ana")
    await town.say("dana", "/thanks @ana for the quick reply")
    neighbour = replace(town.actor("ana"), community_key="console:neighbours")
    await town.bot.slash_command(neighbour, "/offer", "bike repairs #cycling", town.chat)
    await town.forget("erin")  # kept out of imports, by a fingerprint
    async with town.unit_of_work() as uow:
        community = await uow.communities.get_by_key(COMMUNITY)
        assert community is not None and len(await uow.members.kept_out(community.id or 0)) == 1

    assert await town.bot.forget_community(COMMUNITY)
    assert not await town.bot.forget_community("console:nowhere")
    async with town.unit_of_work() as uow:
        erased, neighbours = await uow.communities.list()
        assert (erased.channel_id, erased.admin_ids) == (None, [])
        members = await uow.members.list(erased.id or 0)
        assert [m.name for m in members] == ["a former member"] * 4
        assert await uow.members.kept_out(erased.id or 0) == frozenset(), "not even those"
        offers = [o for m in members for o in await uow.offers.by_member(m.id or 0)]
        assert [o.text for o in offers] == [""], "Ana's offer, its text erased"
        assert [m.name for m in await uow.members.list(neighbours.id or 0)] == ["Ana"]
    town.clock.advance(timedelta(days=8))
    await town.run_due_work()
    assert not [m for m in town.channel() if "This week" in m.as_plain_text()], "no digest"
    if town.storage is not None:
        dump = repr(await all_table_rows(town.storage))
        assert "resume reviews" not in dump and "CV help" not in dump
        assert "quick reply" not in dump and "bike repairs" in dump


async def test_back_quotes_in_a_members_name_stay_text_in_givefirsts_replies(
    town: Town,
) -> None:
    ana = replace(town.actor("ana"), display_name="Ana `CV` Lima")
    await town.bot.slash_command(ana, "/offer", "resume reviews #resume", town.chat)
    await town.say("dana", "/ask CV help please #resume")
    await town.bot.slash_command(ana, "/givefirst", "pause 7", town.chat)
    refused = await town.press("dana", "Ask Ana")
    assert refused.error == "@ana is taking a break right now — try someone else.", (
        "named by a mention, which the platform shows as her name"
    )
    [reply] = refused.messages
    spans = [span for block in reply.blocks for span in getattr(block, "text", ())]
    assert not any(isinstance(span, Code) for span in spans)


async def test_admins_see_remove_and_are_told_about_skill_aliases(town: Town) -> None:
    await town.say("admin", "/givefirst config alias tf=terraform")
    assert "Skill aliases: tf → terraform" in town.last_to("admin")
    await town.say("ana", "/offer I can help with tf upgrades")
    assert "#terraform" in town.last_to("ana"), "the alias tags offers"

    await town.say("admin", "/givefirst config alias remove tf")
    assert "Skill aliases: none" in town.last_to("admin")
    missing = await town.say("admin", "/givefirst config alias remove tf")
    assert missing.error == "There is no alias `tf` here; `/givefirst config` lists them."


async def test_an_alias_and_its_skill_may_be_several_words(town: Town) -> None:
    await town.say("admin", "/givefirst config alias  Public Talk =  public speaking ")
    assert "Skill aliases: public talk → public speaking" in town.last_to("admin")
    await town.say("ana", "/offer tips for your first public talk")
    assert "#public-speaking" in town.last_to("ana")
    await town.say("admin", "/givefirst config alias remove public talk")
    assert "Skill aliases: none" in town.last_to("admin")
    refused = await town.say("admin", "/givefirst config alias remove tf=terraform")
    assert refused.error == "There is no alias `tf=terraform` here; `/givefirst config` lists them."
    refused = await town.say("admin", "/givefirst config alias a=b=c")
    assert refused.error is not None and refused.error.startswith("Usage:")
    refused = await town.say("admin", "/givefirst config alias ttc=toronto transit, subway")
    assert refused.error is not None and refused.error.startswith("One alias at a time")


async def test_an_alias_of_mentions_is_refused_and_one_saved_before_breaks_nothing(
    town: Town,
) -> None:
    """``alias @x=y`` was saved, and every command of the community then failed."""
    for line in ("<@x>=y", "x=<@y>", "ab=<#C123>", "here=<!here>"):
        refused = await town.say("admin", f"/givefirst config alias {line}")
        assert refused.error is not None and "not mentions" in refused.error, line
    await town.say("admin", '/givefirst config alias "gh" = "#github"')
    assert "Skill aliases: gh → github" in town.last_to("admin"), "quotes and # left out"

    async with town.unit_of_work() as uow:  # as saved by an earlier release
        community = await uow.communities.get_by_key(town.community)
        assert community is not None
        community.aliases = {**community.aliases, "<@x>": "y"}
        await uow.commit()
    offered = await town.say("ana", "/offer I can help with gh actions")
    assert offered.error is None and "#git" in town.last_to("ana"), "github is git"


async def test_an_alias_for_what_the_words_mean_already_is_refused(town: Town) -> None:
    """``kubernetes=k8s`` was saved and listed, and changed nothing: k8s is Kubernetes."""
    refused = await town.say("admin", "/givefirst config alias kubernetes=k8s")
    assert refused.error == (
        "`kubernetes` and `k8s` are the same skill already (kubernetes): nothing to change."
    )
    await town.say("admin", "/givefirst config")
    assert "Skill aliases: none" in town.last_to("admin")


async def test_an_alias_over_a_skills_own_name_applies_to_skills_added_too(town: Town) -> None:
    await town.say("ben", "/skills add python, sql")
    await town.say("admin", "/givefirst config alias python=cooking")
    await town.say("ben", "/skills remove python")
    assert "Removed: python." in town.last_to("ben"), "added before the alias: still removable"
    assert "(`python` was a skill of its own before.)" in town.seen_by("admin")[-2].as_plain_text()
    await town.say("ana", "/skills add python")
    assert "Added: cooking" in town.last_to("ana"), "as an ask or offer saying python is"


async def test_moving_the_digest_to_another_time_zone_says_the_rounds_move_too(
    town: Town,
) -> None:
    await town.say("admin", "/givefirst config rounds every 2 weeks monday 10:00 America/Toronto")
    await town.say("admin", "/givefirst config digest friday 17:00 Europe/Berlin")
    assert (
        "✅ Saved. (Give-first rounds keep the community's time zone too: now every 2 weeks on "
        "Mondays at 10:00 (Europe/Berlin), in pairs.)"
    ) in town.seen_by("admin")[-2].as_plain_text()
    await town.say("admin", "/givefirst config capacity 3")
    assert "rounds" not in town.seen_by("admin")[-2].as_plain_text(), "only when it moved"


async def test_a_time_zone_is_read_in_any_case_and_kept_as_spelled(town: Town) -> None:
    await town.say("admin", "/givefirst config timezone europe/berlin")
    assert "Mondays at 09:00 Europe/Berlin" in town.last_to("admin")
    await town.say("admin", "/givefirst config timezone utc")
    assert "Mondays at 09:00 UTC" in town.last_to("admin")


async def test_aliases_do_not_go_round_in_circles_and_say_what_they_replace(
    town: Town,
) -> None:
    """With ``aa=bb`` and ``bb=aa`` both saved, an offer #aa was tagged #bb and an ask
    #bb tagged #aa, and the two never met."""
    await town.say("admin", "/givefirst config alias aa=bb")
    for line, why in (
        ("bb=aa", "`aa` is an alias for `bb` already"),
        ("cc=aa", "`aa` is itself an alias here (for `bb`): use `alias cc=bb`"),
        ("bb=dd", "`aa` is an alias for `bb`, so `bb` cannot be one too"),
        ("x=X", "An alias is two different words"),
        ("BB=#Aa", "`aa` is an alias for `bb` already"),
    ):
        refused = await town.say("admin", f"/givefirst config alias {line}")
        assert refused.error is not None and why in refused.error, line
    await town.say("admin", "/givefirst config")
    assert "Skill aliases: aa → bb" in town.last_to("admin"), "nothing else saved"

    # Spelled as tags are read: kube_ctl, kube-ctl and Kube Ctl are the same words.
    await town.say("admin", "/givefirst config alias kube_ctl=foo-bar")
    refused = await town.say("admin", "/givefirst config alias foo_bar=kube-ctl")
    assert refused.error is not None and "already: the other way round" in refused.error
    await town.say("admin", "/givefirst config alias remove kube_ctl")
    await town.say("admin", "/givefirst config alias K8S=docker")

    assert "✅ Saved. (`k8s` meant kubernetes before.)" in town.seen_by("admin")[-2].as_plain_text()
    await town.say("ana", "/offer I can help with k8s upgrades")
    assert "#docker" in town.last_to("ana")


async def test_an_alias_with_characters_that_were_not_text_is_refused(town: Town) -> None:
    """Bytes that were not UTF-8 arrive as "�" (see bot.text.clean): an alias made of
    them would tag every text that had such bytes with that skill."""
    for line in (
        "k8\udcff=kubernetes",
        "k8s=kuber\udcffnetes",
        "\ufffd=kubernetes",
        "#=kubernetes",
    ):
        refused = await town.say("admin", f"/givefirst config alias {line}")
        assert refused.error is not None, line
    assert "couldn't read" in town.seen_by("admin")[0].as_plain_text()
    assert "need a letter or digit" in town.last_to("admin")
    await town.say("admin", "/givefirst config")
    assert "Skill aliases: none" in town.last_to("admin"), "nothing half-saved"


async def test_a_skill_with_characters_that_were_not_text_is_refused(town: Town) -> None:
    refused = await town.say("ana", "/skills add py\udcffthon, sql")
    assert refused.error is not None
    assert "`py�thon` has characters I couldn't read" in town.last_to("ana")
    await town.say("ana", "/skills")
    assert "sql" not in town.last_to("ana"), "nothing half-added"


async def test_a_thank_you_with_a_mass_mention_tells_its_author_it_pinged_nobody(
    town: Town,
) -> None:
    await town.say("dana", "/thanks @ana @here you rock <!channel>")
    told = town.last_to("dana")
    assert "Thank you for saying thanks" in told
    assert "I share your thank-you note without pinging anyone" in told
    await town.say("dana", "/thanks @ana for the CV tips")
    assert "without pinging anyone" not in town.last_to("dana")


async def test_a_skill_with_no_letters_is_said_to_be_left_out(town: Town) -> None:
    await town.say("ana", "/skills add 🐍, python, ???")
    said = town.last_to("ana")
    assert "Added: python." in said and "(Left out, with no letters or digits: 🐍, ???.)" in said


async def test_skills_list_names_the_tags_of_open_offers_apart_from_the_profile(
    town: Town,
) -> None:
    await town.say("ana", "/offer I patch roofs and gutters #roofing #resume")
    await town.say("ana", "/skills list")
    said = town.last_to("ana")
    assert "Your profile has no skills yet" in said
    assert "Your open offers are also tagged roofing, resume" in said
    await town.say("ana", "/skills add resumes")
    await town.say("ana", "/skills list")
    said = town.last_to("ana")
    assert "Your skills: resume. Your open offers are also tagged roofing:" in said
    await town.say("ana", "/givefirst me")
    await town.press("ana", "Withdraw")
    await town.say("ana", "/skills list")
    assert "Your skills: resume" in town.last_to("ana")
    assert "also tagged" not in town.last_to("ana"), "a closed offer's tags no longer count"


async def test_advice_to_add_tags_goes_to_the_author_not_the_channel(town: Town) -> None:
    await town.say("dana", "/ask my kitchen tap won't stop dripping")
    assert "No skills detected — add #tags" in town.last_to("dana")
    assert "No skills detected" not in town.channel()[-1].as_plain_text()
    await town.say("ben", "/offer happy to sit with you while you fill in a form")
    assert "No skills detected — add #tags" in town.last_to("ben")
    assert "No skills detected" not in town.channel()[-1].as_plain_text()
    await town.say("ben", "/offer resume reviews #resume")
    assert "Tagged: #resume" in town.channel()[-1].as_plain_text(), "tags are for everyone"


async def test_an_everyday_word_does_not_tag_a_post_with_a_skill(town: Town) -> None:
    await town.say("dana", "/ask my kitchen tap won't stop dripping, it's driving me mad")
    post = town.channel()[-1].as_plain_text()
    assert "dripping" in post and "#driving" not in post, post
    await town.say("eve", "/ask I need driving lessons before my test")
    assert "#driving" in town.channel()[-1].as_plain_text()
    await town.say("eve", "/offer I can help with Python scripts and pandas")
    post = town.channel()[-1].as_plain_text()
    assert "#python" in post and "#pandas" in post and "No skills detected" not in post, post
    await town.say("dana", "/ask anyone know python?")
    assert "#python" in town.channel()[-1].as_plain_text()
    await town.say("dana", "/ask my python script crashes on windows")
    post = town.channel()[-1].as_plain_text()
    assert "#python" in post and "No skills detected" not in post, post


async def test_skills_added_say_what_they_were_read_as_and_keep_the_members_own_words(
    town: Town,
) -> None:
    await town.say("ana", "/skills add sewing, seed saving, knitting, crochet, Salesforce NPSP")
    said = town.last_to("ana")
    assert "Added: fashion-design (sewing), personal-finance (seed saving), seed-saving," in said
    assert "crafts (knitting, crochet), crm (Salesforce NPSP), salesforce-npsp." in said
    assert "Not what you meant? `/skills remove fashion-design`." in said
    await town.say("ana", "/skills remove personal-finance")
    await town.say("ana", "/skills list")
    assert "Your skills: fashion-design, seed-saving, crafts, crm, salesforce-npsp" in (
        town.last_to("ana")
    )
    await town.say("ben", "/skills add #seed saving")
    assert "Added: seed-saving." in town.last_to("ben"), "a #hashtag is taken as typed"
    await town.say("ana", "/skills remove seed-saving, CV")
    assert "None of those" not in town.last_to("ana")
    await town.say("ana", "/skills list")
    assert "Your skills: fashion-design, crafts, crm, salesforce-npsp" in town.last_to("ana")


async def test_a_skill_added_by_its_own_name_is_that_skill_not_one_it_is_an_alias_of(
    town: Town,
) -> None:
    await town.say("ana", "/skills add grant writing, C")
    said = town.last_to("ana")
    assert "Added: grant-writing, c-language (C)." in said, said
    await town.say("ana", "/skills list")
    assert "Your skills: grant-writing, c-language" in town.last_to("ana")


async def test_the_same_open_ask_or_offer_said_again_is_not_posted_twice(town: Town) -> None:
    await town.say("dana", "/ask could someone look over my CV?")
    result = await town.say("dana", "/ask  Could someone look over my CV? ")
    assert result.error is not None and "You asked this already" in result.error
    await town.say("ana", "/offer resume reviews #resume")
    result = await town.say("ana", "/offer resume reviews #resume")
    assert result.error is not None and "You offered this already" in result.error
    assert len(town.channel()) == 2, "one post each"
    assert len(await stored_texts(town)) == 2
    # A private ask in the same words is another ask; so is the same one once solved.
    assert (await town.say("dana", "/ask private: could someone look over my CV?")).error is None
    await town.say("ana", "/givefirst me")
    await town.press("ana", "Withdraw")
    assert (await town.say("ana", "/offer resume reviews #resume")).error is None
