"""While the database is away, members are told to try again, and nothing is half
written; an event delivered twice takes effect once."""

from __future__ import annotations

from typing import Self

from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.commands import Actor
from bot.ports import StorageUnavailable, UnitOfWork
from tests.core.fakes import FakeChat, FakeStore, FakeUnitOfWork

COMMUNITY = "console:outage"


class Database:
    """The in-memory store behind a switch: while it is down, every transaction fails
    as storage fails when PostgreSQL cannot be reached."""

    def __init__(self) -> None:
        self.store = FakeStore()
        self.down = False

    def unit_of_work(self) -> UnitOfWork:
        return _Switched(self)


class _Switched(FakeUnitOfWork):
    def __init__(self, database: Database) -> None:
        super().__init__(database.store)
        self._database = database

    async def __aenter__(self) -> Self:
        if self._database.down:
            raise StorageUnavailable("connection refused")
        return await super().__aenter__()

    async def commit(self) -> None:
        if self._database.down:  # it went away in the middle of the transaction
            raise StorageUnavailable("server closed the connection unexpectedly")
        await super().commit()


def ana() -> Actor:
    return Actor(COMMUNITY, "ana", "Ana", channel_id="general")


async def offers(database: Database) -> list[str]:
    return [o.text for o in database.store.table("offers").values()]


async def test_members_are_told_to_try_again_and_nothing_is_half_written() -> None:
    database, chat = Database(), FakeChat()
    bot = GiveFirst(database.unit_of_work, FakeClock())
    await bot.slash_command(ana(), "/offer", "resume reviews #resume", chat)

    database.down = True
    handled = await bot.slash_command(ana(), "/offer", "mock interviews #interviews", chat)
    assert handled.error == "storage unavailable"
    [reply] = handled.messages
    assert "I couldn't save that — please try again in a minute" in reply.as_plain_text()
    assert chat.sent[-1].message == reply, "the member hears it at once"

    reacted = await bot.reaction(ana(), "general", "m1", "pray", chat)
    assert reacted.error == "storage unavailable", "reactions are answered too"

    database.down = False
    await bot.slash_command(ana(), "/offer", "mock interviews #interviews", chat)
    assert await offers(database) == ["resume reviews #resume", "mock interviews #interviews"]


async def test_a_transaction_cut_at_its_commit_leaves_nothing_behind() -> None:
    database, chat = Database(), FakeChat()
    bot = GiveFirst(database.unit_of_work, FakeClock())
    await bot.slash_command(ana(), "/skills", "add kubernetes", chat)

    class CutAtCommit(_Switched):
        async def commit(self) -> None:
            raise StorageUnavailable("server closed the connection unexpectedly")

    cut = GiveFirst(lambda: CutAtCommit(database), FakeClock())
    handled = await cut.slash_command(ana(), "/offer", "pairing on terraform #terraform", chat)
    assert handled.error == "storage unavailable"
    assert await offers(database) == []


async def test_a_command_delivered_twice_takes_effect_once() -> None:
    database, chat = Database(), FakeChat()
    bot = GiveFirst(database.unit_of_work, FakeClock())
    first = await bot.slash_command(ana(), "/offer", "bike repairs", chat, event_key="trigger-1")
    again = await bot.slash_command(ana(), "/offer", "bike repairs", chat, event_key="trigger-1")
    assert first.error is None and first.messages
    assert again.error == "seen before" and again.messages == ()
    await bot.slash_command(ana(), "/offer", "bike lights", chat, event_key="trigger-2")
    assert await offers(database) == ["bike repairs", "bike lights"], "a new invocation counts"
