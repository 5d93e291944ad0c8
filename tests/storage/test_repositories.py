"""Every entity survives a trip through the database, and each query finds the right rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from bot.domain import (
    Ask,
    AskStatus,
    Community,
    Introduction,
    IntroStatus,
    Member,
    Offer,
    OfferStatus,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Party,
    Post,
    Subject,
    SubjectKind,
    Thanks,
)
from bot.message_json import from_json, to_json
from bot.messages import DirectMessage, Mention, Paragraph, message, text
from storage import SqlAlchemyUnitOfWork
from storage.scheduled import outbox_names
from tests.storage.village import NOW, Village, member_id

UowFactory = Callable[[], SqlAlchemyUnitOfWork]
DAY = timedelta(days=1)


def intro(
    village: Village,
    asker: Member,
    helper: Member,
    *,
    ask: Ask | None = None,
    offer: Offer | None = None,
    requested_at: datetime = NOW,
    status: IntroStatus = IntroStatus.PENDING,
) -> Introduction:
    return Introduction(
        community_id=village.community_id,
        asker_id=member_id(asker),
        helper_id=member_id(helper),
        awaiting=Party.HELPER,
        reason="both like Rust",
        requested_at=requested_at,
        expires_at=requested_at + timedelta(days=3),
        ask_id=ask.id if ask else None,
        offer_id=offer.id if offer else None,
        status=status,
    )


async def test_a_community_round_trips(uow_factory: UowFactory) -> None:
    paris = timezone(timedelta(hours=2))
    async with uow_factory() as uow:
        community = Community(
            key="slack:T0123",
            name="Makers",
            channel_id="C42",
            admin_ids=["U1", "U9"],
            digest_weekday=4,
            digest_hour=17,
            timezone="Europe/Paris",
            skip_quiet_weeks=False,
            capacity=3,
            intro_expiry_days=5,
            follow_up_days=10,
            aliases={"js": "javascript", "py": "python"},
            created_at=datetime(2024, 6, 3, 11, 30, tzinfo=paris),
        )
        await uow.communities.add(community)
        assert community.id is not None
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.communities.get_by_key("slack:T0123")
        assert loaded is not None
        assert loaded is not community
        assert loaded.id == community.id
        assert loaded.admin_ids == ["U1", "U9"]
        assert loaded.aliases == {"js": "javascript", "py": "python"}
        assert (loaded.digest_weekday, loaded.digest_hour, loaded.timezone) == (
            4,
            17,
            "Europe/Paris",
        )
        assert (loaded.capacity, loaded.intro_expiry_days, loaded.follow_up_days) == (3, 5, 10)
        assert loaded.skip_quiet_weeks is False
        assert loaded.created_at == datetime(2024, 6, 3, 9, 30, tzinfo=UTC)
        assert loaded.created_at is not None
        assert loaded.created_at.tzinfo is UTC
        assert await uow.communities.get(community.id) is loaded
        assert await uow.communities.get_by_key("discord:1") is None
        assert [c.key for c in await uow.communities.list()] == ["slack:T0123"]


async def test_a_member_round_trips_and_changes_are_saved_on_commit(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        ana = await uow.members.get_by_platform_id(village.community_id, "U1")
        assert ana is not None
        assert ana.name == "Ana"
        assert ana.joined_at == NOW
        assert ana.joined_at.tzinfo is UTC
        ana.add_skills(["rust", "cooking"])
        ana.pause(NOW, days=14)
        ana.bio = "Bakes bread, writes Rust."
        ana.dm_closed = True
        await uow.commit()

    async with uow_factory() as uow:
        ana = await uow.members.get(member_id(village.ana))
        assert ana is not None
        assert ana.skills == ["rust", "cooking"]
        assert ana.paused_until == NOW + timedelta(days=14)
        assert ana.bio == "Bakes bread, writes Rust."
        assert ana.dm_closed is True
        assert ana.public_thanks is True
        ana.remove_skills(["rust"])
        await uow.commit()

    async with uow_factory() as uow:
        ana = await uow.members.get(member_id(village.ana))
        assert ana is not None
        assert ana.skills == ["cooking"]
        names = [m.name for m in await uow.members.list(village.community_id)]
        assert names == ["Ana", "Ben", "Cleo"]
        assert await uow.members.get_by_platform_id(village.community_id, "U404") is None
        several = await uow.members.get_many([member_id(village.cleo), member_id(ana), 404])
        assert sorted(m.name for m in several) == ["Ana", "Cleo"]
        assert await uow.members.get_many([]) == []


async def test_forgotten_members_leave_anonymous_tombstones(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        for person in (village.ana, village.ben):
            loaded = await uow.members.get(member_id(person))
            assert loaded is not None
            loaded.forget(NOW)
        await uow.commit()

    async with uow_factory() as uow:
        members = await uow.members.list(village.community_id)
        assert [(m.platform_user_id, m.display_name, m.skills) for m in members] == [
            (None, None, []),
            (None, None, []),
            ("U3", "Cleo", []),
        ]
        assert members[0].forgotten_at == NOW


async def test_offers_round_trip_and_only_open_ones_are_listed(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        bread = Offer(
            village.community_id, member_id(village.ana), "I can teach sourdough", ["baking"], NOW
        )
        rust = Offer(
            village.community_id,
            member_id(village.ana),
            "Rust code reviews",
            ["rust"],
            NOW + timedelta(hours=1),
        )
        bikes = Offer(village.community_id, member_id(village.ben), "Bike repairs", ["bikes"], NOW)
        for offer in (rust, bread, bikes):
            await uow.offers.add(offer)
        bikes.withdraw(village.ben)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.offers.get(bikes.id or 0)
        assert loaded is not None
        assert loaded.status is OfferStatus.WITHDRAWN
        assert loaded.skills == ["bikes"]
        assert loaded.created_at == NOW
        open_offers = await uow.offers.open_in(village.community_id)
        assert [o.text for o in open_offers] == ["I can teach sourdough", "Rust code reviews"]
        assert all(o.status is OfferStatus.OPEN for o in open_offers)
        assert [o.text for o in await uow.offers.by_member(member_id(village.ana))] == [
            "I can teach sourdough",
            "Rust code reviews",
        ]
        assert await uow.offers.by_member(member_id(village.cleo)) == []
        assert await uow.offers.open_in(village.community_id + 1) == []


async def test_asks_round_trip_and_open_ones_are_listed_oldest_first(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        newer = Ask(
            village.community_id,
            member_id(village.ben),
            "Who knows Rust lifetimes?",
            ["rust"],
            private=False,
            created_at=NOW + timedelta(days=1),
        )
        older = Ask(
            village.community_id,
            member_id(village.cleo),
            "Help with my tax return",
            ["taxes"],
            private=True,
            created_at=NOW,
            looking_for_helper=True,
        )
        solved = Ask(
            village.community_id,
            member_id(village.ben),
            "Borrow a ladder",
            [],
            private=False,
            created_at=NOW - timedelta(days=1),
        )
        for ask in (newer, older, solved):
            await uow.asks.add(ask)
        solved.solve(village.ben, NOW + timedelta(hours=2))
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.asks.get(solved.id or 0)
        assert loaded is not None
        assert loaded.status is AskStatus.SOLVED
        assert loaded.solved_at == NOW + timedelta(hours=2)
        taxes = await uow.asks.get(older.id or 0)
        assert taxes is not None
        assert (taxes.private, taxes.looking_for_helper, taxes.skills) == (True, True, ["taxes"])
        assert [a.text for a in await uow.asks.open_in(village.community_id)] == [
            "Help with my tax return",
            "Who knows Rust lifetimes?",
        ]
        # Only the open ask that nobody could help with yet (the private one counts).
        assert [a.text for a in await uow.asks.looking_for_helper(village.community_id)] == [
            "Help with my tax return"
        ]
        assert await uow.asks.looking_for_helper(village.community_id + 1) == []
        assert [a.text for a in await uow.asks.by_member(member_id(village.ben))] == [
            "Borrow a ladder",
            "Who knows Rust lifetimes?",
        ]


async def test_introductions_round_trip_with_their_whole_story(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        ask = Ask(village.community_id, member_id(village.ben), "Rust?", ["rust"], False, NOW)
        await uow.asks.add(ask)
        introduction = intro(village, village.ben, village.ana, ask=ask)
        await uow.introductions.add(introduction)
        introduction.accept(village.ana, NOW + timedelta(hours=1), follow_up_days=7)
        introduction.record_outcome(village.ben, Outcome.HELPED, NOW + timedelta(days=8))
        introduction.follow_up_sent_at = NOW + timedelta(days=7)
        await uow.commit()

    async with uow_factory() as uow:
        loaded = await uow.introductions.get(introduction.id or 0)
        assert loaded is not None
        assert loaded.status is IntroStatus.ACCEPTED
        assert loaded.awaiting is Party.HELPER
        assert loaded.outcome is Outcome.HELPED
        assert loaded.ask_id == ask.id
        assert loaded.offer_id is None
        assert loaded.reason == "both like Rust"
        assert loaded.decided_at == NOW + timedelta(hours=1)
        assert loaded.follow_up_due_at == NOW + timedelta(days=7, hours=1)
        assert loaded.follow_up_sent_at == NOW + timedelta(days=7)
        assert loaded.outcome_at == NOW + timedelta(days=8)
        assert loaded.expires_at == NOW + timedelta(days=3)
        assert loaded.expires_at.tzinfo is UTC


async def test_introductions_are_found_by_ask_member_and_community(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        ask = Ask(village.community_id, member_id(village.ben), "Rust?", ["rust"], False, NOW)
        await uow.asks.add(ask)
        offer = Offer(village.community_id, member_id(village.cleo), "Taxes", ["taxes"], NOW)
        await uow.offers.add(offer)
        ana_for_ben = intro(village, village.ben, village.ana, ask=ask)
        cleo_for_ben = intro(
            village, village.ben, village.cleo, ask=ask, requested_at=NOW + timedelta(hours=1)
        )
        ana_requests_cleo = intro(
            village, village.ana, village.cleo, offer=offer, requested_at=NOW + timedelta(hours=2)
        )
        for each in (ana_for_ben, cleo_for_ben, ana_requests_cleo):
            await uow.introductions.add(each)
        await uow.commit()

    def ids(intros: object) -> list[int | None]:
        assert isinstance(intros, list | tuple)
        return [i.id for i in intros]

    async with uow_factory() as uow:
        assert ids(await uow.introductions.for_ask(ask.id or 0)) == [
            ana_for_ben.id,
            cleo_for_ben.id,
        ]
        assert ids(await uow.introductions.involving(member_id(village.ana))) == [
            ana_for_ben.id,
            ana_requests_cleo.id,
        ]
        assert ids(await uow.introductions.involving(member_id(village.cleo))) == [
            cleo_for_ben.id,
            ana_requests_cleo.id,
        ]
        both = {member_id(village.ana), member_id(village.cleo)}
        assert ids(await uow.introductions.involving_any(both)) == [
            ana_for_ben.id,
            cleo_for_ben.id,
            ana_requests_cleo.id,
        ]
        assert ids(await uow.introductions.involving_any({member_id(village.ben)})) == [
            ana_for_ben.id,
            cleo_for_ben.id,
        ]
        assert await uow.introductions.involving_any({member_id(village.cleo) + 100}) == []
        assert await uow.introductions.involving_any(set()) == []
        assert len(await uow.introductions.in_community(village.community_id)) == 3
        assert await uow.introductions.in_community(village.community_id + 1) == []


async def test_a_helpers_load_counts_their_pending_and_accepted_requests_since_a_date(
    uow_factory: UowFactory, village: Village
) -> None:
    week_ago = NOW - timedelta(days=7)
    ana, ben, cleo = village.ana, village.ben, village.cleo
    async with uow_factory() as uow:
        for each in (
            intro(village, ben, ana, status=IntroStatus.PENDING),
            intro(village, cleo, ana, status=IntroStatus.ACCEPTED),
            intro(village, cleo, ana, status=IntroStatus.DECLINED),
            intro(village, cleo, ana, status=IntroStatus.EXPIRED),
            intro(village, ben, ana, status=IntroStatus.ACCEPTED, requested_at=week_ago - DAY),
            intro(village, ana, cleo, status=IntroStatus.ACCEPTED),
            intro(village, ana, ben, status=IntroStatus.DECLINED),
        ):
            await uow.introductions.add(each)
        await uow.commit()
    async with uow_factory() as uow:
        everyone = {member_id(ana), member_id(ben), member_id(cleo)}
        loads = await uow.introductions.loads(village.community_id, everyone, week_ago)
        # Ana: one pending and one accepted this week (not the declined, the expired or
        # last week's); Cleo: one accepted; Ben only declined, so no load at all.
        assert loads == {member_id(ana): 2, member_id(cleo): 1}
        assert await uow.introductions.loads(village.community_id, {member_id(ben)}, week_ago) == {}
        assert await uow.introductions.loads(village.community_id, set(), week_ago) == {}


async def test_what_came_of_introductions_is_read_with_the_margin_of_their_ask(
    uow_factory: UowFactory, village: Village
) -> None:
    """For a community's calibration: introductions for asks ranked by meaning that
    helped (worked), did not work or were declined (did not), latest first."""
    ana, ben, cleo = village.ana, village.ben, village.cleo
    async with uow_factory() as uow:
        asks = []
        for margin in (0.31, 0.24, 0.42, None):
            ask = Ask(village.community_id, member_id(ben), "Rust?", ["rust"], False, NOW)
            ask.match_margin = margin
            await uow.asks.add(ask)
            asks.append(ask)
        helped = intro(village, ben, ana, ask=asks[0])
        helped.outcome = Outcome.HELPED
        not_yet = intro(village, ben, cleo, ask=asks[0], status=IntroStatus.ACCEPTED)
        not_yet.outcome = Outcome.NOT_YET
        didnt = intro(village, ben, ana, ask=asks[1], status=IntroStatus.ACCEPTED)
        didnt.outcome = Outcome.DIDNT_WORK
        declined = intro(village, ben, ana, ask=asks[2], status=IntroStatus.DECLINED)
        pending = intro(village, ben, cleo, ask=asks[2])
        words_alone = intro(village, ben, ana, ask=asks[3], status=IntroStatus.ACCEPTED)
        words_alone.outcome = Outcome.HELPED
        for each in (helped, not_yet, didnt, declined, pending, words_alone):
            await uow.introductions.add(each)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.introductions.margin_outcomes(village.community_id, 10)
        assert found == [(0.42, False), (0.24, False), (0.31, True)]
        assert await uow.introductions.margin_outcomes(village.community_id, 1) == [(0.42, False)]
        assert await uow.introductions.margin_outcomes(village.community_id + 1, 10) == []


async def test_pending_expired_finds_only_unanswered_requests_past_expiry(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        ask = Ask(village.community_id, member_id(village.ben), "Rust?", ["rust"], False, NOW)
        await uow.asks.add(ask)
        old = intro(village, village.ben, village.ana, ask=ask, requested_at=NOW - timedelta(4))
        fresh = intro(village, village.ben, village.cleo, ask=ask, requested_at=NOW)
        answered = intro(
            village,
            village.cleo,
            village.ana,
            requested_at=NOW - timedelta(days=5),
            status=IntroStatus.DECLINED,
        )
        for each in (old, fresh, answered):
            await uow.introductions.add(each)
        await uow.commit()

    async with uow_factory() as uow:
        expired = await uow.introductions.pending_expired(NOW)
        assert [i.id for i in expired] == [old.id]
        at_expiry = await uow.introductions.pending_expired(NOW + timedelta(days=3))
        assert [i.id for i in at_expiry] == [old.id, fresh.id]


async def test_follow_ups_due_skips_those_not_due_or_already_sent(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        due = intro(village, village.ben, village.ana, requested_at=NOW - timedelta(days=9))
        sent = intro(village, village.ben, village.cleo, requested_at=NOW - timedelta(days=9))
        later = intro(village, village.cleo, village.ana, requested_at=NOW - timedelta(days=1))
        pending = intro(village, village.ana, village.ben, requested_at=NOW - timedelta(days=9))
        for each in (due, sent, later, pending):
            await uow.introductions.add(each)
        for each in (due, sent):
            each.accept(
                village.ana if each is due else village.cleo,
                NOW - timedelta(days=8),
                follow_up_days=7,
            )
        sent.follow_up_sent_at = NOW - timedelta(hours=1)
        later.accept(village.ana, NOW - timedelta(hours=12), follow_up_days=7)
        await uow.commit()

    async with uow_factory() as uow:
        assert [i.id for i in await uow.introductions.follow_ups_due(NOW)] == [due.id]
        in_a_week = await uow.introductions.follow_ups_due(NOW + timedelta(days=7))
        assert [i.id for i in in_a_week] == [due.id, later.id]


async def test_thanks_round_trip_and_are_found_by_either_party(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        introduction = intro(village, village.ben, village.ana)
        await uow.introductions.add(introduction)
        first = Thanks(
            village.community_id,
            member_id(village.ben),
            member_id(village.ana),
            "Ana fixed my borrow checker woes",
            NOW,
            introduction_id=introduction.id,
        )
        second = Thanks(
            village.community_id,
            member_id(village.ana),
            member_id(village.cleo),
            "for the tax tips",
            NOW + timedelta(minutes=5),
        )
        await uow.thanks.add(first)
        await uow.thanks.add(second)
        await uow.commit()

    async with uow_factory() as uow:
        for_ana = await uow.thanks.involving(member_id(village.ana))
        assert [(t.note, t.introduction_id) for t in for_ana] == [
            ("Ana fixed my borrow checker woes", introduction.id),
            ("for the tax tips", None),
        ]
        assert for_ana[0].created_at == NOW
        assert [t.note for t in await uow.thanks.involving(member_id(village.cleo))] == [
            "for the tax tips"
        ]
        assert len(await uow.thanks.in_community(village.community_id)) == 2
        assert await uow.thanks.involving(member_id(village.cleo) + 100) == []


async def test_posts_are_found_by_subject_and_by_message_and_can_be_deleted(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        channel_post = Post(village.community_id, SubjectKind.ASK, 7, "C1", "1700000000.1", NOW)
        digest_post = Post(
            village.community_id, SubjectKind.ASK, 7, "C2", "1700000000.2", NOW + timedelta(1)
        )
        other = Post(village.community_id, SubjectKind.OFFER, 7, "C1", "1700000000.3", NOW)
        for post in (channel_post, digest_post, other):
            await uow.posts.add(post)
        await uow.commit()

    async with uow_factory() as uow:
        for_ask = await uow.posts.for_subject(village.community_id, Subject(SubjectKind.ASK, 7))
        assert [p.message_id for p in for_ask] == ["1700000000.1", "1700000000.2"]
        assert for_ask[0].subject == Subject(SubjectKind.ASK, 7)
        assert for_ask[0].kind is SubjectKind.ASK
        found = await uow.posts.find(village.community_id, "C1", "1700000000.3")
        assert found is not None
        assert found.subject == Subject(SubjectKind.OFFER, 7)
        assert await uow.posts.find(village.community_id, "C1", "nope") is None
        await uow.posts.delete(found)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.posts.find(village.community_id, "C1", "1700000000.3") is None
        assert len(await uow.posts.for_subject(village.community_id, Subject(SubjectKind.ASK, 7)))


async def test_who_an_outbox_message_names_is_kept_only_until_it_is_out(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork], village: Village
) -> None:
    def waiting(key: str, to: str) -> OutboxMessage:
        says = message(DirectMessage((to,)), Paragraph(text("Did ", Mention("U0BEN"), " help?")))
        return OutboxMessage(key, village.community_id, to_json(says), NOW, NOW)

    async with uow_factory() as uow:
        for key, to in (("follow-up:1#0", "U0ANA"), ("follow-up:2#0", "U0CLEO")):
            entry = waiting(key, to)
            await uow.outbox.add(entry, names=from_json(entry.payload).names())
        await uow.commit()
    async with uow_factory() as uow:
        [sent] = [
            e for e in await uow.outbox.claim_due(NOW, NOW, 10) if e.key.startswith("follow-up:1")
        ]
        sent.status, sent.payload = OutboxStatus.SENT, ""
        await uow.commit()

    async with uow_factory() as uow:
        named = select(outbox_names.c.user_id).order_by(outbox_names.c.user_id)
        assert list(await uow.session.scalars(named)) == ["U0BEN", "U0CLEO"], "Ana's is out"
        assert await uow.outbox.drop_unsent_naming(village.community_id, "U0BEN") == [
            "follow-up:2#0"
        ], "the one still waiting, which mentions Ben"
        assert list(await uow.session.scalars(named)) == []
        await uow.commit()
