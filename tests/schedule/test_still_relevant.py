"""Old asks and offers: the author is asked if they still stand, and silence closes them."""

from __future__ import annotations

from datetime import timedelta

from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.commands import Actor
from bot.domain import AskStatus, OfferStatus
from bot.messages import DirectMessage
from tests.schedule.conftest import MemoryDatabase, RecordingChat, scheduler


def actor(who: str) -> Actor:
    return Actor("console:town", who, who.title(), channel_id="general")


async def test_an_old_ask_is_kept_once_then_closed_when_nobody_answers(
    database: MemoryDatabase, clock: FakeClock, chat: RecordingChat
) -> None:
    unit_of_work = await database.process()
    bot = GiveFirst(unit_of_work, clock)
    await bot.slash_command(actor("dana"), "ask", "help me learn sourdough baking", chat)
    await bot.slash_command(actor("ana"), "offer", "I can review CVs", chat)

    async def tick() -> None:
        await scheduler(await database.process(), clock).tick(lambda c: chat)

    def checks_to(who: str) -> list[str]:
        return [
            s.message.as_plain_text()
            for s in chat.sent
            if s.message.to == DirectMessage((who,))
            and "still relevant" in s.message.as_plain_text()
        ]

    clock.advance(timedelta(days=29))
    await tick()
    assert checks_to("dana") == []
    clock.advance(timedelta(days=2))
    await tick()
    await tick()
    assert len(checks_to("dana")) == 1 and len(checks_to("ana")) == 1
    [check] = [s.message for s in chat.sent if s.message.to == DirectMessage(("dana",))][-1:]
    keep = next(b for b in check.buttons if b.label == "Keep it open")
    handled = await bot.button(actor("dana"), keep.action, keep.value, chat)
    assert "Keeping it open" in handled.messages[0].as_plain_text()

    clock.advance(timedelta(days=8))
    await tick()
    async with unit_of_work() as uow:
        town = await uow.communities.get_by_key("console:town")
        assert town is not None and town.id is not None
        dana = await uow.members.get_by_platform_id(town.id, "dana")
        ana = await uow.members.get_by_platform_id(town.id, "ana")
        assert dana is not None and dana.id and ana is not None and ana.id
        [ask] = await uow.asks.by_member(dana.id)
        [offer] = await uow.offers.by_member(ana.id)
        assert ask.status is AskStatus.OPEN, "kept"
        assert offer.status is OfferStatus.EXPIRED, "nobody answered for a week"
    assert any("I've closed your offer" in s.message.as_plain_text() for s in chat.sent)

    clock.advance(timedelta(days=23))
    await tick()
    assert len(checks_to("dana")) == 2, "asked again a stale period after keeping it"
