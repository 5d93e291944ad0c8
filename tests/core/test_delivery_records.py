"""Recording where a post landed can fail (the platform handed out a message id already
on record, the database went away for that one write): the rest of what the command
said still goes out, above all the member's own reply, and what the command did stays."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import GiveFirst
from bot.clock import FakeClock
from bot.messages import ChannelPost, Message
from bot.ports import DeliveryFailed, DeliveryProblem, PostRef, SendOnce
from tests.conftest import all_table_rows, storage_for
from tests.core.conftest import Town
from tests.core.fakes import FakeChat


class RepeatingChat(FakeChat):
    """A platform that gives every channel post the same message id, as a second
    console session numbering its posts from 1 again once did."""

    async def send(
        self, message: Message, *, default_channel: str | None, once: SendOnce | None = None
    ) -> PostRef | None:
        ref = await super().send(message, default_channel=default_channel, once=once)
        return None if ref is None else PostRef(ref.channel_id, "m1")


DATABASES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


async def town_with(chat: FakeChat, database: str, tmp_path: Path) -> AsyncIterator[Town]:
    """A town on a real database, talking through ``chat``."""
    clock = FakeClock()
    async for storage in storage_for(database, tmp_path):
        bot = GiveFirst(storage.unit_of_work, clock)
        yield Town(bot, chat, clock, storage.unit_of_work, storage)


@pytest.fixture(params=DATABASES)
async def stored_town(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Town]:
    """A town on a real database, whose unique index on posts refuses a repeated id."""
    async for town in town_with(RepeatingChat(), request.param, tmp_path):
        yield town


async def test_a_post_that_cannot_be_recorded_keeps_the_members_reply(
    stored_town: Town, caplog: pytest.LogCaptureFixture
) -> None:
    town = stored_town
    await town.say("ana", "/offer Happy to review resumes #resume")
    assert len(town.channel()) == 1, "Ana's offer is posted (as m1)"

    with caplog.at_level(logging.WARNING):
        await town.say("ben", "/offer I can debug Kubernetes deployments #kubernetes")
    [ben_post] = [m for m in town.channel() if "Kubernetes" in m.as_plain_text()]
    assert isinstance(ben_post.to, ChannelPost), "Ben's offer went out to the channel"
    assert "could not record where a message landed" in caplog.text
    assert all(r.exc_info is None for r in caplog.records), "a line, not a traceback"
    assert town.seen_by("ben"), "and Ben heard back, though its record failed"

    async with town.unit_of_work() as uow:
        offers = [o.text for o in await uow.offers.open_in(1)]
    assert any("Kubernetes" in text for text in offers), "Ben's offer is kept"

    await town.say("dana", "/ask can someone help with my Kubernetes deployment?")
    assert "@ben" in town.last_to("dana"), "and found by the next ask"


async def test_the_member_who_acted_hears_back_before_the_community_post(town: Town) -> None:
    """On a real platform each message is a round trip of its own: the member's answer
    goes first, and their post follows it."""
    await town.say("ana", "/offer Happy to review resumes #resume")
    await town.say("dana", "/ask could someone look over my CV?")
    order = [
        (type(s.message.to).__name__, getattr(s.message.to, "user_id", None))
        for s in town.chat.sent
    ]
    assert order == [
        ("Ephemeral", "ana"),
        ("ChannelPost", None),
        ("Ephemeral", "dana"),
        ("ChannelPost", None),
    ]
    assert "@ana" in town.last_to("dana"), "the answer names who could help"


class HiccupChat(FakeChat):
    """A platform answering a take-down or an edit with a server error (a 5xx)."""

    def __init__(self) -> None:
        super().__init__()
        self.failing_deletes = 0
        self.failing_updates = 0

    async def update(self, ref: PostRef, message: Message) -> None:
        if self.failing_updates:
            self.failing_updates -= 1
            raise DeliveryFailed(DeliveryProblem.UNAVAILABLE, "internal_error")
        await super().update(ref, message)

    async def delete(self, ref: PostRef) -> None:
        if self.failing_deletes:
            self.failing_deletes -= 1
            raise DeliveryFailed(DeliveryProblem.UNAVAILABLE, "internal_error")
        await super().delete(ref)


@pytest.fixture(params=DATABASES)
async def hiccup_town(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Town]:
    async for town in town_with(HiccupChat(), request.param, tmp_path):
        yield town


async def test_a_take_down_the_platform_could_not_make_is_made_later(hiccup_town: Town) -> None:
    """After forget-me the member cannot ask again: their words must not stay up
    because the platform was busy when they asked."""
    town, chat = hiccup_town, hiccup_town.chat
    assert isinstance(chat, HiccupChat)
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("zoe", "/offer Zoe Quasarwright explains telescopes #astronomy")
    [post] = [s for s in chat.sent if s.ref is not None]
    chat.failing_deletes = 2
    await town.forget("zoe")
    assert post.ref not in chat.deleted
    assert "I've erased your data" in town.last_to("zoe")
    assert "couldn't deliver" not in town.last_to("zoe"), "it will be, shortly"

    town.clock.advance(timedelta(seconds=90))
    await town.run_due_work()  # busy again: held for another try
    assert post.ref not in chat.deleted
    town.clock.advance(timedelta(minutes=10))
    await town.run_due_work()
    assert post.ref in chat.deleted
    assert town.storage is not None
    assert "Quasarwright" not in repr(await all_table_rows(town.storage))


async def test_an_edit_the_platform_could_not_make_never_undoes_a_newer_one(
    hiccup_town: Town,
) -> None:
    """Made later, the edit that took a forgotten member's name out of Ana's ask would
    show her solved ask as still looking for help, with its button."""
    town, chat = hiccup_town, hiccup_town.chat
    assert isinstance(chat, HiccupChat)
    await town.say("admin", "/givefirst config channel <#general>")
    await town.say("ana", "/ask could @zoe or anyone help me pick a telescope? #astronomy")
    chat.failing_updates = 1
    await town.forget("zoe")
    await town.say("ana", "/givefirst me")
    await town.press("ana", "Solved")
    assert "✅ solved" in chat.updated[-1][1].as_plain_text()
    town.clock.advance(timedelta(minutes=10))
    await town.run_due_work()
    assert "✅ solved" in chat.updated[-1][1].as_plain_text(), "not looking for help again"
