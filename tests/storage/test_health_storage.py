"""Storage for the health figures and the dashboard's signing key, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.domain import Ask, Community, Member
from storage import SqlAlchemyUnitOfWork

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def test_the_first_signing_key_stored_is_the_one_everyone_gets(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork],
) -> None:
    async with uow_factory() as uow:
        assert await uow.signing_keys.get_or_add("dashboard", "first", NOW) == "first"
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.signing_keys.get_or_add("dashboard", "second", NOW) == "first"
        assert await uow.signing_keys.get_or_add("other", "third", NOW) == "third"


async def test_health_facts_hold_dates_and_ids_but_no_names_or_words(
    uow_factory: Callable[[], SqlAlchemyUnitOfWork],
) -> None:
    async with uow_factory() as uow:
        await uow.communities.add(community := Community(key="slack:T1", created_at=NOW))
        assert community.id is not None
        member = Member(community.id, "U1", "Quentin Quasarwright", NOW, first_used_at=NOW)
        await uow.members.add(member)
        assert member.id is not None
        ask = Ask(community.id, member.id, "private worries", ["beekeeping"], True, NOW)
        ask.suggested_count, ask.first_suggested_at = 0, None
        await uow.asks.add(ask)
        await uow.commit()
    async with uow_factory() as uow:
        facts = await uow.health.facts(community.id)
    assert [(a.private, a.suggested_count, a.skills) for a in facts.asks] == [
        (True, 0, ("beekeeping",))
    ]
    assert [m.first_used_at for m in facts.members] == [NOW]
    assert "Quasarwright" not in repr(facts) and "worries" not in repr(facts)
