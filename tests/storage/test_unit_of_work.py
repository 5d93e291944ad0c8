"""Transactions: what is committed stays, what is not disappears, and the rules hold."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import StatementError

from bot.domain import (
    Ask,
    Community,
    Introduction,
    Member,
    Offer,
    Party,
    Post,
    SubjectKind,
)
from bot.ports import Conflict, UnitOfWork
from storage import SqlAlchemyUnitOfWork, Storage
from tests.database_dump import all_table_rows
from tests.storage.village import NOW, Village, member_id

UowFactory = Callable[[], SqlAlchemyUnitOfWork]


def test_the_unit_of_work_satisfies_the_core_port(uow_factory: UowFactory) -> None:
    uow: UnitOfWork = uow_factory()
    assert uow is not None


async def test_leaving_without_commit_rolls_back(uow_factory: UowFactory) -> None:
    async with uow_factory() as uow:
        community = Community(key="console:draft")
        await uow.communities.add(community)
        assert community.id is not None

    async with uow_factory() as uow:
        assert await uow.communities.get_by_key("console:draft") is None


async def test_an_error_inside_the_block_rolls_back(uow_factory: UowFactory) -> None:
    async def add_then_fail() -> None:
        async with uow_factory() as uow:
            await uow.communities.add(Community(key="console:doomed"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail()

    async with uow_factory() as uow:
        assert await uow.communities.list() == []


async def test_explicit_rollback_discards_changes_since_the_last_commit(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        ana = await uow.members.get(member_id(village.ana))
        assert ana is not None
        ana.add_skills(["rust"])
        await uow.commit()
        ana.add_skills(["haskell"])
        await uow.communities.add(Community(key="console:second"))
        await uow.rollback()
        # Objects loaded before the rollback remain readable.
        assert ana.name == "Ana"
        reloaded = await uow.members.get(member_id(village.ana))
        assert reloaded is not None
        assert reloaded.skills == ["rust"]
        assert await uow.communities.get_by_key("console:second") is None


async def test_objects_stay_readable_after_the_block(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        committed = await uow.members.get(member_id(village.ana))
        await uow.commit()
    async with uow_factory() as uow:
        read_only = await uow.members.list(village.community_id)

    assert committed is not None
    assert committed.name == "Ana"
    assert committed.skills == []
    assert [m.name for m in read_only] == ["Ana", "Ben", "Cleo"]
    assert read_only[0].joined_at == NOW


async def test_an_object_from_an_earlier_unit_of_work_can_be_saved_again(
    uow_factory: UowFactory, village: Village
) -> None:
    village.cleo.bio = "Accountant"
    async with uow_factory() as uow:
        await uow.members.add(village.cleo)
        await uow.commit()

    async with uow_factory() as uow:
        cleo = await uow.members.get(member_id(village.cleo))
        assert cleo is not None
        assert cleo.bio == "Accountant"
        assert len(await uow.members.list(village.community_id)) == 3


async def test_a_unit_of_work_can_be_used_again(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    async with uow:
        await uow.communities.add(Community(key="console:one"))
        await uow.commit()
    async with uow:
        assert [c.key for c in await uow.communities.list()] == ["console:one"]


async def test_community_keys_are_unique(uow_factory: UowFactory, village: Village) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.communities.add(Community(key="console:village"))


async def test_a_platform_user_is_one_member_per_community(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.members.add(Member(village.community_id, "U1", "Ana again", NOW))

    async with uow_factory() as uow:
        elsewhere = Community(key="console:elsewhere")
        await uow.communities.add(elsewhere)
        assert elsewhere.id is not None
        await uow.members.add(Member(elsewhere.id, "U1", "Ana elsewhere", NOW))
        await uow.commit()


async def test_many_forgotten_members_can_share_a_community(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        for _ in range(3):
            await uow.members.add(Member(village.community_id, None, None, NOW))
        await uow.commit()

    async with uow_factory() as uow:
        assert len(await uow.members.list(village.community_id)) == 6


def _intro(
    village: Village,
    asker: Member,
    helper: Member,
    *,
    ask_id: int | None = None,
    offer_id: int | None = None,
) -> Introduction:
    return Introduction(
        community_id=village.community_id,
        asker_id=member_id(asker),
        helper_id=member_id(helper),
        awaiting=Party.HELPER,
        reason="",
        requested_at=NOW,
        expires_at=NOW + timedelta(days=3),
        ask_id=ask_id,
        offer_id=offer_id,
    )


async def test_a_helper_is_proposed_for_an_ask_only_once(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        ask = Ask(village.community_id, member_id(village.ben), "Rust?", [], False, NOW)
        await uow.asks.add(ask)
        await uow.introductions.add(_intro(village, village.ben, village.ana, ask_id=ask.id))
        await uow.introductions.add(_intro(village, village.ben, village.cleo, ask_id=ask.id))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.introductions.add(_intro(village, village.ben, village.ana, ask_id=ask.id))


async def test_an_offer_is_requested_by_the_same_asker_only_once(
    uow_factory: UowFactory, village: Village
) -> None:
    async with uow_factory() as uow:
        offer = Offer(village.community_id, member_id(village.ana), "Rust", [], NOW)
        await uow.offers.add(offer)
        await uow.introductions.add(_intro(village, village.ben, village.ana, offer_id=offer.id))
        await uow.introductions.add(_intro(village, village.cleo, village.ana, offer_id=offer.id))
        # Introductions on no offer and no ask do not collide with each other.
        await uow.introductions.add(_intro(village, village.ben, village.ana))
        await uow.introductions.add(_intro(village, village.ben, village.ana))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.introductions.add(
                _intro(village, village.ben, village.ana, offer_id=offer.id)
            )


async def test_a_platform_message_is_one_post(uow_factory: UowFactory, village: Village) -> None:
    async with uow_factory() as uow:
        await uow.posts.add(Post(village.community_id, SubjectKind.ASK, 1, "C1", "m1", NOW))
        await uow.posts.add(Post(village.community_id, SubjectKind.ASK, 1, "C2", "m1", NOW))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.posts.add(Post(village.community_id, SubjectKind.OFFER, 2, "C1", "m1", NOW))


async def test_foreign_keys_are_enforced(uow_factory: UowFactory, village: Village) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.offers.add(Offer(village.community_id, 9999, "ghost", [], NOW))


async def test_naive_datetimes_are_refused(uow_factory: UowFactory, village: Village) -> None:
    async with uow_factory() as uow:
        with pytest.raises(StatementError, match="naive datetime"):
            await uow.members.add(Member(village.community_id, "U9", "Dee", datetime(2024, 1, 1)))


async def test_all_table_rows_shows_what_is_stored(storage: Storage, village: Village) -> None:
    rows = await all_table_rows(storage)

    assert [m["display_name"] for m in rows["members"]] == ["Ana", "Ben", "Cleo"]
    assert [c["key"] for c in rows["communities"]] == ["console:village"]
    assert rows["offers"] == []
    assert {"slack_installations", "processed_events", "alembic_version"} <= rows.keys()
